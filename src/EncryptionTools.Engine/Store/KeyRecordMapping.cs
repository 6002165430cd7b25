using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Store;

/// <summary>The public objects made from the sealed records: keys, aliases and policies as the cmdlets show them.</summary>
internal sealed class KeyRecordMapping(StoreContext store)
{
    public EncKey ToEncKey(StoreDocument doc, string keyId) => Project(doc, doc.Keys.First(k => k.KeyId == keyId));

    public EncKey Project(StoreDocument doc, KeyRecord key) => new()
    {
        KeyId = key.KeyId,
        Arn = Arns.Key(doc.StoreId, key.KeyId),
        Aliases = doc.Aliases.Where(a => a.KeyId == key.KeyId).Select(a => a.AliasName).OrderBy(a => a, StringComparer.OrdinalIgnoreCase).ToList(),
        Description = key.Description,
        Tags = new Dictionary<string, string>(key.Tags, StringComparer.Ordinal),
        KeyState = key.KeyState,
        KeySpec = key.KeySpec,
        KeyUsage = key.KeyUsage,
        Origin = key.Origin,
        CreationDate = key.CreationDate,
        DeletionDate = key.DeletionDate,
        PendingDeletionWindowInDays = key.PendingDeletionWindowInDays,
        KeyManager = key.KeyManager,
        RotationEnabled = key.RotationEnabled,
        RotationPeriodInDays = key.RotationPeriodInDays,
        NextRotationDate = key.NextRotationDate,
        CurrentVersion = key.CurrentVersion,
        MinimumDecryptionVersion = key.MinimumDecryptionVersion,
        Exportable = key.Exportable,
        KeyNamespace = key.KeyNamespace,
        KeyName = key.Current.KeyName,
        Policy = key.Policy ?? KeyPolicies.Default(key.Creator, doc.Owner),
        StoreId = doc.StoreId,
        StoreLocation = store.Location,
        Versions = key.Versions.Select(v => new EncKeyVersion(key.KeyId, v.Version, key.KeyNamespace, v.KeyName, v.CreationDate,
            v.Version == key.CurrentVersion, v.Version >= key.MinimumDecryptionVersion)).ToList(),
        History = key.History.Select(h => new EncKeyLifecycleEvent(key.KeyId, h.Date, h.Event, h.Version, h.Detail, h.User)).ToList(),
    };

    public static EncKeyAlias ProjectAlias(StoreDocument doc, string name)
    {
        var alias = doc.Aliases.First(a => Aliases.Equal(a.AliasName, name));
        return AliasToPublic(doc, alias);
    }

    public static EncKeyAlias AliasToPublic(StoreDocument doc, AliasRecord alias) =>
        new(alias.AliasName, Arns.Alias(doc.StoreId, alias.AliasName), alias.KeyId, Arns.Key(doc.StoreId, alias.KeyId), alias.CreationDate, alias.LastUpdatedDate);

    public EncKeyPolicy ProjectPolicy(StoreDocument doc, KeyRecord key)
    {
        var parsed = Authorization.PolicyOf(doc, key);
        return new EncKeyPolicy
        {
            KeyId = key.KeyId,
            Arn = Arns.Key(doc.StoreId, key.KeyId),
            Policy = parsed.Text,
            IsDefault = key.Policy is null,
            StatementCount = parsed.Statements.Count,
            Warnings = parsed.Warnings,
            StoreLocation = store.Location,
        };
    }
}
