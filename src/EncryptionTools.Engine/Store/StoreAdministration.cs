using System.Security.Cryptography;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The store as a whole: its information, creation, unlock and lock, a change of protection (a new root key, the
/// document re-sealed, crash-safe through the descriptor's previous-root wrap), the audit log's reads, and the sidecar key.
/// </summary>
internal sealed class StoreAdministration(StoreContext store, RootKeyProtection protection, StoreRepository repository, StoreAuditTrail audit,
    StoreDocumentCache cache, Authorization authorization)
{
    public EncKeyStoreInfo GetStoreInfo()
    {
        var descriptor = repository.ReadDescriptor();
        if (descriptor is null)
            return new EncKeyStoreInfo { Location = store.Location, LocationSource = store.LocationSource, Provider = nameof(LocalKeyStore), Exists = false,
                SchemaVersion = StoreSchema.CurrentDataVersion };
        int? keys = null, aliases = null;
        DateTimeOffset? modified = null;
        var root = protection.TryGetRootKey(descriptor);
        if (root is not null)
        {
            try
            {
                var doc = repository.LoadDocument(descriptor, root);
                keys = doc.Keys.Count;
                aliases = doc.Aliases.Count;
                modified = doc.LastModifiedDate;
            }
            finally { CryptographicOperations.ZeroMemory(root); }
        }
        var keeps = RootKeyProtection.KeepsRootKey(descriptor.Protection);
        var until = keeps ? UnlockedRootKeys.Expiry(store.Location, store.Now) : null;
        return new EncKeyStoreInfo
        {
            Location = store.Location,
            LocationSource = store.LocationSource,
            Provider = nameof(LocalKeyStore),
            Exists = true,
            StoreId = descriptor.StoreId,
            Protection = descriptor.Protection,
            IsUnlocked = !keeps || until is not null,
            UnlockedUntil = until,
            PasswordIterations = descriptor.Password?.Iterations,
            KmsKeyId = descriptor.AwsKms?.KeyId is { } kmsKeyId ? UntrustedText.Neutralize(kmsKeyId, 2048) : null,
            KmsKeyArn = descriptor.AwsKms?.KeyArn is { } kmsKeyArn ? UntrustedText.Neutralize(kmsKeyArn, 2048) : null,
            SchemaVersion = StoreSchema.CurrentDataVersion,
            KeyCount = keys,
            AliasCount = aliases,
            CreationDate = descriptor.CreationDate,
            LastModifiedDate = modified,
        };
    }

    public EncKeyStoreInfo Unlock(ReadOnlySpan<char> password, TimeSpan? timeout = null)
    {
        using var scope = authorization.Enter();
        var span = timeout ?? LocalKeyStore.DefaultUnlockTimeout;
        if (span <= TimeSpan.Zero || span > TimeSpan.FromDays(365))
            throw StoreContext.Invalid("The unlock timeout must be more than zero and at most 365 days.");
        var descriptor = repository.ReadDescriptor() ?? throw store.StoreMissing();
        if (!RootKeyProtection.KeepsRootKey(descriptor.Protection)) return GetStoreInfo(); // nothing to unlock
        if (descriptor.Protection == StoreProtection.AwsKms)
        {
            // One kms:Decrypt now, kept for the timeout asked: a runbook learns at once whether KMS lets it in.
            var kmsRoot = protection.Kms.Fetch(descriptor, span);
            try { repository.LoadDocument(descriptor, kmsRoot); }
            catch { UnlockedRootKeys.Remove(store.Location); throw; }
            finally { CryptographicOperations.ZeroMemory(kmsRoot); }
        }
        else
        {
            if (password.IsEmpty)
                throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired,
                    $"The key store '{store.Location}' is protected by a password: give it (-Password), or set {LocalKeyStore.PasswordEnvironmentVariable} for unattended runs.")
                { Target = store.Location };
            var root = protection.Password.Unwrap(descriptor, password, "StoreUnlock");
            try
            {
                repository.LoadDocument(descriptor, root); // the data must open with it; gives the audit log its key
                UnlockedRootKeys.Put(store.Location, descriptor.StoreId, root, store.Now + span);
            }
            finally { CryptographicOperations.ZeroMemory(root); }
        }
        audit.Emit(new StoreEvent { Time = store.Now, Operation = "StoreUnlocked", StoreLocation = store.Location, StoreId = descriptor.StoreId, Detail = $"until {store.Now + span:u}" });
        return GetStoreInfo();
    }

    public EncKeyStoreInfo Lock()
    {
        using var scope = authorization.Enter();
        var removed = UnlockedRootKeys.Remove(store.Location);
        if (removed) audit.Emit(new StoreEvent { Time = store.Now, Operation = "StoreLocked", StoreLocation = store.Location });
        var info = GetStoreInfo();
        // Whatever the protection: the decrypted document and the audit key leave this process's memory now.
        cache.Drop();
        audit.ForgetAuditKey();
        return info;
    }

    public EncKeyStoreInfo CreateStore(ProtectionChange change)
    {
        using var scope = authorization.Enter();
        if (repository.ReadDescriptor() is not null) throw store.StoreExists();
        try
        {
            RootKeyProtection.ModeOf(change, RootKeyProtection.DefaultProtection()); // a bad KMS key id creates no directory
            using (repository.AcquireWriteLock(create: true))
            {
                if (repository.ReadDescriptor() is not null) throw store.StoreExists();
                var mode = RootKeyProtection.ModeOf(change, RootKeyProtection.DefaultProtection());
                if (mode == StoreProtection.Password && (change.NewPassword is null || change.NewPassword.Length == 0))
                    throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired, "Password protection needs a password (-Password).");
                repository.InitializeLocked(mode, change.NewPassword, change.PasswordIterations, change.KmsKeyId);
            }
        }
        catch (EncryptionToolsException ex)
        {
            audit.EmitFailure("StoreCreated", ex);
            throw;
        }
        return GetStoreInfo();
    }

    public EncKeyStoreInfo SetProtection(ProtectionChange change)
    {
        using var scope = authorization.Enter();
        if (repository.ReadDescriptor() is null) throw store.StoreMissing();
        try
        {
            using (repository.AcquireWriteLock())
            {
                var descriptor = repository.ReadDescriptor() ?? throw store.StoreMissing();
                var target = change.Protection ?? (change.KmsKeyId is not null ? StoreProtection.AwsKms
                    : change.NewPassword is not null ? StoreProtection.Password : descriptor.Protection);
                // AwsKms on a store that has it already: the same key unless another is named.
                var kmsKeyId = change.KmsKeyId ?? (target == StoreProtection.AwsKms ? descriptor.AwsKms?.KeyId : null);
                RootKeyProtection.ModeOf(change with { Protection = target, KmsKeyId = kmsKeyId }, target);
                byte[] root;
                if (descriptor.Protection == StoreProtection.Password)
                {
                    if (change.CurrentPassword is null || change.CurrentPassword.Length == 0)
                        throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired,
                            $"The key store '{store.Location}' is protected by a password: changing or removing its protection needs the current password (-CurrentPassword).");
                    root = protection.Password.Unwrap(descriptor, change.CurrentPassword, "StoreProtectionChange");
                }
                else
                {
                    root = protection.GetRootKey(descriptor);
                }
                byte[]? newRoot = null;
                try
                {
                    if (target == descriptor.Protection && target != StoreProtection.Password && !(target == StoreProtection.AwsKms && !SameKmsKey(descriptor, kmsKeyId!)))
                        return GetStoreInfo(); // nothing to change
                    if (target == StoreProtection.Password && change.NewPassword is null && change.PasswordIterations is null)
                        throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired, "Password protection needs a new password (-Password).");
                    var newPassword = change.NewPassword ?? (target == StoreProtection.Password ? change.CurrentPassword : null);
                    // Every change takes a new root key, so a copy of the old root.key, of store.json with the old
                    // password, or of the old KMS wrap opens nothing any more. The keys and the audit key stay: the
                    // document is re-sealed.
                    var doc = repository.LoadDocument(descriptor, root, fresh: true);
                    var operation = target == descriptor.Protection && target == StoreProtection.Password ? "StorePasswordChanged" : "StoreProtectionChanged";
                    var recorded = new List<StoreEvent> { new StoreEvent { Time = store.Now, Operation = operation, StoreLocation = store.Location, StoreId = descriptor.StoreId,
                        Detail = $"{Describe(descriptor.Protection, descriptor.AwsKms?.KeyId)} -> {Describe(target, kmsKeyId)}, new root key" } };
                    newRoot = RandomNumberGenerator.GetBytes(StoreFiles.RootKeyBytes);
                    StoreDescriptor? replacement = null;
                    if (target == StoreProtection.AwsKms)
                    {
                        // KMS first: a key KMS refuses (denied, disabled, unreachable) changes nothing, not even the log.
                        var uses = new KmsRootKeyCalls();
                        replacement = protection.BuildDescriptor(descriptor.StoreId, descriptor.CreationDate, newRoot, target, null, null, kmsKeyId, uses);
                        protection.Kms.VerifyRecoverable(StoreDescriptor.Parse(replacement.Serialize(), store.Location), newRoot, uses);
                        // Each KMS call of the wrap, with its request id, to match CloudTrail.
                        recorded.AddRange(uses.Events(store, descriptor.StoreId));
                    }
                    audit.RecordAhead(doc, recorded, changed: true); // the change is in the log before it is made
                    replacement ??= protection.BuildDescriptor(descriptor.StoreId, descriptor.CreationDate, newRoot, target, newPassword,
                        change.PasswordIterations ?? descriptor.Password?.Iterations);
                    // The commit point: from here the store opens with the new root key, and the data (still sealed under
                    // the previous one) through the previous root key that this descriptor carries until the re-seal.
                    replacement.PreviousRoot = StoreFiles.WrapPreviousRoot(root, newRoot, descriptor.StoreId);
                    repository.CommitDescriptor(replacement, newRoot);
                    LocalKeyStore.CrashPoint?.Invoke("rekey-descriptor-written");
                    repository.Save(replacement, doc, newRoot);
                    LocalKeyStore.CrashPoint?.Invoke("rekey-data-written");
                    replacement.PreviousRoot = null;
                    repository.CommitDescriptor(replacement, newRoot);
                    if (target != StoreProtection.File) protection.File.Destroy(); // only now that the new descriptor is durable
                    if (RootKeyProtection.KeepsRootKey(target)) UnlockedRootKeys.Put(store.Location, descriptor.StoreId, newRoot, store.Now + LocalKeyStore.DefaultUnlockTimeout);
                    else UnlockedRootKeys.Remove(store.Location);
                    audit.SendToSink(recorded);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(root);
                    if (newRoot is not null) CryptographicOperations.ZeroMemory(newRoot);
                }
            }
        }
        catch (EncryptionToolsException ex) when (ErrorCatalog.Find(ex.ErrorId)?.Family == ErrorCatalog.KmsFamily)
        {
            audit.EmitFailure("StoreProtectionChanged", ex);
            throw;
        }
        return GetStoreInfo();
    }

    /// <summary>Whether the store's KMS wrap is already under the key ARN named. An alias is always re-wrapped: it may
    /// name another key now, and naming it again is how the store follows it.</summary>
    private static bool SameKmsKey(StoreDescriptor descriptor, string keyId) =>
        descriptor.AwsKms is { } wrap && AwsKmsArn.TryParse(keyId, out var arn) && !arn.IsAlias
        && string.Equals(wrap.KeyId, keyId, StringComparison.Ordinal) && (wrap.KeyArn is null || string.Equals(wrap.KeyArn, keyId, StringComparison.Ordinal));

    /// <summary>A protection as the audit log records it: the KMS key ARN is no secret (CloudTrail names it too).</summary>
    private static string Describe(StoreProtection mode, string? kmsKeyId) => mode == StoreProtection.AwsKms ? $"{mode} ({kmsKeyId})" : mode.ToString();

    /// <summary>
    /// Test-EncAuditLog: verifies the chain, the records' HMACs and the head. Reading the evidence is not itself recorded,
    /// so that verifying never changes the log. Store owner only: the store's file permissions decide.
    /// </summary>
    public AuditVerification VerifyAuditLog()
    {
        using var scope = authorization.Enter();
        return OpenAuditLog().Verify();
    }

    /// <summary>Get-EncAuditEvent: the records that match the filter, oldest first. Not itself recorded.</summary>
    public IReadOnlyList<AuditEvent> QueryAudit(AuditQuery? filter = null)
    {
        using var scope = authorization.Enter();
        return OpenAuditLog().Query(filter).ToList();
    }

    /// <summary>The audit log, after the store's root key gave its audit key (so a locked store cannot be verified).</summary>
    private AuditLog OpenAuditLog()
    {
        var descriptor = repository.ReadDescriptor() ?? throw store.StoreMissing();
        var root = protection.GetRootKey(descriptor);
        try { repository.LoadDocument(descriptor, root); } // the audit key is sealed in the document, with its anchor
        finally { CryptographicOperations.ZeroMemory(root); }
        return audit.Sink()?.Log ?? throw new KeyStoreException(StoreErrorIds.InvalidArgument, EngineErrorCategory.InvalidOperation,
            $"Auditing is turned off for the key store '{store.Location}'.");
    }

    /// <summary>The key authenticating rewrap journals of this store's files (see <see cref="ISidecarKeySource"/>).</summary>
    public byte[] DeriveSidecarKey()
    {
        using var scope = authorization.Enter();
        var descriptor = repository.ReadDescriptor() ?? throw store.StoreMissing(); // never creates a store
        var root = protection.GetRootKey(descriptor);
        try { return LocalKeyStore.DeriveSidecarKey(root, descriptor.StoreId); }
        finally { CryptographicOperations.ZeroMemory(root); }
    }
}
