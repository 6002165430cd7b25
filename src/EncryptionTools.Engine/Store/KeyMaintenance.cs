using EncryptionTools.Engine.Access;
using System.Security.Cryptography;

namespace EncryptionTools.Engine.Store;

/// <summary>New key material and the records of a key's life: creation, rotation, history, and the maintenance due at
/// every use of the store (destroying keys whose deletion date passed, rotating keys whose rotation is due).</summary>
internal static class KeyMaintenance
{
    public sealed record GeneratedMaterial(byte[]? Aes, byte[]? PrivateKey, byte[]? PublicKey)
    {
        public KeyVersionRecord ToVersion(int version, string keyName, DateTimeOffset now, RotationType type) => new()
        {
            Version = version,
            KeyName = keyName,
            CreationDate = now,
            RotationType = type,
            Material = Aes,
            PrivateKey = PrivateKey,
            PublicKey = PublicKey,
        };
    }

    public static GeneratedMaterial GenerateMaterial(KeySpec spec)
    {
        if (spec == KeySpec.SYMMETRIC_DEFAULT) return new GeneratedMaterial(RandomNumberGenerator.GetBytes(32), null, null);
        using var rsa = RSA.Create(spec == KeySpec.RSA_3072 ? 3072 : 4096);
        return new GeneratedMaterial(null, rsa.ExportPkcs8PrivateKey(), rsa.ExportSubjectPublicKeyInfo());
    }

    public static KeyRecord NewRecord(MutationContext ctx, KeySpec spec, KeyOrigin origin, KeyManager manager, string? description,
        IReadOnlyDictionary<string, string>? tags, bool exportable, string? policy)
    {
        var keyId = KeyIds.New();
        var user = StoreCall.CurrentScope.Value?.Principal ?? "user:" + KeyPolicies.CurrentUser();
        return new KeyRecord
        {
            KeyId = keyId,
            Description = description ?? "",
            Tags = tags is null ? new(StringComparer.Ordinal) : new(tags, StringComparer.Ordinal),
            KeyState = KeyState.Enabled,
            KeySpec = spec,
            KeyUsage = KeyUsage.ENCRYPT_DECRYPT,
            Origin = origin,
            KeyManager = manager,
            CreationDate = ctx.Now,
            RotationPeriodInDays = LocalKeyStore.DefaultRotationPeriodInDays,
            Exportable = exportable,
            KeyNamespace = LocalKeyStore.DefaultKeyNamespace,
            Creator = user,
            Policy = policy,
        };
    }

    public static void AddKey(MutationContext ctx, KeyRecord key, string historyEvent, string detail, string? alias)
    {
        if (alias is not null)
        {
            var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, alias));
            if (existing is not null)
                throw new KeyStoreException(StoreErrorIds.AliasExists, EngineErrorCategory.ResourceExists,
                    $"The alias '{existing.AliasName}' already exists and points to key {existing.KeyId}; the key was not created.") { Target = alias };
            ctx.Doc.Aliases.Add(new AliasRecord { AliasName = alias, KeyId = key.KeyId, CreationDate = ctx.Now, LastUpdatedDate = ctx.Now });
        }
        ctx.Doc.Keys.Add(key);
        Record(ctx, key, historyEvent, 1, detail);
        if (alias is not null) ctx.Event(key.KeyId, null, alias, null, "AliasCreated");
    }

    public static void Rotate(MutationContext ctx, KeyRecord key, RotationType type, GeneratedMaterial material)
    {
        var version = key.CurrentVersion + 1;
        key.Versions.Add(material.ToVersion(version, KeyIds.VersionKeyName(key.KeyId, version), ctx.Now, type));
        if (type == RotationType.Automatic || key.NextRotationDate is null)
            key.NextRotationDate = key.RotationEnabled ? ctx.Now.AddDays(key.RotationPeriodInDays) : null;
        Record(ctx, key, "Rotated", version, type.ToString(), "KeyRotated");
    }

    public static void Record(MutationContext ctx, KeyRecord key, string historyEvent, int? version, string? detail, string? operation = null)
    {
        key.History.Add(new LifecycleRecord { Date = ctx.Now, Event = historyEvent, Version = version, Detail = detail, User = KeyPolicies.CurrentUser() });
        ctx.Event(key.KeyId, version, null, detail, operation);
    }

    private static bool RotationDue(KeyRecord key, DateTimeOffset now) =>
        key.KeyState == KeyState.Enabled && key.RotationEnabled && key.Origin != KeyOrigin.External && key.NextRotationDate is { } next && next <= now;

    private static bool DestructionDue(KeyRecord key, DateTimeOffset now) =>
        key.KeyState == KeyState.PendingDeletion && key.DeletionDate is { } date && date <= now;

    public static bool Due(StoreDocument doc, DateTimeOffset now) =>
        doc.Keys.Any(k => RotationDue(k, now) || DestructionDue(k, now));

    /// <summary>Destroys keys whose deletion window has passed and rotates keys whose rotation is due.</summary>
    public static void Run(MutationContext ctx)
    {
        ctx.InMaintenance = true;
        try { RunCore(ctx); }
        finally { ctx.InMaintenance = false; }
    }

    private static void RunCore(MutationContext ctx)
    {
        foreach (var key in ctx.Doc.Keys.Where(k => DestructionDue(k, ctx.Now)).ToList())
        {
            key.History.Add(new LifecycleRecord { Date = ctx.Now, Event = "MaterialDestroyed", Detail = $"deletion date {key.DeletionDate:u} passed", User = KeyPolicies.CurrentUser() });
            var aliases = ctx.Doc.Aliases.Where(a => a.KeyId == key.KeyId).ToList();
            foreach (var alias in aliases)
            {
                ctx.Doc.Aliases.Remove(alias);
                ctx.Event(key.KeyId, null, alias.AliasName, "deleted with its key", "AliasDeleted");
            }
            ctx.Doc.DeletedKeys.Add(new DeletedKeyRecord
            {
                KeyId = key.KeyId,
                KeyNamespace = key.KeyNamespace,
                CreationDate = key.CreationDate,
                DeletionDate = ctx.Now,
                Versions = key.CurrentVersion,
                KeyNames = key.Versions.Select(v => v.KeyName).ToList(),
                History = key.History,
            });
            key.ZeroMaterial();
            ctx.Doc.Keys.Remove(key);
            KeyGrants.RemoveGrantsOf(ctx, key.KeyId);
            ctx.Event(key.KeyId, null, null, $"{key.CurrentVersion} version(s) destroyed", "KeyMaterialDestroyed");
        }
        foreach (var key in ctx.Doc.Keys.Where(k => RotationDue(k, ctx.Now)).ToList())
            Rotate(ctx, key, RotationType.Automatic, GenerateMaterial(key.KeySpec));
    }
}
