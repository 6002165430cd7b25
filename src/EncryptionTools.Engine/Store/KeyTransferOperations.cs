using System.Security.Cryptography;
using EncryptionTools.Engine.Access;
using static EncryptionTools.Engine.Store.Authorization;
using static EncryptionTools.Engine.Store.KeyMaintenance;
using static EncryptionTools.Engine.Store.KeyRules;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// A key that moves whole: export of every version with its settings, aliases and policy as a package, and its import
/// under the same key id. Each is one locked mutation of the store, audited before the change is visible.
/// </summary>
internal sealed class KeyTransferOperations(StoreContext store, StoreRepository repository, KeyResolver resolver, KeyRecordMapping mapping,
    Authorization authorization)
{
    public EncKeyPackage ExportKeyPackage(string keyIdentifier)
    {
        using var scope = authorization.Enter();
        EncKeyPackage? package = null;
        repository.Mutate("KeyExported", ctx =>
        {
            var key = resolver.Resolve(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, KmsActions.ExportKeyMaterial);
            RefuseUnusable(key, "exported");
            if (!key.Exportable)
                throw new KeyStoreException(StoreErrorIds.KeyNotExportable, EngineErrorCategory.SecurityError,
                    $"The key {key.KeyId} was not created exportable, so its material never leaves the store. " +
                    "Exportability is fixed when a key is created (New-EncKey -Exportable); Backup-EncKeyStore moves a whole store instead.") { Target = key.KeyId };
            package = new EncKeyPackage
            {
                KeyId = key.KeyId,
                SourceArn = Arns.Key(ctx.Doc.StoreId, key.KeyId),
                SourceStoreId = ctx.Doc.StoreId,
                KeySpec = key.KeySpec,
                Origin = key.Origin,
                Description = key.Description,
                Tags = new Dictionary<string, string>(key.Tags, StringComparer.Ordinal),
                Aliases = ctx.Doc.Aliases.Where(a => a.KeyId == key.KeyId).Select(a => a.AliasName).OrderBy(a => a, StringComparer.OrdinalIgnoreCase).ToList(),
                CreationDate = key.CreationDate,
                RotationEnabled = key.RotationEnabled,
                RotationPeriodInDays = key.RotationPeriodInDays,
                NextRotationDate = key.NextRotationDate,
                MinimumDecryptionVersion = key.MinimumDecryptionVersion,
                Exportable = key.Exportable,
                KeyNamespace = key.KeyNamespace,
                Creator = key.Creator,
                Policy = key.Policy,
                Versions = key.Versions.Select(v => new EncKeyPackageVersion(v.Version, v.KeyName, v.CreationDate, v.RotationType,
                    v.Material?.ToArray(),
                    v.PrivateKey is null ? null : PemEncoding.WriteString("PRIVATE KEY", v.PrivateKey),
                    v.PublicKey is null ? null : PemEncoding.WriteString("PUBLIC KEY", v.PublicKey))).ToList(),
            };
            Record(ctx, key, "Exported", key.CurrentVersion, $"whole key: {key.Versions.Count} version(s)");
            return key.KeyId;
        }, (_, _) => 0);
        return package!;
    }

    public EncKey ImportKeyPackage(EncKeyPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        using var scope = authorization.Enter();
        Call.Action = KmsActions.CreateKey;
        var versions = CheckPackage(package);
        try
        {
            var policy = package.Policy is null ? null : ValidatePolicy(package.Policy);
            var aliases = package.Aliases.Select(KeyAliases.CheckUserAlias).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var keyId = KeyIds.TryNormalize(package.KeyId, out var id) ? id : throw EncKeyPackage.Invalid($"'{package.KeyId}' is not a key id.");
            if (StoreCall.CurrentScope.Value is { } call) call.KeyId = keyId;
            return repository.Mutate("KeyImported", ctx =>
            {
                if (ctx.Doc.Keys.Any(k => k.KeyId == keyId) || ctx.Doc.DeletedKeys.Any(k => k.KeyId == keyId))
                    throw new KeyStoreException(StoreErrorIds.KeyExists, EngineErrorCategory.ResourceExists,
                        $"The key store '{store.Location}' already has a key {keyId} (or had one, deleted); nothing was imported. " +
                        "A key is imported once: remove the copy in this store first, or keep using it.") { Target = keyId };
                var names = versions.Select(v => v.KeyName).ToHashSet(StringComparer.Ordinal);
                foreach (var other in ctx.Doc.Keys)
                    if (other.KeyNamespace == package.KeyNamespace && other.Versions.Any(v => names.Contains(v.KeyName)))
                        throw new KeyStoreException(StoreErrorIds.KeyExists, EngineErrorCategory.ResourceExists,
                            $"The key {other.KeyId} already uses namespace '{package.KeyNamespace}' and one of the key names of {keyId}; two keys cannot share them. Nothing was imported.") { Target = keyId };
                foreach (var alias in aliases)
                {
                    var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, alias));
                    if (existing is not null)
                        throw new KeyStoreException(StoreErrorIds.AliasExists, EngineErrorCategory.ResourceExists,
                            $"The alias '{existing.AliasName}' already exists and points to key {existing.KeyId}; the key {keyId} was not imported.") { Target = alias };
                }
                var key = new KeyRecord
                {
                    KeyId = keyId,
                    Description = package.Description ?? "",
                    Tags = new Dictionary<string, string>(package.Tags, StringComparer.Ordinal),
                    KeyState = KeyState.Enabled,
                    KeySpec = package.KeySpec,
                    KeyUsage = KeyUsage.ENCRYPT_DECRYPT,
                    Origin = package.Origin,
                    KeyManager = KeyManager.Customer,
                    CreationDate = package.CreationDate,
                    RotationEnabled = package.RotationEnabled,
                    RotationPeriodInDays = package.RotationPeriodInDays,
                    NextRotationDate = package.RotationEnabled ? package.NextRotationDate : null,
                    MinimumDecryptionVersion = package.MinimumDecryptionVersion,
                    Exportable = package.Exportable,
                    KeyNamespace = package.KeyNamespace,
                    Creator = string.IsNullOrEmpty(package.Creator) ? StoreCall.CurrentScope.Value?.Principal ?? "user:" + KeyPolicies.CurrentUser() : package.Creator,
                    Policy = policy,
                    Versions = versions,
                };
                if (policy is not null) authorization.CheckLockout(ctx.Doc, key, policy, bypass: false);
                ctx.Doc.Keys.Add(key);
                Record(ctx, key, "Imported", key.CurrentVersion,
                    $"moved whole from key store {package.SourceStoreId}: {versions.Count} version(s), minimum decryption version {key.MinimumDecryptionVersion}");
                foreach (var alias in aliases)
                {
                    ctx.Doc.Aliases.Add(new AliasRecord { AliasName = alias, KeyId = keyId, CreationDate = ctx.Now, LastUpdatedDate = ctx.Now });
                    ctx.Event(keyId, null, alias, null, "AliasCreated");
                }
                return keyId;
            }, (created, doc) => mapping.ToEncKey(doc, created), createIfMissing: true);
        }
        catch
        {
            // On success the records belong to the saved (and cached) document; on failure nothing holds them.
            foreach (var v in versions) v.ZeroMaterial();
            throw;
        }
    }

    /// <summary>Checks a package from outside and turns it into version records (material copied; the caller zeroes them).</summary>
    private static List<KeyVersionRecord> CheckPackage(EncKeyPackage package)
    {
        if (package.FormatVersion != EncKeyPackage.CurrentFormatVersion)
            throw EncKeyPackage.Invalid($"The key package has format version {package.FormatVersion}; this module reads version {EncKeyPackage.CurrentFormatVersion}.");
        if (string.IsNullOrEmpty(package.KeyNamespace) || package.KeyNamespace.StartsWith("aws-kms", StringComparison.Ordinal))
            throw EncKeyPackage.Invalid("The key package's namespace is empty or starts with 'aws-kms', which belongs to AWS KMS keyrings.");
        if (package.Versions is not { Count: > 0 })
            throw EncKeyPackage.Invalid("The key package holds no version.");
        if (package.MinimumDecryptionVersion < 1 || package.MinimumDecryptionVersion > package.CurrentVersion)
            throw EncKeyPackage.Invalid($"The key package's minimum decryption version {package.MinimumDecryptionVersion} is not one of its versions.");
        if (package.RotationPeriodInDays is < LocalKeyStore.MinRotationPeriodInDays or > LocalKeyStore.MaxRotationPeriodInDays)
            throw EncKeyPackage.Invalid($"The key package's rotation period {package.RotationPeriodInDays} is outside {LocalKeyStore.MinRotationPeriodInDays} to {LocalKeyStore.MaxRotationPeriodInDays} days.");
        ValidateTags(package.Tags);
        ValidateDescription(package.Description);
        var records = new List<KeyVersionRecord>();
        try
        {
            for (var i = 0; i < package.Versions.Count; i++)
            {
                var v = package.Versions[i];
                if (v.Version != i + 1) throw EncKeyPackage.Invalid($"The key package's versions are not 1 to {package.Versions.Count} in order.");
                if (string.IsNullOrEmpty(v.KeyName)) throw EncKeyPackage.Invalid($"Version {v.Version} of the key package has no key name.");
                var record = new KeyVersionRecord { Version = v.Version, KeyName = v.KeyName, CreationDate = v.CreationDate, RotationType = v.RotationType };
                records.Add(record);
                if (package.KeySpec == KeySpec.SYMMETRIC_DEFAULT)
                {
                    if (v.KeyMaterial is not { Length: 32 }) throw EncKeyPackage.Invalid($"Version {v.Version} of the key package does not hold a 256-bit AES key.");
                    record.Material = v.KeyMaterial.ToArray();
                    continue;
                }
                if (string.IsNullOrEmpty(v.PrivateKeyPem)) throw EncKeyPackage.Invalid($"Version {v.Version} of the key package holds no RSA private key.");
                using var rsa = RSA.Create();
                try { rsa.ImportFromPem(v.PrivateKeyPem); }
                catch (Exception ex) when (ex is ArgumentException or CryptographicException)
                {
                    throw EncKeyPackage.Invalid($"Version {v.Version} of the key package does not hold a readable RSA private key.", ex);
                }
                var bits = package.KeySpec == KeySpec.RSA_3072 ? 3072 : 4096;
                if (rsa.KeySize != bits) throw EncKeyPackage.Invalid($"Version {v.Version} of the key package is a {rsa.KeySize}-bit key, not {package.KeySpec}.");
                record.PrivateKey = rsa.ExportPkcs8PrivateKey();
                record.PublicKey = rsa.ExportSubjectPublicKeyInfo();
            }
            return records;
        }
        catch
        {
            foreach (var r in records) r.ZeroMaterial();
            throw;
        }
    }
}
