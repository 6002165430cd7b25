using System.Security.Cryptography;
using EncryptionTools.Engine.Access;
using static EncryptionTools.Engine.Store.Authorization;
using static EncryptionTools.Engine.Store.KeyMaintenance;
using static EncryptionTools.Engine.Store.KeyRules;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// A key's life: create or import, change its settings, enable and disable, rotate, schedule and cancel its deletion,
/// export its material, and the module-managed default key. Each is one locked mutation of the store.
/// </summary>
internal sealed class KeyLifecycle(StoreContext store, StoreRepository repository, KeyResolver resolver, KeyRecordMapping mapping,
    StoreAuditTrail audit, Authorization authorization)
{
    public EncKey NewKey(NewKeyRequest request)
    {
        var spec = request.KeySpec;
        ValidateTags(request.Tags);
        ValidateDescription(request.Description);
        if (request.RotationPeriodInDays is { } period) ValidateRotationPeriod(period);
        using var scope = authorization.Enter();
        Call.Action = KmsActions.CreateKey;
        var policy = request.Policy is null ? null : ValidatePolicy(request.Policy);
        var alias = request.Alias is null ? null : KeyAliases.CheckUserAlias(request.Alias);
        // Generate outside the lock: RSA key generation can take seconds.
        var material = GenerateMaterial(spec);
        return repository.Mutate("KeyCreated", ctx =>
        {
            var key = NewRecord(ctx, spec, KeyOrigin.EncryptionTools, KeyManager.Customer, request.Description, request.Tags, request.Exportable, policy);
            if (policy is not null) authorization.CheckLockout(ctx.Doc, key, policy, request.BypassPolicyLockoutSafetyCheck);
            key.Versions.Add(material.ToVersion(1, KeyIds.VersionKeyName(key.KeyId, 1), ctx.Now, RotationType.OnDemand));
            if (request.RotationEnabled || request.RotationPeriodInDays is not null)
            {
                key.RotationPeriodInDays = request.RotationPeriodInDays ?? LocalKeyStore.DefaultRotationPeriodInDays;
                if (request.RotationEnabled) { key.RotationEnabled = true; key.NextRotationDate = ctx.Now.AddDays(key.RotationPeriodInDays); }
            }
            AddKey(ctx, key, "Created", $"{spec}", alias);
            return key.KeyId;
        }, (keyId, doc) => mapping.ToEncKey(doc, keyId), createIfMissing: true);
    }

    public EncKey ImportKey(ImportKeyRequest request)
    {
        if (request.KeyMaterial is not { Length: 32 })
            throw StoreContext.Invalid("Imported key material must be exactly 32 bytes (AES-256).");
        if (string.IsNullOrEmpty(request.KeyNamespace) || string.IsNullOrEmpty(request.KeyName))
            throw StoreContext.Invalid("An imported key needs the raw-keyring namespace (provider id) and key name it was used under.");
        if (request.KeyNamespace.StartsWith("aws-kms", StringComparison.Ordinal))
            throw StoreContext.Invalid("The key namespace cannot start with 'aws-kms'; that prefix belongs to AWS KMS keyrings.");
        ValidateTags(request.Tags);
        ValidateDescription(request.Description);
        using var scope = authorization.Enter();
        Call.Action = KmsActions.CreateKey;
        var policy = request.Policy is null ? null : ValidatePolicy(request.Policy);
        var alias = request.Alias is null ? null : KeyAliases.CheckUserAlias(request.Alias);
        var material = new GeneratedMaterial(request.KeyMaterial.ToArray(), null, null);
        return repository.Mutate("KeyImported", ctx =>
        {
            foreach (var other in ctx.Doc.Keys)
                if (other.KeyNamespace == request.KeyNamespace && other.Versions.Any(v => v.KeyName == request.KeyName))
                    throw new KeyStoreException(StoreErrorIds.InvalidArgument, EngineErrorCategory.ResourceExists,
                        $"The key {other.KeyId} already uses namespace '{request.KeyNamespace}' and key name '{request.KeyName}'; two keys cannot share them.");
            var key = NewRecord(ctx, KeySpec.SYMMETRIC_DEFAULT, KeyOrigin.External, KeyManager.Customer, request.Description, request.Tags, request.Exportable, policy);
            if (policy is not null) authorization.CheckLockout(ctx.Doc, key, policy, bypass: false);
            key.KeyNamespace = request.KeyNamespace;
            key.Versions.Add(material.ToVersion(1, request.KeyName, ctx.Now, RotationType.OnDemand));
            AddKey(ctx, key, "Imported", $"namespace '{request.KeyNamespace}', key name '{request.KeyName}'", alias);
            return key.KeyId;
        }, (keyId, doc) => mapping.ToEncKey(doc, keyId), createIfMissing: true);
    }

    public EncKey UpdateKey(string keyIdentifier, KeyUpdate update)
    {
        if (update.RotationPeriodInDays is { } period) ValidateRotationPeriod(period);
        ValidateTags(update.Tags);
        ValidateDescription(update.Description);
        using var scope = authorization.Enter();
        var requestedPolicy = update.Policy;
        return repository.Mutate("KeyUpdated", ctx =>
        {
            var key = resolver.Resolve(ctx.Doc, keyIdentifier);
            DemandUpdate(ctx.Doc, key, update);
            string? policy = null;
            if (requestedPolicy is not null && key.KeyManager != KeyManager.Module)
            {
                policy = ValidatePolicy(requestedPolicy);
                authorization.CheckLockout(ctx.Doc, key, policy, bypass: false);
            }
            RefusePending(key, "changed");
            var changesSettings = update.Description is not null || update.Tags is not null || update.RemoveTags is not null
                || update.RotationEnabled is not null || update.RotationPeriodInDays is not null || requestedPolicy is not null;
            if (key.KeyManager == KeyManager.Module && changesSettings)
                throw ManagedByModule(key, "Its description, tags, policy and rotation settings are set by the module; only -MinimumDecryptionVersion can be changed");
            if (update.RotationEnabled is true && key.Origin == KeyOrigin.External)
            {
                throw new KeyStateException(StoreErrorIds.KeyInvalidState, key.KeyId, key.KeyState,
                        $"The key {key.KeyId} was imported (Origin External): it cannot rotate automatically. Import new material as a new key and re-point its alias.");
            }
            if (update.MinimumDecryptionVersion is { } requested && (requested < 1 || requested > key.CurrentVersion))
                throw StoreContext.Invalid($"The minimum decryption version of key {key.KeyId} must be from 1 to its current version {key.CurrentVersion}.");
            var changes = new List<string>();
            if (update.Description is not null) { key.Description = update.Description; changes.Add("description"); }
            if (update.Tags is not null) { foreach (var (k, v) in update.Tags) key.Tags[k] = v; changes.Add("tags"); }
            if (update.RemoveTags is not null) { foreach (var k in update.RemoveTags) key.Tags.Remove(k); changes.Add("tags removed"); }
            if (policy is not null) { key.Policy = policy; changes.Add("policy"); }
            if (update.RotationPeriodInDays is { } days) { key.RotationPeriodInDays = days; changes.Add($"rotation period {days} days"); }
            if (update.RotationEnabled is { } enabled)
            {
                key.RotationEnabled = enabled;
                changes.Add(enabled ? "rotation enabled" : "rotation disabled");
            }
            if (update.RotationEnabled is not null || update.RotationPeriodInDays is not null)
                key.NextRotationDate = key.RotationEnabled ? ctx.Now.AddDays(key.RotationPeriodInDays) : null;
            if (update.MinimumDecryptionVersion is { } min)
            {
                key.MinimumDecryptionVersion = min;
                changes.Add($"minimum decryption version {min}");
            }
            Record(ctx, key, "Updated", null, string.Join(", ", changes));
            return key.KeyId;
        }, (keyId, doc) => mapping.ToEncKey(doc, keyId));
    }

    public EncKey EnableKey(string keyIdentifier)
    {
        using var scope = authorization.Enter();
        return EnableKeyCore(keyIdentifier);
    }

    private EncKey EnableKeyCore(string keyIdentifier) => repository.Mutate("KeyEnabled", ctx =>
    {
        var key = resolver.Resolve(ctx.Doc, keyIdentifier);
        Demand(ctx.Doc, key, KmsActions.EnableKey);
        if (key.KeyState == KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyPendingDeletion, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}) and cannot be enabled. Run Restore-EncKey -KeyId {key.KeyId} first, then Enable-EncKey.");
        if (key.KeyState == KeyState.Enabled) { ctx.Unchanged(key); return key.KeyId; }
        key.KeyState = KeyState.Enabled;
        Record(ctx, key, "Enabled", null, null);
        return key.KeyId;
    }, (keyId, doc) => mapping.ToEncKey(doc, keyId));

    public EncKey DisableKey(string keyIdentifier)
    {
        using var scope = authorization.Enter();
        return DisableKeyCore(keyIdentifier);
    }

    private EncKey DisableKeyCore(string keyIdentifier) => repository.Mutate("KeyDisabled", ctx =>
    {
        var key = resolver.Resolve(ctx.Doc, keyIdentifier);
        Demand(ctx.Doc, key, KmsActions.DisableKey);
        if (key.KeyManager == KeyManager.Module) throw ManagedByModule(key, "It cannot be disabled");
        if (key.KeyState == KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyPendingDeletion, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}); it is already unusable. Restore-EncKey -KeyId {key.KeyId} cancels the deletion and leaves it Disabled.");
        if (key.KeyState == KeyState.Disabled) { ctx.Unchanged(key); return key.KeyId; }
        key.KeyState = KeyState.Disabled;
        Record(ctx, key, "Disabled", null, null);
        return key.KeyId;
    }, (keyId, doc) => mapping.ToEncKey(doc, keyId));

    public EncKey ScheduleKeyDeletion(string keyIdentifier, int pendingWindowInDays = LocalKeyStore.DefaultPendingWindowInDays)
    {
        if (pendingWindowInDays is < LocalKeyStore.MinPendingWindowInDays or > LocalKeyStore.MaxPendingWindowInDays)
            throw StoreContext.Invalid($"The pending window must be from {LocalKeyStore.MinPendingWindowInDays} to {LocalKeyStore.MaxPendingWindowInDays} days; {pendingWindowInDays} was given.");
        using var scope = authorization.Enter();
        return repository.Mutate("KeyDeletionScheduled", ctx =>
        {
            var key = resolver.Resolve(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, KmsActions.ScheduleKeyDeletion);
            if (key.KeyManager == KeyManager.Module) throw ManagedByModule(key, "It cannot be deleted");
            if (key.KeyState == KeyState.PendingDeletion)
                throw new KeyStateException(StoreErrorIds.KeyInvalidState, key.KeyId, key.KeyState,
                    $"The key {key.KeyId} is already PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}).");
            key.KeyState = KeyState.PendingDeletion;
            key.DeletionDate = ctx.Now.AddDays(pendingWindowInDays);
            key.PendingDeletionWindowInDays = pendingWindowInDays;
            Record(ctx, key, "DeletionScheduled", null, $"deletion on {key.DeletionDate:u} ({pendingWindowInDays} days)");
            return key.KeyId;
        }, (keyId, doc) => mapping.ToEncKey(doc, keyId));
    }

    public EncKey CancelKeyDeletion(string keyIdentifier)
    {
        using var scope = authorization.Enter();
        return CancelKeyDeletionCore(keyIdentifier);
    }

    private EncKey CancelKeyDeletionCore(string keyIdentifier) => repository.Mutate("KeyDeletionCancelled", ctx =>
    {
        var key = resolver.Resolve(ctx.Doc, keyIdentifier);
        Demand(ctx.Doc, key, KmsActions.CancelKeyDeletion);
        if (key.KeyState != KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyInvalidState, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is {key.KeyState}, not PendingDeletion: there is no deletion to cancel.");
        key.KeyState = KeyState.Disabled; // as KMS CancelKeyDeletion: the key comes back Disabled
        key.DeletionDate = null;
        key.PendingDeletionWindowInDays = null;
        Record(ctx, key, "DeletionCancelled", null, "the key is Disabled; Enable-EncKey makes it usable");
        return key.KeyId;
    }, (keyId, doc) => mapping.ToEncKey(doc, keyId));

    public EncKey RotateKey(string keyIdentifier)
    {
        // RSA pairs are generated outside the lock; the spec is read first (a change of spec is impossible).
        using var scope = authorization.Enter();
        var (_, current) = repository.LoadForUse();
        if (current is null) throw store.NotFound(keyIdentifier, null);
        var spec = resolver.Resolve(current, keyIdentifier).KeySpec;
        var material = GenerateMaterial(spec);
        return repository.Mutate("KeyRotated", ctx =>
        {
            var key = resolver.Resolve(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, KmsActions.RotateKeyOnDemand);
            RefuseUnusable(key, "rotated");
            if (key.Origin == KeyOrigin.External)
                throw new KeyStateException(StoreErrorIds.KeyInvalidState, key.KeyId, key.KeyState,
                    $"The key {key.KeyId} was imported (Origin External): its material comes from outside and cannot be rotated here. Import new material as a new key and re-point its alias.");
            Rotate(ctx, key, RotationType.OnDemand, material);
            return key.KeyId;
        }, (keyId, doc) => mapping.ToEncKey(doc, keyId));
    }

    public EncKeyExport ExportKey(string keyIdentifier, int? version = null, bool publicKeyOnly = false)
    {
        using var scope = authorization.Enter();
        EncKeyExport? export = null;
        repository.Mutate(publicKeyOnly ? "PublicKeyExported" : "KeyExported", ctx =>
        {
            var key = resolver.Resolve(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, publicKeyOnly ? KmsActions.GetPublicKey : KmsActions.ExportKeyMaterial);
            RefuseUnusable(key, "exported");
            var v = version ?? key.CurrentVersion;
            var record = key.Versions.FirstOrDefault(x => x.Version == v)
                ?? throw new KeyStoreException(StoreErrorIds.KeyVersionNotFound, EngineErrorCategory.ObjectNotFound,
                    $"The key {key.KeyId} has no version {v}; its versions are 1 to {key.CurrentVersion}.") { Target = key.KeyId };
            if (publicKeyOnly && key.KeySpec == KeySpec.SYMMETRIC_DEFAULT)
                throw StoreContext.Invalid($"The key {key.KeyId} is symmetric (SYMMETRIC_DEFAULT): it has no public key.");
            if (!publicKeyOnly && !key.Exportable)
                throw new KeyStoreException(StoreErrorIds.KeyNotExportable, EngineErrorCategory.SecurityError,
                    $"The key {key.KeyId} was not created exportable, so its material never leaves the store." +
                    (key.KeySpec == KeySpec.SYMMETRIC_DEFAULT ? "" : " Its public key can be exported with -PublicKeyOnly.") +
                    " Exportability is fixed when a key is created (New-EncKey -Exportable).") { Target = key.KeyId };
            string? publicPem = null, privatePem = null;
            if (key.KeySpec != KeySpec.SYMMETRIC_DEFAULT)
            {
                publicPem = PemEncoding.WriteString("PUBLIC KEY", record.PublicKey!);
                if (!publicKeyOnly) privatePem = PemEncoding.WriteString("PRIVATE KEY", record.PrivateKey!);
            }
            export = new EncKeyExport
            {
                KeyId = key.KeyId,
                Arn = Arns.Key(ctx.Doc.StoreId, key.KeyId),
                Version = v,
                KeySpec = key.KeySpec,
                KeyNamespace = key.KeyNamespace,
                KeyName = record.KeyName,
                KeyMaterial = publicKeyOnly || key.KeySpec != KeySpec.SYMMETRIC_DEFAULT ? null : record.Material!.ToArray(),
                PublicKeyPem = publicPem,
                PrivateKeyPem = privatePem,
                RsaPadding = key.KeySpec == KeySpec.SYMMETRIC_DEFAULT ? null : "OAEP-SHA256 (MGF1-SHA256)",
            };
            Record(ctx, key, publicKeyOnly ? "PublicKeyExported" : "Exported", v, $"key name '{record.KeyName}'");
            return key.KeyId;
        }, (_, _) => 0);
        return export!;
    }

    public EncKey GetOrCreateDefaultKey()
    {
        using var scope = authorization.Enter();
        var key = GetOrCreateDefaultKeyCore();
        return audit.Read("KeyDescribed", () =>
        {
            var (_, doc) = repository.LoadForUse();
            var record = doc!.Keys.First(k => k.KeyId == key.KeyId);
            Demand(doc, record, KmsActions.DescribeKey);
            return key;
        });
    }

    /// <summary>The module-managed default key, created on first use (in the per-user default store only); demands nothing:
    /// its callers check the use they make of it.</summary>
    public EncKey GetOrCreateDefaultKeyCore()
    {
        var (_, doc) = repository.LoadForUse();
        var alias = doc?.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, Aliases.DefaultKeyAlias));
        if (doc is not null && alias is not null) return mapping.Project(doc, doc.Keys.First(k => k.KeyId == alias.KeyId));
        // Only the per-user default store comes into being by use; a named location (-StorePath, --store,
        // ENCRYPTIONTOOLS_STORE) must already hold a store, so a typo never encrypts under a fresh key.
        var implicitStore = doc is null && store.LocationSource == StoreLocation.FromDefault;
        if (doc is null && !implicitStore) throw store.StoreMissing();
        var material = GenerateMaterial(KeySpec.SYMMETRIC_DEFAULT);
        var created = repository.Mutate("KeyCreated", ctx =>
        {
            var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, Aliases.DefaultKeyAlias));
            if (existing is not null) { ctx.Unchanged(null); return existing.KeyId; }
            var key = NewRecord(ctx, KeySpec.SYMMETRIC_DEFAULT, KeyOrigin.EncryptionTools, KeyManager.Module,
                "Default key of the EncryptionTools module: used when no key is given. Rotated every 365 days.", null, false, null);
            key.Versions.Add(material.ToVersion(1, KeyIds.VersionKeyName(key.KeyId, 1), ctx.Now, RotationType.OnDemand));
            key.RotationEnabled = true;
            key.RotationPeriodInDays = LocalKeyStore.DefaultRotationPeriodInDays;
            key.NextRotationDate = ctx.Now.AddDays(LocalKeyStore.DefaultRotationPeriodInDays);
            AddKey(ctx, key, "Created", "module-managed default key", Aliases.DefaultKeyAlias);
            return key.KeyId;
        }, (keyId, doc) => mapping.ToEncKey(doc, keyId), createIfMissing: implicitStore);
        if (implicitStore) store.WarnImplicitStore();
        return created;
    }
}
