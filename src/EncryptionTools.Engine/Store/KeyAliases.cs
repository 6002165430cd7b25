using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Store;

/// <summary>User aliases of the store's keys (New-, Set-, Remove-, Get-EncKeyAlias); names under alias/enctools/ and
/// alias/aws/ are reserved, and no user alias points to the module-managed default key.</summary>
internal sealed class KeyAliases(StoreAuditTrail audit, StoreRepository repository, KeyResolver resolver, Authorization authorization)
{
    public EncKeyAlias NewAlias(string aliasName, string keyIdentifier)
    {
        var name = CheckUserAlias(aliasName);
        using var scope = authorization.Enter();
        return repository.Mutate("AliasCreated", ctx =>
        {
            var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, name));
            if (existing is not null)
                throw new KeyStoreException(StoreErrorIds.AliasExists, EngineErrorCategory.ResourceExists,
                    $"The alias '{existing.AliasName}' already exists and points to key {existing.KeyId}. Use Set-EncKeyAlias to re-point it.") { Target = name };
            var key = resolver.Resolve(ctx.Doc, keyIdentifier);
            Authorization.Demand(ctx.Doc, key, KmsActions.CreateAlias);
            CheckAliasTarget(key);
            var record = new AliasRecord { AliasName = name, KeyId = key.KeyId, CreationDate = ctx.Now, LastUpdatedDate = ctx.Now };
            ctx.Doc.Aliases.Add(record);
            ctx.Event(key.KeyId, null, name, null);
            return name;
        }, (name, doc) => KeyRecordMapping.ProjectAlias(doc, name));
    }

    public EncKeyAlias SetAlias(string aliasName, string keyIdentifier)
    {
        var name = CheckUserAlias(aliasName);
        using var scope = authorization.Enter();
        return repository.Mutate("AliasUpdated", ctx =>
        {
            var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, name))
                ?? throw AliasMissing(name);
            var key = resolver.Resolve(ctx.Doc, keyIdentifier);
            if (ctx.Doc.Keys.FirstOrDefault(k => k.KeyId == existing.KeyId) is { } currentTarget) Authorization.Demand(ctx.Doc, currentTarget, KmsActions.UpdateAlias);
            Authorization.Demand(ctx.Doc, key, KmsActions.UpdateAlias);
            CheckAliasTarget(key);
            var from = existing.KeyId;
            existing.KeyId = key.KeyId;
            existing.LastUpdatedDate = ctx.Now;
            ctx.Event(key.KeyId, null, existing.AliasName, $"from key {from}");
            return existing.AliasName;
        }, (name, doc) => KeyRecordMapping.ProjectAlias(doc, name));
    }

    public EncKeyAlias RemoveAlias(string aliasName)
    {
        var name = CheckUserAlias(aliasName);
        EncKeyAlias? removed = null;
        using var scope = authorization.Enter();
        repository.Mutate("AliasDeleted", ctx =>
        {
            var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, name)) ?? throw AliasMissing(name);
            if (ctx.Doc.Keys.FirstOrDefault(k => k.KeyId == existing.KeyId) is { } target) Authorization.Demand(ctx.Doc, target, KmsActions.DeleteAlias);
            removed = KeyRecordMapping.AliasToPublic(ctx.Doc, existing);
            ctx.Doc.Aliases.Remove(existing);
            ctx.Event(existing.KeyId, null, existing.AliasName, null);
            return 0;
        }, (_, _) => 0);
        return removed!;
    }

    public IReadOnlyList<EncKeyAlias> GetAliases()
    {
        using var scope = authorization.Enter();
        return audit.Read("AliasesListed", () =>
        {
            var (_, doc) = repository.LoadForUse();
            if (doc is null) return (IReadOnlyList<EncKeyAlias>)[];
            var call = Authorization.Call;
            call.Action = KmsActions.ListAliases;
            var allowed = doc.Keys.Where(k => Authorization.Evaluate(doc, k, call.Caller, KmsActions.ListAliases).IsAllowed).Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
            var visible = doc.Aliases.Where(a => allowed.Contains(a.KeyId)).ToList();
            audit.EmitRead(doc, "AliasesListed", null, $"{visible.Count} of {doc.Aliases.Count} alias(es) visible to the caller");
            return visible.Select(a => KeyRecordMapping.AliasToPublic(doc, a)).ToList();
        });
    }

    /// <summary>A valid alias name that is not reserved for the module or AWS.</summary>
    public static string CheckUserAlias(string aliasName)
    {
        var name = Aliases.Validate(aliasName);
        if (Aliases.IsReserved(name))
            throw new KeyStoreException(StoreErrorIds.AliasReserved, EngineErrorCategory.PermissionDenied,
                $"The alias '{name}' is reserved: names under '{Aliases.ReservedPrefix}' belong to the module and names under '{Aliases.AwsReservedPrefix}' to AWS.") { Target = aliasName };
        return name;
    }

    private static void CheckAliasTarget(KeyRecord key)
    {
        if (key.KeyManager == KeyManager.Module) throw KeyRules.ManagedByModule(key, "Its alias is set by the module; user aliases cannot point to it");
        if (key.KeyState == KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyPendingDeletion, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}); an alias cannot point to it. Run Restore-EncKey -KeyId {key.KeyId} first.");
    }

    private static KeyStoreException AliasMissing(string name) =>
        new(StoreErrorIds.AliasNotFound, EngineErrorCategory.ObjectNotFound,
            $"The alias '{name}' does not exist. New-EncKeyAlias creates it; Get-EncKeyAlias lists aliases.") { Target = name };
}
