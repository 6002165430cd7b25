using System.Security.Cryptography;
using System.Text.Json;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Store;

/// <summary>Settings of a <see cref="LocalKeyStore"/>; the defaults are what the cmdlets use.</summary>
public sealed record LocalKeyStoreOptions
{
    /// <summary>The clock of rotations, deletion windows and unlock timeouts; tests inject their own.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
    public IStoreEventSink? EventSink { get; init; }
    /// <summary>How long a writer waits for another writer before <see cref="StoreErrorIds.StoreBusy"/>.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The protection of a store created on first use: DPAPI on Windows, File elsewhere.</summary>
    public StoreProtection? NewStoreProtection { get; init; }
    /// <summary>Reads environment variables (ENCRYPTIONTOOLS_STORE_PASSWORD); injectable for tests.</summary>
    public Func<string, string?>? GetEnvironment { get; init; }
    public string LocationSource { get; init; } = StoreLocation.FromParameter;
    /// <summary>Tests only: a lower PBKDF2 floor so the password logic can be tested without 2 s per derivation.
    /// Products always use 600,000 (<see cref="StoreFiles.MinimumPasswordIterations"/>).</summary>
    internal int PasswordIterationFloor { get; init; } = StoreFiles.MinimumPasswordIterations;
    /// <summary>Tests only: who the caller is (the seam to act as a second principal). Products always resolve the
    /// process's own identity with <see cref="SystemPrincipalResolver"/>; no public switch or environment variable changes it.</summary>
    internal IPrincipalResolver? PrincipalResolver { get; init; }
    /// <summary>Write every operation to the audit log in &lt;store&gt;/audit (on by default).</summary>
    public bool Audit { get; init; } = true;
    public AuditLogOptions? AuditLogOptions { get; init; }
    /// <summary>How long the decrypted document (key material included) stays cached after its last use; then it is
    /// dropped and wiped, and the next use decrypts the data file again (milliseconds).</summary>
    public TimeSpan DocumentCacheLifetime { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The embedded key store: one directory holding a plaintext descriptor (store.json), the root key file (File mode only)
/// and one AES-256-GCM sealed data file (keys.dat) with every key, version, alias, policy, grant and history record.
/// Writers serialize through a file lock and replace files by temp-file + fsync + rename, so several processes can
/// write at once with no lost update, and a crash at any point leaves the old or the new state. Reads take no lock and
/// are cached by the data file's identity (its per-write random salt and nonce).
/// </summary>
public sealed partial class LocalKeyStore : IKeyStoreProvider, IDisposable
{
    public const string DefaultKeyNamespace = "enctools";
    public const int DefaultRotationPeriodInDays = 365;
    public const int MinRotationPeriodInDays = 90;
    public const int MaxRotationPeriodInDays = 2560;
    public const int DefaultPendingWindowInDays = 30;
    public const int MinPendingWindowInDays = 7;
    public const int MaxPendingWindowInDays = 30;
    public const string PasswordEnvironmentVariable = "ENCRYPTIONTOOLS_STORE_PASSWORD";
    public static readonly TimeSpan DefaultUnlockTimeout = TimeSpan.FromMinutes(15);
    /// <summary>Above this a password unlock would take many seconds per attempt: refused, so no setting can lock the owner out.</summary>
    public const int MaxPasswordIterations = 10_000_000;

    /// <summary>Test hook of the crash tests: called at each stage of a write (never set in production).</summary>
    internal static Action<string>? CrashPoint;

    private readonly LocalKeyStoreOptions _options;
    private readonly object _sync = new();
    private byte[]? _cachedHeader;
    private StoreDocument? _cachedDocument;
    private Timer? _cacheTimer;
    private int _decryptions;

    /// <summary>How many times this provider decrypted the data file (tests of the read cache).</summary>
    internal int DataDecryptions => Volatile.Read(ref _decryptions);

    public LocalKeyStore(string location, LocalKeyStoreOptions? options = null)
    {
        Location = StoreLocation.Normalize(location);
        _options = options ?? new LocalKeyStoreOptions();
    }

    public string Location { get; }
    private TimeProvider Time => _options.TimeProvider;
    /// <summary>How the current command named this store (its provider view says), else how the store was opened.</summary>
    private string LocationSource => StoreCall.LocationSourceScope.Value ?? _options.LocationSource;
    private DateTimeOffset Now => Time.GetUtcNow();
    private string DescriptorPath => Path.Combine(Location, StoreFiles.DescriptorFile);
    private string DataPath => Path.Combine(Location, StoreFiles.DataFile);
    private string RootKeyPath => Path.Combine(Location, StoreFiles.RootKeyFile);
    private string InitMarkerPath => Path.Combine(Location, StoreFiles.InitMarkerFile);

    // ------------------------------------------------------------------ store information and protection

    public EncKeyStoreInfo GetStoreInfo()
    {
        var descriptor = ReadDescriptor();
        if (descriptor is null)
            return new EncKeyStoreInfo { Location = Location, LocationSource = LocationSource, Provider = nameof(LocalKeyStore), Exists = false,
                SchemaVersion = StoreSchema.CurrentDataVersion };
        int? keys = null, aliases = null;
        DateTimeOffset? modified = null;
        var root = TryGetRootKey(descriptor);
        if (root is not null)
        {
            try
            {
                var doc = LoadDocument(descriptor, root);
                keys = doc.Keys.Count;
                aliases = doc.Aliases.Count;
                modified = doc.LastModifiedDate;
            }
            finally { CryptographicOperations.ZeroMemory(root); }
        }
        var isPassword = descriptor.Protection == StoreProtection.Password;
        var until = isPassword ? UnlockedRootKeys.Expiry(Location, Now) : null;
        return new EncKeyStoreInfo
        {
            Location = Location,
            LocationSource = LocationSource,
            Provider = nameof(LocalKeyStore),
            Exists = true,
            StoreId = descriptor.StoreId,
            Protection = descriptor.Protection,
            IsUnlocked = !isPassword || until is not null,
            UnlockedUntil = until,
            PasswordIterations = descriptor.Password?.Iterations,
            SchemaVersion = StoreSchema.CurrentDataVersion,
            KeyCount = keys,
            AliasCount = aliases,
            CreationDate = descriptor.CreationDate,
            LastModifiedDate = modified,
        };
    }

    public EncKeyStoreInfo Unlock(ReadOnlySpan<char> password, TimeSpan? timeout = null)
    {
        using var scope = Enter();
        var span = timeout ?? DefaultUnlockTimeout;
        if (span <= TimeSpan.Zero || span > TimeSpan.FromDays(365))
            throw Invalid("The unlock timeout must be more than zero and at most 365 days.");
        var descriptor = ReadDescriptor() ?? throw StoreMissing();
        if (descriptor.Protection != StoreProtection.Password) return GetStoreInfo(); // nothing to unlock
        var root = UnwrapWithPassword(descriptor, password, "StoreUnlock");
        try
        {
            LoadDocument(descriptor, root); // the data must open with it; gives the audit log its key
            UnlockedRootKeys.Put(Location, descriptor.StoreId, root, Now + span);
        }
        finally { CryptographicOperations.ZeroMemory(root); }
        Emit(new StoreEvent { Time = Now, Operation = "StoreUnlocked", StoreLocation = Location, StoreId = descriptor.StoreId, Detail = $"until {Now + span:u}" });
        return GetStoreInfo();
    }

    public EncKeyStoreInfo Lock()
    {
        using var scope = Enter();
        var removed = UnlockedRootKeys.Remove(Location);
        if (removed) Emit(new StoreEvent { Time = Now, Operation = "StoreLocked", StoreLocation = Location });
        var info = GetStoreInfo();
        // Whatever the protection: the decrypted document and the audit key leave this process's memory now.
        DropCache();
        ForgetAuditKey();
        return info;
    }

    public EncKeyStoreInfo CreateStore(ProtectionChange protection)
    {
        using var scope = Enter();
        if (ReadDescriptor() is not null) throw StoreExists();
        try
        {
            using (AcquireWriteLock(create: true))
            {
                if (ReadDescriptor() is not null) throw StoreExists();
                var mode = protection.Protection ?? (protection.NewPassword is not null ? StoreProtection.Password : DefaultProtection());
                if (mode == StoreProtection.Password && (protection.NewPassword is null || protection.NewPassword.Length == 0))
                    throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired, "Password protection needs a password (-Password).");
                InitializeLocked(mode, protection.NewPassword, protection.PasswordIterations);
            }
        }
        catch (EncryptionToolsException ex)
        {
            EmitFailure("StoreCreated", ex);
            throw;
        }
        return GetStoreInfo();
    }

    private KeyStoreException StoreExists() =>
        new(StoreErrorIds.StoreExists, EngineErrorCategory.ResourceExists,
            $"A key store already exists at '{Location}'; nothing was changed. Set-EncKeyStore changes its protection.") { Target = Location };

    public EncKeyStoreInfo SetProtection(ProtectionChange change)
    {
        using var scope = Enter();
        if (ReadDescriptor() is null) throw StoreMissing();
        using (AcquireWriteLock())
        {
            var descriptor = ReadDescriptor() ?? throw StoreMissing();
            var target = change.Protection ?? (change.NewPassword is not null ? StoreProtection.Password : descriptor.Protection);
            byte[] root;
            if (descriptor.Protection == StoreProtection.Password)
            {
                if (change.CurrentPassword is null || change.CurrentPassword.Length == 0)
                    throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired,
                        $"The key store '{Location}' is protected by a password: changing or removing its protection needs the current password (-CurrentPassword).");
                root = UnwrapWithPassword(descriptor, change.CurrentPassword, "StoreProtectionChange");
            }
            else
            {
                root = GetRootKey(descriptor);
            }
            byte[]? newRoot = null;
            try
            {
                if (target == descriptor.Protection && target != StoreProtection.Password)
                    return GetStoreInfo(); // nothing to change
                if (target == StoreProtection.Password && change.NewPassword is null && change.PasswordIterations is null)
                    throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired, "Password protection needs a new password (-Password).");
                var newPassword = change.NewPassword ?? (target == StoreProtection.Password ? change.CurrentPassword : null);
                // Every change takes a new root key, so a copy of the old root.key, or of store.json with the old
                // password, opens nothing any more. The keys and the audit key stay: the document is re-sealed.
                var doc = LoadDocument(descriptor, root, fresh: true);
                var operation = target == descriptor.Protection ? "StorePasswordChanged" : "StoreProtectionChanged";
                StoreEvent[] recorded = [new StoreEvent { Time = Now, Operation = operation, StoreLocation = Location, StoreId = descriptor.StoreId,
                    Detail = $"{descriptor.Protection} -> {target}, new root key" }];
                RecordAhead(doc, recorded, changed: true); // the change is in the log before it is made
                newRoot = RandomNumberGenerator.GetBytes(StoreFiles.RootKeyBytes);
                var replacement = BuildDescriptor(descriptor.StoreId, descriptor.CreationDate, newRoot, target, newPassword,
                    change.PasswordIterations ?? descriptor.Password?.Iterations);
                // The commit point: from here the store opens with the new root key, and the data (still sealed under
                // the previous one) through the previous root key that this descriptor carries until the re-seal.
                replacement.PreviousRoot = StoreFiles.WrapPreviousRoot(root, newRoot, descriptor.StoreId);
                CommitDescriptor(replacement, newRoot);
                CrashPoint?.Invoke("rekey-descriptor-written");
                Save(replacement, doc, newRoot);
                CrashPoint?.Invoke("rekey-data-written");
                replacement.PreviousRoot = null;
                CommitDescriptor(replacement, newRoot);
                if (target != StoreProtection.File) DestroyRootKeyFile();
                if (target == StoreProtection.Password) UnlockedRootKeys.Put(Location, descriptor.StoreId, newRoot, Now + DefaultUnlockTimeout);
                else UnlockedRootKeys.Remove(Location);
                SendToSink(recorded);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(root);
                if (newRoot is not null) CryptographicOperations.ZeroMemory(newRoot);
            }
        }
        return GetStoreInfo();
    }

    private static StoreProtection DefaultProtection() => OperatingSystem.IsWindows() ? StoreProtection.Dpapi : StoreProtection.File;

    /// <summary>Builds the descriptor for a root key under a protection mode; writes root.key first in File mode.</summary>
    private StoreDescriptor BuildDescriptor(string storeId, DateTimeOffset created, byte[] root, StoreProtection mode, char[]? password, int? iterations)
    {
        var descriptor = new StoreDescriptor { StoreId = storeId, CreationDate = created, Protection = mode, RootKeyCheck = StoreFiles.RootKeyCheck(root) };
        switch (mode)
        {
            case StoreProtection.File:
                WriteFileAtomically(RootKeyPath, root);
                break;
            case StoreProtection.Dpapi:
                descriptor.Dpapi = new StoreDescriptor.DpapiWrap { Blob = DpapiRootKey.Protect(root, storeId) };
                break;
            case StoreProtection.Password:
                if (password is null || password.Length == 0 || password.All(char.IsWhiteSpace))
                    throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired, "The store password cannot be empty or only white space.");
                var count = iterations ?? _options.PasswordIterationFloor;
                if (count < _options.PasswordIterationFloor || count > MaxPasswordIterations)
                    throw Invalid($"The password iteration count must be from {_options.PasswordIterationFloor:N0} to {MaxPasswordIterations:N0}.");
                var salt = RandomNumberGenerator.GetBytes(32);
                var kek = StoreFiles.DeriveKek(password, salt, count);
                try
                {
                    descriptor.Password = StoreFiles.WrapWithKek(root, kek, salt, count, storeId);
                    // Verify before commit: the serialized descriptor must give the root key back with this KEK.
                    var parsed = StoreDescriptor.Parse(descriptor.Serialize(), Location);
                    if (parsed.Password is null || parsed.Password.Iterations != count || !parsed.Password.Salt.AsSpan().SequenceEqual(salt))
                        throw new InvalidOperationException("The password wrap did not survive serialization.");
                    var check = StoreFiles.UnwrapWithKek(parsed.Password, kek, storeId) ?? throw new InvalidOperationException("The password wrap does not verify.");
                    var same = CryptographicOperations.FixedTimeEquals(check, root);
                    CryptographicOperations.ZeroMemory(check);
                    if (!same) throw new InvalidOperationException("The password wrap gave another key.");
                }
                finally { CryptographicOperations.ZeroMemory(kek); }
                break;
        }
        return descriptor;
    }

    /// <summary>Never persists a descriptor whose root key cannot be recovered: it is checked from its serialized form first.</summary>
    private void CommitDescriptor(StoreDescriptor descriptor, byte[] root)
    {
        var bytes = descriptor.Serialize();
        var parsed = StoreDescriptor.Parse(bytes, Location);
        if (!StoreFiles.RootKeyMatches(parsed, root)) throw new InvalidOperationException("The descriptor's root key check does not match.");
        if (parsed.Protection == StoreProtection.File)
        {
            var onDisk = File.ReadAllBytes(RootKeyPath);
            var same = CryptographicOperations.FixedTimeEquals(onDisk, root);
            CryptographicOperations.ZeroMemory(onDisk);
            if (!same) throw new InvalidOperationException("The root key file does not hold the root key.");
        }
        else if (parsed.Protection == StoreProtection.Dpapi)
        {
            var back = DpapiRootKey.Unprotect(parsed.Dpapi!.Blob, parsed.StoreId, Location);
            var same = CryptographicOperations.FixedTimeEquals(back, root);
            CryptographicOperations.ZeroMemory(back);
            if (!same) throw new InvalidOperationException("DPAPI did not give the root key back.");
        }
        CrashPoint?.Invoke("descriptor-before-write");
        WriteFileAtomically(DescriptorPath, bytes);
        CrashPoint?.Invoke("descriptor-after-write");
    }

    private void DestroyRootKeyFile()
    {
        if (!File.Exists(RootKeyPath)) return;
        try
        {
            using (var stream = new FileStream(RootKeyPath, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                stream.Write(new byte[Math.Max(StoreFiles.RootKeyBytes, (int)stream.Length)]);
                stream.Flush(flushToDisk: true);
            }
            File.Delete(RootKeyPath);
            AtomicFile.FsyncDirectory(Location);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    // ------------------------------------------------------------------ keys

    public EncKey NewKey(NewKeyRequest request)
    {
        var spec = request.KeySpec;
        ValidateTags(request.Tags);
        ValidateDescription(request.Description);
        if (request.RotationPeriodInDays is { } period) ValidateRotationPeriod(period);
        using var scope = Enter();
        Call.Action = KmsActions.CreateKey;
        var policy = request.Policy is null ? null : ValidatePolicy(request.Policy);
        var alias = request.Alias is null ? null : CheckUserAlias(request.Alias);
        // Generate outside the lock: RSA key generation can take seconds.
        var material = GenerateMaterial(spec);
        return Mutate("KeyCreated", ctx =>
        {
            var key = NewRecord(ctx, spec, KeyOrigin.EncryptionTools, KeyManager.Customer, request.Description, request.Tags, request.Exportable, policy);
            if (policy is not null) CheckLockout(ctx.Doc, key, policy, request.BypassPolicyLockoutSafetyCheck);
            key.Versions.Add(material.ToVersion(1, KeyIds.VersionKeyName(key.KeyId, 1), ctx.Now, RotationType.OnDemand));
            if (request.RotationEnabled || request.RotationPeriodInDays is not null)
            {
                key.RotationPeriodInDays = request.RotationPeriodInDays ?? DefaultRotationPeriodInDays;
                if (request.RotationEnabled) { key.RotationEnabled = true; key.NextRotationDate = ctx.Now.AddDays(key.RotationPeriodInDays); }
            }
            AddKey(ctx, key, "Created", $"{spec}", alias);
            return key.KeyId;
        }, (keyId, doc) => ToEncKey(doc, keyId), createIfMissing: true);
    }

    public EncKey ImportKey(ImportKeyRequest request)
    {
        if (request.KeyMaterial is not { Length: 32 })
            throw Invalid("Imported key material must be exactly 32 bytes (AES-256).");
        if (string.IsNullOrEmpty(request.KeyNamespace) || string.IsNullOrEmpty(request.KeyName))
            throw Invalid("An imported key needs the raw-keyring namespace (provider id) and key name it was used under.");
        if (request.KeyNamespace.StartsWith("aws-kms", StringComparison.Ordinal))
            throw Invalid("The key namespace cannot start with 'aws-kms'; that prefix belongs to AWS KMS keyrings.");
        ValidateTags(request.Tags);
        ValidateDescription(request.Description);
        using var scope = Enter();
        Call.Action = KmsActions.CreateKey;
        var policy = request.Policy is null ? null : ValidatePolicy(request.Policy);
        var alias = request.Alias is null ? null : CheckUserAlias(request.Alias);
        var material = new GeneratedMaterial(request.KeyMaterial.ToArray(), null, null);
        return Mutate("KeyImported", ctx =>
        {
            foreach (var other in ctx.Doc.Keys)
                if (other.KeyNamespace == request.KeyNamespace && other.Versions.Any(v => v.KeyName == request.KeyName))
                    throw new KeyStoreException(StoreErrorIds.InvalidArgument, EngineErrorCategory.ResourceExists,
                        $"The key {other.KeyId} already uses namespace '{request.KeyNamespace}' and key name '{request.KeyName}'; two keys cannot share them.");
            var key = NewRecord(ctx, KeySpec.SYMMETRIC_DEFAULT, KeyOrigin.External, KeyManager.Customer, request.Description, request.Tags, request.Exportable, policy);
            if (policy is not null) CheckLockout(ctx.Doc, key, policy, bypass: false);
            key.KeyNamespace = request.KeyNamespace;
            key.Versions.Add(material.ToVersion(1, request.KeyName, ctx.Now, RotationType.OnDemand));
            AddKey(ctx, key, "Imported", $"namespace '{request.KeyNamespace}', key name '{request.KeyName}'", alias);
            return key.KeyId;
        }, (keyId, doc) => ToEncKey(doc, keyId), createIfMissing: true);
    }

    public EncKey GetKey(string keyIdentifier)
    {
        using var scope = Enter();
        return Read("KeyDescribed", () =>
        {
            var (_, doc) = LoadForUse();
            if (doc is null) throw NotFound(keyIdentifier, null);
            var key = ResolveKey(doc, keyIdentifier);
            Demand(doc, key, KmsActions.DescribeKey);
            EmitRead(doc, "KeyDescribed", key.KeyId, null);
            return Project(doc, key);
        });
    }

    /// <summary>Every key the caller may describe (kms:DescribeKey); the others are left out, as if absent.</summary>
    public IReadOnlyList<EncKey> GetKeys()
    {
        using var scope = Enter();
        return Read("KeysListed", () =>
        {
            var (_, doc) = LoadForUse();
            if (doc is null) return (IReadOnlyList<EncKey>)[];
            var visible = doc.Keys.Where(k => Evaluate(doc, k, Call.Caller, KmsActions.DescribeKey).IsAllowed).ToList();
            Call.Action = KmsActions.DescribeKey;
            EmitRead(doc, "KeysListed", null, $"{visible.Count} of {doc.Keys.Count} key(s) visible to the caller");
            return visible.Select(k => Project(doc, k)).ToList();
        });
    }

    public EncKey UpdateKey(string keyIdentifier, KeyUpdate update)
    {
        if (update.RotationPeriodInDays is { } period) ValidateRotationPeriod(period);
        ValidateTags(update.Tags);
        ValidateDescription(update.Description);
        using var scope = Enter();
        var requestedPolicy = update.Policy;
        return Mutate("KeyUpdated", ctx =>
        {
            var key = ResolveKey(ctx.Doc, keyIdentifier);
            DemandUpdate(ctx.Doc, key, update);
            string? policy = null;
            if (requestedPolicy is not null && key.KeyManager != KeyManager.Module)
            {
                policy = ValidatePolicy(requestedPolicy);
                CheckLockout(ctx.Doc, key, policy, bypass: false);
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
                throw Invalid($"The minimum decryption version of key {key.KeyId} must be from 1 to its current version {key.CurrentVersion}.");
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
        }, (keyId, doc) => ToEncKey(doc, keyId));
    }

    public EncKey EnableKey(string keyIdentifier)
    {
        using var scope = Enter();
        return EnableKeyCore(keyIdentifier);
    }

    private EncKey EnableKeyCore(string keyIdentifier) => Mutate("KeyEnabled", ctx =>
    {
        var key = ResolveKey(ctx.Doc, keyIdentifier);
        Demand(ctx.Doc, key, KmsActions.EnableKey);
        if (key.KeyState == KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyPendingDeletion, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}) and cannot be enabled. Run Restore-EncKey -KeyId {key.KeyId} first, then Enable-EncKey.");
        if (key.KeyState == KeyState.Enabled) { ctx.Unchanged(key); return key.KeyId; }
        key.KeyState = KeyState.Enabled;
        Record(ctx, key, "Enabled", null, null);
        return key.KeyId;
    }, (keyId, doc) => ToEncKey(doc, keyId));

    public EncKey DisableKey(string keyIdentifier)
    {
        using var scope = Enter();
        return DisableKeyCore(keyIdentifier);
    }

    private EncKey DisableKeyCore(string keyIdentifier) => Mutate("KeyDisabled", ctx =>
    {
        var key = ResolveKey(ctx.Doc, keyIdentifier);
        Demand(ctx.Doc, key, KmsActions.DisableKey);
        if (key.KeyManager == KeyManager.Module) throw ManagedByModule(key, "It cannot be disabled");
        if (key.KeyState == KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyPendingDeletion, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}); it is already unusable. Restore-EncKey -KeyId {key.KeyId} cancels the deletion and leaves it Disabled.");
        if (key.KeyState == KeyState.Disabled) { ctx.Unchanged(key); return key.KeyId; }
        key.KeyState = KeyState.Disabled;
        Record(ctx, key, "Disabled", null, null);
        return key.KeyId;
    }, (keyId, doc) => ToEncKey(doc, keyId));

    public EncKey ScheduleKeyDeletion(string keyIdentifier, int pendingWindowInDays = DefaultPendingWindowInDays)
    {
        if (pendingWindowInDays is < MinPendingWindowInDays or > MaxPendingWindowInDays)
            throw Invalid($"The pending window must be from {MinPendingWindowInDays} to {MaxPendingWindowInDays} days; {pendingWindowInDays} was given.");
        using var scope = Enter();
        return Mutate("KeyDeletionScheduled", ctx =>
        {
            var key = ResolveKey(ctx.Doc, keyIdentifier);
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
        }, (keyId, doc) => ToEncKey(doc, keyId));
    }

    public EncKey CancelKeyDeletion(string keyIdentifier)
    {
        using var scope = Enter();
        return CancelKeyDeletionCore(keyIdentifier);
    }

    private EncKey CancelKeyDeletionCore(string keyIdentifier) => Mutate("KeyDeletionCancelled", ctx =>
    {
        var key = ResolveKey(ctx.Doc, keyIdentifier);
        Demand(ctx.Doc, key, KmsActions.CancelKeyDeletion);
        if (key.KeyState != KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyInvalidState, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is {key.KeyState}, not PendingDeletion: there is no deletion to cancel.");
        key.KeyState = KeyState.Disabled; // as KMS CancelKeyDeletion: the key comes back Disabled
        key.DeletionDate = null;
        key.PendingDeletionWindowInDays = null;
        Record(ctx, key, "DeletionCancelled", null, "the key is Disabled; Enable-EncKey makes it usable");
        return key.KeyId;
    }, (keyId, doc) => ToEncKey(doc, keyId));

    public EncKey RotateKey(string keyIdentifier)
    {
        // RSA pairs are generated outside the lock; the spec is read first (a change of spec is impossible).
        using var scope = Enter();
        var (_, current) = LoadForUse();
        if (current is null) throw NotFound(keyIdentifier, null);
        var spec = ResolveKey(current, keyIdentifier).KeySpec;
        var material = GenerateMaterial(spec);
        return Mutate("KeyRotated", ctx =>
        {
            var key = ResolveKey(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, KmsActions.RotateKeyOnDemand);
            RefuseUnusable(key, "rotated");
            if (key.Origin == KeyOrigin.External)
                throw new KeyStateException(StoreErrorIds.KeyInvalidState, key.KeyId, key.KeyState,
                    $"The key {key.KeyId} was imported (Origin External): its material comes from outside and cannot be rotated here. Import new material as a new key and re-point its alias.");
            Rotate(ctx, key, RotationType.OnDemand, material);
            return key.KeyId;
        }, (keyId, doc) => ToEncKey(doc, keyId));
    }

    public IReadOnlyList<EncKeyRotation> GetKeyRotations(string keyIdentifier)
    {
        using var scope = Enter();
        return Read("KeyRotationsListed", () =>
        {
            var (_, doc) = LoadForUse();
            if (doc is null) throw NotFound(keyIdentifier, null);
            var key = ResolveKey(doc, keyIdentifier);
            Demand(doc, key, KmsActions.ListKeyRotations);
            EmitRead(doc, "KeyRotationsListed", key.KeyId, null);
            return (IReadOnlyList<EncKeyRotation>)key.Versions.Where(v => v.Version > 1)
                .Select(v => new EncKeyRotation(key.KeyId, v.Version, v.CreationDate, v.RotationType, v.KeyName)).ToList();
        });
    }

    public EncKeyExport ExportKey(string keyIdentifier, int? version = null, bool publicKeyOnly = false)
    {
        using var scope = Enter();
        EncKeyExport? export = null;
        Mutate(publicKeyOnly ? "PublicKeyExported" : "KeyExported", ctx =>
        {
            var key = ResolveKey(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, publicKeyOnly ? KmsActions.GetPublicKey : KmsActions.ExportKeyMaterial);
            RefuseUnusable(key, "exported");
            var v = version ?? key.CurrentVersion;
            var record = key.Versions.FirstOrDefault(x => x.Version == v)
                ?? throw new KeyStoreException(StoreErrorIds.KeyVersionNotFound, EngineErrorCategory.ObjectNotFound,
                    $"The key {key.KeyId} has no version {v}; its versions are 1 to {key.CurrentVersion}.") { Target = key.KeyId };
            if (publicKeyOnly && key.KeySpec == KeySpec.SYMMETRIC_DEFAULT)
                throw Invalid($"The key {key.KeyId} is symmetric (SYMMETRIC_DEFAULT): it has no public key.");
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
        using var scope = Enter();
        var key = GetOrCreateDefaultKeyCore();
        return Read("KeyDescribed", () =>
        {
            var (_, doc) = LoadForUse();
            var record = doc!.Keys.First(k => k.KeyId == key.KeyId);
            Demand(doc, record, KmsActions.DescribeKey);
            return key;
        });
    }

    private EncKey GetOrCreateDefaultKeyCore()
    {
        var (_, doc) = LoadForUse();
        var alias = doc?.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, Aliases.DefaultKeyAlias));
        if (doc is not null && alias is not null) return Project(doc, doc.Keys.First(k => k.KeyId == alias.KeyId));
        // Only the per-user default store comes into being by use; a named location (-StorePath, --store,
        // ENCRYPTIONTOOLS_STORE) must already hold a store, so a typo never encrypts under a fresh key.
        var implicitStore = doc is null && LocationSource == StoreLocation.FromDefault;
        if (doc is null && !implicitStore) throw StoreMissing();
        var material = GenerateMaterial(KeySpec.SYMMETRIC_DEFAULT);
        var created = Mutate("KeyCreated", ctx =>
        {
            var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, Aliases.DefaultKeyAlias));
            if (existing is not null) { ctx.Unchanged(null); return existing.KeyId; }
            var key = NewRecord(ctx, KeySpec.SYMMETRIC_DEFAULT, KeyOrigin.EncryptionTools, KeyManager.Module,
                "Default key of the EncryptionTools module: used when no key is given. Rotated every 365 days.", null, false, null);
            key.Versions.Add(material.ToVersion(1, KeyIds.VersionKeyName(key.KeyId, 1), ctx.Now, RotationType.OnDemand));
            key.RotationEnabled = true;
            key.RotationPeriodInDays = DefaultRotationPeriodInDays;
            key.NextRotationDate = ctx.Now.AddDays(DefaultRotationPeriodInDays);
            AddKey(ctx, key, "Created", "module-managed default key", Aliases.DefaultKeyAlias);
            return key.KeyId;
        }, (keyId, doc) => ToEncKey(doc, keyId), createIfMissing: implicitStore);
        if (implicitStore) WarnImplicitStore();
        return created;
    }

    // ------------------------------------------------------------------ aliases

    public EncKeyAlias NewAlias(string aliasName, string keyIdentifier)
    {
        var name = CheckUserAlias(aliasName);
        using var scope = Enter();
        return Mutate("AliasCreated", ctx =>
        {
            var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, name));
            if (existing is not null)
                throw new KeyStoreException(StoreErrorIds.AliasExists, EngineErrorCategory.ResourceExists,
                    $"The alias '{existing.AliasName}' already exists and points to key {existing.KeyId}. Use Set-EncKeyAlias to re-point it.") { Target = name };
            var key = ResolveKey(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, KmsActions.CreateAlias);
            CheckAliasTarget(key);
            var record = new AliasRecord { AliasName = name, KeyId = key.KeyId, CreationDate = ctx.Now, LastUpdatedDate = ctx.Now };
            ctx.Doc.Aliases.Add(record);
            ctx.Event(key.KeyId, null, name, null);
            return name;
        }, (name, doc) => ProjectAlias(doc, name));
    }

    public EncKeyAlias SetAlias(string aliasName, string keyIdentifier)
    {
        var name = CheckUserAlias(aliasName);
        using var scope = Enter();
        return Mutate("AliasUpdated", ctx =>
        {
            var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, name))
                ?? throw AliasMissing(name);
            var key = ResolveKey(ctx.Doc, keyIdentifier);
            if (ctx.Doc.Keys.FirstOrDefault(k => k.KeyId == existing.KeyId) is { } currentTarget) Demand(ctx.Doc, currentTarget, KmsActions.UpdateAlias);
            Demand(ctx.Doc, key, KmsActions.UpdateAlias);
            CheckAliasTarget(key);
            var from = existing.KeyId;
            existing.KeyId = key.KeyId;
            existing.LastUpdatedDate = ctx.Now;
            ctx.Event(key.KeyId, null, existing.AliasName, $"from key {from}");
            return existing.AliasName;
        }, (name, doc) => ProjectAlias(doc, name));
    }

    public EncKeyAlias RemoveAlias(string aliasName)
    {
        var name = CheckUserAlias(aliasName);
        EncKeyAlias? removed = null;
        using var scope = Enter();
        Mutate("AliasDeleted", ctx =>
        {
            var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, name)) ?? throw AliasMissing(name);
            if (ctx.Doc.Keys.FirstOrDefault(k => k.KeyId == existing.KeyId) is { } target) Demand(ctx.Doc, target, KmsActions.DeleteAlias);
            removed = AliasToPublic(ctx.Doc, existing);
            ctx.Doc.Aliases.Remove(existing);
            ctx.Event(existing.KeyId, null, existing.AliasName, null);
            return 0;
        }, (_, _) => 0);
        return removed!;
    }

    public IReadOnlyList<EncKeyAlias> GetAliases()
    {
        using var scope = Enter();
        return Read("AliasesListed", () =>
        {
            var (_, doc) = LoadForUse();
            if (doc is null) return (IReadOnlyList<EncKeyAlias>)[];
            Call.Action = KmsActions.ListAliases;
            var allowed = doc.Keys.Where(k => Evaluate(doc, k, Call.Caller, KmsActions.ListAliases).IsAllowed).Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
            var visible = doc.Aliases.Where(a => allowed.Contains(a.KeyId)).ToList();
            EmitRead(doc, "AliasesListed", null, $"{visible.Count} of {doc.Aliases.Count} alias(es) visible to the caller");
            return visible.Select(a => AliasToPublic(doc, a)).ToList();
        });
    }

    private static string CheckUserAlias(string aliasName)
    {
        var name = Aliases.Validate(aliasName);
        if (Aliases.IsReserved(name))
            throw new KeyStoreException(StoreErrorIds.AliasReserved, EngineErrorCategory.PermissionDenied,
                $"The alias '{name}' is reserved: names under '{Aliases.ReservedPrefix}' belong to the module and names under '{Aliases.AwsReservedPrefix}' to AWS.") { Target = aliasName };
        return name;
    }

    private static void CheckAliasTarget(KeyRecord key)
    {
        if (key.KeyManager == KeyManager.Module) throw ManagedByModule(key, "Its alias is set by the module; user aliases cannot point to it");
        if (key.KeyState == KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyPendingDeletion, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}); an alias cannot point to it. Run Restore-EncKey -KeyId {key.KeyId} first.");
    }

    private static EncKeyAlias ProjectAlias(StoreDocument doc, string name)
    {
        var alias = doc.Aliases.First(a => Aliases.Equal(a.AliasName, name));
        return AliasToPublic(doc, alias);
    }

    private static EncKeyAlias AliasToPublic(StoreDocument doc, AliasRecord alias) =>
        new(alias.AliasName, Arns.Alias(doc.StoreId, alias.AliasName), alias.KeyId, Arns.Key(doc.StoreId, alias.KeyId), alias.CreationDate, alias.LastUpdatedDate);

    private static KeyStoreException AliasMissing(string name) =>
        new(StoreErrorIds.AliasNotFound, EngineErrorCategory.ObjectNotFound,
            $"The alias '{name}' does not exist. New-EncKeyAlias creates it; Get-EncKeyAlias lists aliases.") { Target = name };

    // ------------------------------------------------------------------ keyrings

    public IStoreKeyring CreateEncryptKeyring(IEnumerable<string> keyIdentifiers, StoreFileContext? fileContext = null)
    {
        using var scope = Enter();
        var identifiers = keyIdentifiers.ToList();
        if (identifiers.Count == 0) identifiers.Add(GetOrCreateDefaultKeyCore().KeyId);
        return WithMaterial(() => LoadForUse().Doc, doc =>
        {
            if (doc is null) throw NotFound(identifiers[0], null);
            var keys = new List<KeyRecord>();
            foreach (var identifier in identifiers)
            {
                var key = ResolveKey(doc, identifier);
                RefuseUnusable(key, "used to encrypt");
                if (keys.All(k => k.KeyId != key.KeyId)) keys.Add(key);
            }
            return (IStoreKeyring)new StoreEncryptKeyring(doc.StoreId, keys, KeyringAccessFor(doc, fileContext));
        });
    }

    public IStoreKeyring CreateDecryptKeyring(IEnumerable<string>? restrictTo = null, StoreFileContext? fileContext = null)
    {
        using var scope = Enter();
        var restrict = restrictTo?.ToList();
        return WithMaterial(() => LoadForUse().Doc, doc =>
        {
            HashSet<string>? allowed = null;
            if (restrict is not null)
            {
                allowed = new HashSet<string>(StringComparer.Ordinal);
                foreach (var identifier in restrict)
                {
                    if (doc is null) throw NotFound(identifier, null);
                    allowed.Add(ResolveKey(doc, identifier).KeyId);
                }
            }
            var snapshot = doc ?? new StoreDocument();
            return (IStoreKeyring)new StoreDecryptKeyring(snapshot, allowed, Location, KeyringAccessFor(snapshot, fileContext), Time);
        });
    }

    // ------------------------------------------------------------------ lifecycle internals

    private sealed record GeneratedMaterial(byte[]? Aes, byte[]? PrivateKey, byte[]? PublicKey)
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

    private static GeneratedMaterial GenerateMaterial(KeySpec spec)
    {
        if (spec == KeySpec.SYMMETRIC_DEFAULT) return new GeneratedMaterial(RandomNumberGenerator.GetBytes(32), null, null);
        using var rsa = RSA.Create(spec == KeySpec.RSA_3072 ? 3072 : 4096);
        return new GeneratedMaterial(null, rsa.ExportPkcs8PrivateKey(), rsa.ExportSubjectPublicKeyInfo());
    }

    private static KeyRecord NewRecord(MutationContext ctx, KeySpec spec, KeyOrigin origin, KeyManager manager, string? description,
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
            RotationPeriodInDays = DefaultRotationPeriodInDays,
            Exportable = exportable,
            KeyNamespace = DefaultKeyNamespace,
            Creator = user,
            Policy = policy,
        };
    }

    private static void AddKey(MutationContext ctx, KeyRecord key, string historyEvent, string detail, string? alias)
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

    private static void Rotate(MutationContext ctx, KeyRecord key, RotationType type, GeneratedMaterial material)
    {
        var version = key.CurrentVersion + 1;
        key.Versions.Add(material.ToVersion(version, KeyIds.VersionKeyName(key.KeyId, version), ctx.Now, type));
        if (type == RotationType.Automatic || key.NextRotationDate is null)
            key.NextRotationDate = key.RotationEnabled ? ctx.Now.AddDays(key.RotationPeriodInDays) : null;
        Record(ctx, key, "Rotated", version, type.ToString(), "KeyRotated");
    }

    private static void Record(MutationContext ctx, KeyRecord key, string historyEvent, int? version, string? detail, string? operation = null)
    {
        key.History.Add(new LifecycleRecord { Date = ctx.Now, Event = historyEvent, Version = version, Detail = detail, User = KeyPolicies.CurrentUser() });
        ctx.Event(key.KeyId, version, null, detail, operation);
    }

    private static bool RotationDue(KeyRecord key, DateTimeOffset now) =>
        key.KeyState == KeyState.Enabled && key.RotationEnabled && key.Origin != KeyOrigin.External && key.NextRotationDate is { } next && next <= now;

    private static bool DestructionDue(KeyRecord key, DateTimeOffset now) =>
        key.KeyState == KeyState.PendingDeletion && key.DeletionDate is { } date && date <= now;

    private static bool MaintenanceDue(StoreDocument doc, DateTimeOffset now) =>
        doc.Keys.Any(k => RotationDue(k, now) || DestructionDue(k, now));

    /// <summary>Destroys keys whose deletion window has passed and rotates keys whose rotation is due.</summary>
    private static void RunMaintenance(MutationContext ctx)
    {
        ctx.InMaintenance = true;
        try { RunMaintenanceCore(ctx); }
        finally { ctx.InMaintenance = false; }
    }

    private static void RunMaintenanceCore(MutationContext ctx)
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
            RemoveGrantsOf(ctx, key.KeyId);
            ctx.Event(key.KeyId, null, null, $"{key.CurrentVersion} version(s) destroyed", "KeyMaterialDestroyed");
        }
        foreach (var key in ctx.Doc.Keys.Where(k => RotationDue(k, ctx.Now)).ToList())
            Rotate(ctx, key, RotationType.Automatic, GenerateMaterial(key.KeySpec));
    }

    // ------------------------------------------------------------------ resolution and projection

    private KeyRecord ResolveKey(StoreDocument doc, string identifier)
    {
        // The call's records name the key, failed ones too (the id as given when it resolves to none).
        var call = StoreCall.CurrentScope.Value;
        try
        {
            var key = ResolveKeyCore(doc, identifier);
            if (call is not null) call.KeyId = key.KeyId;
            return key;
        }
        catch (EncryptionToolsException) when (call is not null)
        {
            var given = (identifier ?? "").Trim();
            call.KeyId ??= KeyIds.TryNormalize(given, out var id) ? id : given.Length > 0 ? given : null;
            throw;
        }
    }

    private KeyRecord ResolveKeyCore(StoreDocument doc, string identifier)
    {
        var text = (identifier ?? "").Trim();
        if (text.Length == 0) throw Invalid("A key identifier cannot be empty.");
        if (KeyIds.TryNormalize(text, out var keyId)) return FindById(doc, keyId, identifier!);
        if (Arns.TryParse(text, out var storeId, out var resource))
        {
            if (!string.Equals(storeId, doc.StoreId, StringComparison.OrdinalIgnoreCase))
                throw NotFound(identifier!, $"The ARN '{text}' belongs to the key store {storeId}, but the store at '{Location}' is {doc.StoreId}. Use -StorePath to choose the store.");
            if (resource.StartsWith("key/", StringComparison.OrdinalIgnoreCase) && KeyIds.TryNormalize(resource[4..], out keyId))
                return FindById(doc, keyId, identifier!);
            if (resource.StartsWith(Aliases.Prefix, StringComparison.OrdinalIgnoreCase)) return FindByAlias(doc, resource, identifier!);
            throw NotFound(identifier!, $"'{text}' is neither a key ARN nor an alias ARN of this store.");
        }
        return FindByAlias(doc, Aliases.Normalize(text), identifier!);
    }

    private KeyRecord FindById(StoreDocument doc, string keyId, string identifier)
    {
        var key = doc.Keys.FirstOrDefault(k => k.KeyId == keyId);
        if (key is not null) return key;
        var deleted = doc.DeletedKeys.FirstOrDefault(k => k.KeyId == keyId);
        if (deleted is not null)
            throw NotFound(identifier, $"The key {keyId} was deleted on {deleted.DeletionDate:yyyy-MM-dd} after its pending window; its material is destroyed.");
        throw NotFound(identifier, null);
    }

    private KeyRecord FindByAlias(StoreDocument doc, string aliasName, string identifier)
    {
        var alias = doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, aliasName));
        if (alias is null) throw NotFound(identifier, null);
        return doc.Keys.First(k => k.KeyId == alias.KeyId);
    }

    private KeyNotFoundInStoreException NotFound(string identifier, string? detail) =>
        new(identifier, detail ?? $"No key or alias '{identifier}' exists in the key store '{Location}'. Get-EncKey lists the keys and Get-EncKeyAlias the aliases.")
        { Target = identifier };

    private EncKey ToEncKey(StoreDocument doc, string keyId) => Project(doc, doc.Keys.First(k => k.KeyId == keyId));

    private EncKey Project(StoreDocument doc, KeyRecord key) => new()
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
        Policy = key.Policy ?? KeyPolicies.Default(doc.StoreId, key.Creator, doc.Owner),
        StoreId = doc.StoreId,
        StoreLocation = Location,
        Versions = key.Versions.Select(v => new EncKeyVersion(key.KeyId, v.Version, key.KeyNamespace, v.KeyName, v.CreationDate,
            v.Version == key.CurrentVersion, v.Version >= key.MinimumDecryptionVersion)).ToList(),
        History = key.History.Select(h => new EncKeyLifecycleEvent(key.KeyId, h.Date, h.Event, h.Version, h.Detail, h.User)).ToList(),
    };

    private static void RefusePending(KeyRecord key, string action)
    {
        if (key.KeyState == KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyPendingDeletion, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}) and cannot be {action}. Run Restore-EncKey -KeyId {key.KeyId} to cancel the deletion.");
    }

    /// <summary>Disabled and pending keys cannot be used; the error names the key, its state and the way back.</summary>
    internal static void RefuseUnusable(KeyRecord key, string action)
    {
        RefusePending(key, action);
        if (key.KeyState == KeyState.Disabled)
            throw new KeyStateException(StoreErrorIds.KeyDisabled, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is Disabled and cannot be {action}. Run Enable-EncKey -KeyId {key.KeyId} to use it again.");
    }

    private static KeyStoreException ManagedByModule(KeyRecord key, string what) =>
        new(StoreErrorIds.KeyManagedByModule, EngineErrorCategory.PermissionDenied,
            $"The key {key.KeyId} is the module-managed default key ({Aliases.DefaultKeyAlias}). {what}.") { Target = key.KeyId };

    private static KeyStoreException Invalid(string message) => new(StoreErrorIds.InvalidArgument, EngineErrorCategory.InvalidArgument, message);

    private static void ValidateRotationPeriod(int days)
    {
        if (days is < MinRotationPeriodInDays or > MaxRotationPeriodInDays)
            throw Invalid($"The rotation period must be from {MinRotationPeriodInDays} to {MaxRotationPeriodInDays} days; {days} was given.");
    }

    private static void ValidateTags(IReadOnlyDictionary<string, string>? tags)
    {
        if (tags is null) return;
        foreach (var (key, value) in tags)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > 128) throw Invalid($"A tag key must be 1 to 128 characters; '{key}' is not.");
            if (value is null || value.Length > 256) throw Invalid($"The value of tag '{key}' must be 0 to 256 characters.");
        }
    }

    private static void ValidateDescription(string? description)
    {
        if (description is { Length: > 8192 }) throw Invalid("A key description is at most 8,192 characters.");
    }

    // ------------------------------------------------------------------ reading

    /// <summary>
    /// The current document for a use of the store, after running due maintenance. Null when no store exists at the
    /// per-user default location; a named location without a store is StoreNotFound (a typo must not read as "no keys").
    /// </summary>
    private (StoreDescriptor? Descriptor, StoreDocument? Doc) LoadForUse()
    {
        var (descriptor, doc) = LoadCached();
        if (descriptor is null && LocationSource != StoreLocation.FromDefault) throw StoreMissing();
        if (doc is not null && MaintenanceDue(doc, Now))
        {
            Mutate<int, int>("Maintenance", ctx => { ctx.Unchanged(null); return 0; }, (_, _) => 0, createIfMissing: false);
            (descriptor, doc) = LoadCached();
        }
        return (descriptor, doc);
    }

    private (StoreDescriptor? Descriptor, StoreDocument? Doc) LoadCached()
    {
        var descriptor = ReadDescriptor();
        if (descriptor is null) return (null, null);
        var root = GetRootKey(descriptor);
        try { return (descriptor, LoadDocument(descriptor, root)); }
        finally { CryptographicOperations.ZeroMemory(root); }
    }

    /// <summary>The data document, from the cache when the file is the one last read (same header: salt and nonce).</summary>
    private StoreDocument LoadDocument(StoreDescriptor descriptor, byte[] root, bool fresh = false)
    {
        byte[] data;
        try
        {
            using var stream = OpenForRead(DataPath);
            var header = new byte[StoreFiles.HeaderBytes];
            var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (!fresh)
            {
                lock (_sync)
                {
                    if (read == header.Length && _cachedHeader is not null && _cachedDocument is not null
                        && _cachedDocument.StoreId == descriptor.StoreId && header.AsSpan().SequenceEqual(_cachedHeader))
                    {
                        RememberAuditKey(_cachedDocument);
                        KeepCache();
                        return _cachedDocument;
                    }
                }
            }
            data = new byte[stream.Length];
            header.AsSpan(0, read).CopyTo(data);
            stream.ReadExactly(data.AsSpan(read));
        }
        catch (FileNotFoundException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.ReadError,
                $"The key store '{Location}' has a descriptor but no data file '{StoreFiles.DataFile}'. Restore it from a backup.", ex);
        }
        var version = StoreFiles.SealedVersion(data, Location);
        if (version > StoreSchema.CurrentDataVersion)
            throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidData,
                $"The key store '{Location}' has data schema version {version}, newer than this module understands ({StoreSchema.CurrentDataVersion}). Update the EncryptionTools module.");
        byte[] plaintext;
        byte[]? previous = null;
        try
        {
            plaintext = StoreFiles.Open(data, root, descriptor.StoreId, Location);
        }
        catch (KeyStoreException) when (descriptor.PreviousRoot is not null
            && (previous = StoreFiles.UnwrapPreviousRoot(descriptor.PreviousRoot, root, descriptor.StoreId)) is not null)
        {
            // A root-key change stopped after its descriptor and before the data was re-sealed: the data is still
            // under the previous root key, which the descriptor carries wrapped under the new one.
            try { plaintext = StoreFiles.Open(data, previous, descriptor.StoreId, Location); }
            catch { CryptographicOperations.ZeroMemory(previous); throw; }
        }
        Interlocked.Increment(ref _decryptions);
        try
        {
            var doc = StoreSchema.ParseData(plaintext, version, Location);
            if (doc.StoreId != descriptor.StoreId)
                throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData, $"The data of the key store '{Location}' belongs to another store.");
            doc.AuditKey ??= AuditLogEventSink.DeriveAuditKey(previous ?? root, doc.StoreId); // stores made before it was sealed
            NoteAnchor(doc);
            RememberAuditKey(doc);
            if (!fresh)
            {
                lock (_sync)
                {
                    CacheLocked(data[..StoreFiles.HeaderBytes], doc);
                }
            }
            return doc;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
            if (previous is not null) CryptographicOperations.ZeroMemory(previous);
        }
    }

    /// <summary>
    /// Opens a store file for reading. A writer of another process may still hold the file it just renamed into place
    /// with its exclusive (advisory) lock for a moment: that sharing violation is retried briefly, never a missing file.
    /// </summary>
    private static FileStream OpenForRead(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096);
            }
            catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException && attempt < 200)
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>Reads store.json after checking permissions; null when no store exists at the location.</summary>
    private StoreDescriptor? ReadDescriptor()
    {
        if (!Directory.Exists(Location)) return null;
        StorePermissions.Check(Location);
        byte[] bytes;
        try
        {
            using var stream = OpenForRead(DescriptorPath);
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (FileNotFoundException) { return null; }
        catch (UnauthorizedAccessException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StorePermissions, EngineErrorCategory.PermissionDenied,
                $"The key store descriptor '{DescriptorPath}' cannot be read: {ex.Message}", ex);
        }
        return StoreDescriptor.Parse(bytes, Location);
    }

    /// <summary>For information only: never unlocks from the environment (Lock-EncKeyStore must stay locked).</summary>
    private byte[]? TryGetRootKey(StoreDescriptor descriptor)
    {
        if (descriptor.Protection == StoreProtection.Password)
        {
            return Unlocked(descriptor);
        }
        try { return GetRootKey(descriptor); }
        catch (KeyStoreLockedException) { return null; }
    }

    /// <summary>The root key (the caller zeroes it). Password mode: the unlocked key, or the password from the environment.</summary>
    private byte[] GetRootKey(StoreDescriptor descriptor) => GetRootKeyCore(descriptor);

    private byte[] GetRootKeyCore(StoreDescriptor descriptor)
    {
        byte[] root;
        switch (descriptor.Protection)
        {
            case StoreProtection.File:
                try { root = File.ReadAllBytes(RootKeyPath); }
                catch (FileNotFoundException ex)
                {
                    throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.ReadError,
                        $"The root key file '{RootKeyPath}' of the key store is missing; without it no key can be decrypted. Restore it from a backup.", ex);
                }
                break;
            case StoreProtection.Dpapi:
                root = DpapiRootKey.Unprotect(descriptor.Dpapi?.Blob ?? [], descriptor.StoreId, Location);
                break;
            case StoreProtection.Password:
                var unlocked = Unlocked(descriptor);
                if (unlocked is not null) return unlocked;
                var fromEnvironment = (_options.GetEnvironment ?? Environment.GetEnvironmentVariable)(PasswordEnvironmentVariable);
                if (string.IsNullOrEmpty(fromEnvironment))
                    throw new KeyStoreLockedException(StoreErrorIds.StoreLocked,
                        $"The key store '{Location}' is protected by a password and is locked. Run Unlock-EncKeyStore -StorePath '{Location}' " +
                        $"(it prompts for the password), or set the environment variable {PasswordEnvironmentVariable} for unattended runs.");
                var chars = fromEnvironment.ToCharArray();
                try
                {
                    root = UnwrapWithPassword(descriptor, chars, "StoreUnlock", fromEnvironment: true);
                    UnlockedRootKeys.Put(Location, descriptor.StoreId, root, Now + DefaultUnlockTimeout);
                    return root;
                }
                finally { Array.Clear(chars); }
            default:
                throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidData, $"Unknown protection '{descriptor.Protection}'.");
        }
        if (root.Length != StoreFiles.RootKeyBytes || !StoreFiles.RootKeyMatches(descriptor, root))
        {
            CryptographicOperations.ZeroMemory(root);
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The root key of the key store '{Location}' does not match its descriptor (a root key file of another store?). Restore '{StoreFiles.RootKeyFile}' from a backup.");
        }
        return root;
    }

    /// <summary>The root key this process unlocked, if it is still the store's (another process may have changed it).</summary>
    private byte[]? Unlocked(StoreDescriptor descriptor)
    {
        var unlocked = UnlockedRootKeys.TryGet(Location, descriptor.StoreId, Now);
        if (unlocked is null || StoreFiles.RootKeyMatches(descriptor, unlocked)) return unlocked;
        CryptographicOperations.ZeroMemory(unlocked);
        UnlockedRootKeys.Remove(Location);
        return null;
    }

    private byte[] UnwrapWithPassword(StoreDescriptor descriptor, ReadOnlySpan<char> password, string operation, bool fromEnvironment = false)
    {
        var wrap = descriptor.Password ?? throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
            $"The key store '{Location}' is in password mode but has no wrapped root key.");
        if (wrap.Iterations < _options.PasswordIterationFloor || wrap.Iterations > MaxPasswordIterations || wrap.Salt.Length < 16)
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The key store '{Location}' has password parameters out of range ({wrap.Iterations} iterations).");
        var kek = StoreFiles.DeriveKek(password, wrap.Salt, wrap.Iterations);
        byte[]? root;
        try { root = StoreFiles.UnwrapWithKek(wrap, kek, descriptor.StoreId); }
        finally { CryptographicOperations.ZeroMemory(kek); }
        if (root is null || !StoreFiles.RootKeyMatches(descriptor, root))
        {
            if (root is not null) CryptographicOperations.ZeroMemory(root);
            Emit(new StoreEvent { Time = Now, Operation = operation + "Failed", StoreLocation = Location, StoreId = descriptor.StoreId, Succeeded = false,
                ErrorId = StoreErrorIds.StorePasswordInvalid });
            throw new KeyStoreLockedException(StoreErrorIds.StorePasswordInvalid, fromEnvironment
                ? $"The password in the environment variable {PasswordEnvironmentVariable} is wrong for the key store '{Location}'. Nothing was changed."
                : $"The password is wrong for the key store '{Location}'. Nothing was changed.");
        }
        return root;
    }

    // ------------------------------------------------------------------ writing

    private sealed class MutationContext(StoreDocument doc, DateTimeOffset now, string operation, string location)
    {
        public StoreDocument Doc { get; } = doc;
        public DateTimeOffset Now { get; } = now;
        public bool Changed { get; private set; } = true;
        /// <summary>Events of due maintenance (destruction, automatic rotation) are audited under their own names.</summary>
        public bool InMaintenance { get; set; }
        public List<StoreEvent> Events { get; } = [];

        public void Unchanged(KeyRecord? key)
        {
            Changed = Events.Count > 0; // maintenance may already have changed something
            if (key is not null) Event(key.KeyId, null, null, "no change", recordChange: false);
        }

        public void Event(string? keyId, int? version, string? alias, string? detail, string? op = null, bool recordChange = true)
        {
            if (recordChange) Changed = true;
            Events.Add(new StoreEvent { Time = Now, Operation = op ?? operation, StoreLocation = location, StoreId = Doc.StoreId, KeyId = keyId,
                Version = version, AliasName = alias, Detail = detail, Action = InMaintenance ? op ?? operation : MutationActions.For(op ?? operation),
                DecidedBy = InMaintenance ? "the key's deletion date or rotation schedule" : null });
        }
    }

    private StoreFileLock AcquireWriteLock(bool create = false)
    {
        if (!create && !File.Exists(DescriptorPath)) throw StoreMissing();
        if (!Directory.Exists(Location))
        {
            try { StorePermissions.CreateStoreDirectory(Location); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KeyStoreException(StoreErrorIds.StoreWriteFailed, EngineErrorCategory.WriteError,
                    $"Cannot create the key store directory '{Location}': {ex.Message}", ex);
            }
        }
        else if (!File.Exists(DescriptorPath))
        {
            var foreign = Directory.EnumerateFileSystemEntries(Location).Select(Path.GetFileName)
                .Where(n => n is not (StoreFiles.LockFile or StoreFiles.InitMarkerFile or StoreFiles.RootKeyFile or StoreFiles.DataFile or AuditDirectoryName)
                    && !n!.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal) && !n.StartsWith(SetAsidePrefix, StringComparison.Ordinal)).ToList();
            if (foreign.Count > 0)
                throw new KeyStoreException(StoreErrorIds.StoreNotFound, EngineErrorCategory.InvalidArgument,
                    $"'{Location}' is not a key store and is not empty ({foreign.Count} item(s) such as '{foreign[0]}'). Choose a new or empty directory for the store.") { Target = Location };
            StorePermissions.SecureExistingDirectory(Location);
        }
        StorePermissions.Check(Location);
        return StoreFileLock.Acquire(Location, _options.LockTimeout);
    }

    /// <summary>
    /// Applies a change under the writer lock to a freshly read document, runs due maintenance, writes the result
    /// atomically, then reports events. A refused change reports a failed event and writes nothing (unless
    /// maintenance was due, whose result is kept).
    /// </summary>
    private TResult Mutate<T, TResult>(string operation, Func<MutationContext, T> apply, Func<T, StoreDocument, TResult> project, bool createIfMissing = false)
    {
        T result;
        MutationContext? ctx = null;
        try
        {
            if (!createIfMissing && ReadDescriptor() is null) throw StoreMissing(); // before the lock: it would create the directory
            using (AcquireWriteLock(createIfMissing))
            {
                var descriptor = ReadDescriptor();
                if (descriptor is null)
                {
                    if (!createIfMissing) throw StoreMissing();
                    descriptor = InitializeLocked(DefaultProtection(), null, null);
                }
                if (descriptor.Protection != StoreProtection.File && File.Exists(RootKeyPath)) DestroyRootKeyFile(); // left by a crash mid-switch
                var root = GetRootKey(descriptor);
                try
                {
                    var doc = LoadDocument(descriptor, root, fresh: true);
                    ctx = new MutationContext(doc, Now, operation, Location);
                    RunMaintenance(ctx);
                    var maintenanceEvents = ctx.Events.Count;
                    try
                    {
                        result = apply(ctx);
                    }
                    catch (EncryptionToolsException) when (maintenanceEvents > 0)
                    {
                        // The refused change may have touched the document: keep only the maintenance, on a fresh copy.
                        var again = new MutationContext(LoadDocument(descriptor, root, fresh: true), Now, operation, Location);
                        RunMaintenance(again);
                        RecordAhead(again.Doc, again.Events, changed: true);
                        Save(descriptor, again.Doc, root);
                        SendToSink(again.Events);
                        throw;
                    }
                    RecordAhead(ctx.Doc, ctx.Events, ctx.Changed);
                    if (ctx.Changed || descriptor.PreviousRoot is not null) Save(descriptor, ctx.Doc, root);
                    if (descriptor.PreviousRoot is not null)
                    {
                        // A root-key change was interrupted after its descriptor: the data is now sealed under the
                        // new root key, so the previous one is dropped from the descriptor.
                        descriptor.PreviousRoot = null;
                        CommitDescriptor(descriptor, root);
                    }
                }
                finally { CryptographicOperations.ZeroMemory(root); }
            }
        }
        catch (EncryptionToolsException ex) when (operation != "Maintenance")
        {
            EmitFailure(operation, ex);
            throw;
        }
        SendToSink(ctx!.Events);
        return project(result, ctx.Doc);
    }

    private void Save(StoreDescriptor descriptor, StoreDocument doc, byte[] root)
    {
        doc.Revision++;
        doc.LastModifiedDate = Now;
        doc.SchemaVersion = StoreSchema.CurrentDataVersion;
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(doc, StoreSchema.DocumentInfo);
        byte[] sealedData;
        try { sealedData = StoreFiles.Seal(plaintext, root, descriptor.StoreId, StoreSchema.CurrentDataVersion); }
        finally { CryptographicOperations.ZeroMemory(plaintext); }
        CrashPoint?.Invoke("data-before-write");
        WriteFileAtomically(DataPath, sealedData, "data-temp-written");
        CrashPoint?.Invoke("data-after-write");
        NoteAnchor(doc);
        lock (_sync)
        {
            CacheLocked(sealedData[..StoreFiles.HeaderBytes], doc);
        }
    }

    /// <summary>Temp file (0600) + fsync + rename + directory fsync, through <see cref="AtomicFile"/>.</summary>
    private static void WriteFileAtomically(string path, ReadOnlySpan<byte> content, string? crashPoint = null)
    {
        try
        {
            using var file = AtomicFile.Create(path, overwrite: true);
            file.Stream.Write(content);
            if (crashPoint is not null) CrashPoint?.Invoke(crashPoint);
            file.Commit(StorePermissions.FileMode);
        }
        catch (OutputWriteException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StoreWriteFailed, EngineErrorCategory.WriteError,
                $"Cannot write the key store file '{path}': {ex.Message} The store keeps its previous state.", ex);
        }
    }

    /// <summary>
    /// Creates the store under the writer lock. A marker file exists for the whole creation and the descriptor is
    /// written last, so a crash leaves either no store (re-created next time) or a whole one.
    /// </summary>
    private StoreDescriptor InitializeLocked(StoreProtection protection, char[]? password, int? iterations)
    {
        if (File.Exists(DataPath) && !File.Exists(InitMarkerPath))
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The key store '{Location}' has a data file but no descriptor '{StoreFiles.DescriptorFile}'. Restore the descriptor from a backup; the store was not re-created, so nothing was overwritten.");
        if (protection == StoreProtection.Dpapi && !OperatingSystem.IsWindows())
            throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidOperation,
                "DPAPI protection exists only on Windows. Use -Protection File or -Protection Password.");
        SetAsideForeignAuditLog();
        WriteFileAtomically(InitMarkerPath, []);
        CrashPoint?.Invoke("init-marker-written");
        var storeId = KeyIds.New();
        var now = Now;
        var root = RandomNumberGenerator.GetBytes(StoreFiles.RootKeyBytes);
        try
        {
            var descriptor = BuildDescriptor(storeId, now, root, protection, password, iterations);
            CrashPoint?.Invoke("init-root-written");
            var doc = new StoreDocument { StoreId = storeId, CreationDate = now, LastModifiedDate = now,
                Owner = StoreCall.CurrentScope.Value?.Principal ?? "user:" + KeyPolicies.CurrentUser(),
                AuditKey = RandomNumberGenerator.GetBytes(32) };
            // The creation is recorded before the store exists: a crash before the descriptor leaves no store, and the
            // next creation sets the orphaned log aside (SetAsideForeignAuditLog).
            RememberAuditKey(doc);
            StoreEvent[] created = [new StoreEvent { Time = now, Operation = "StoreCreated", Action = "StoreCreated", StoreLocation = Location, StoreId = storeId,
                Detail = $"protection {protection}" }];
            RecordAhead(doc, created, changed: true);
            Save(descriptor, doc, root);
            CrashPoint?.Invoke("init-data-written");
            CommitDescriptor(descriptor, root);
            File.Delete(InitMarkerPath);
            AtomicFile.FsyncDirectory(Location);
            if (protection == StoreProtection.Password) UnlockedRootKeys.Put(Location, storeId, root, now + DefaultUnlockTimeout);
            SendToSink(created);
            return descriptor;
        }
        finally { CryptographicOperations.ZeroMemory(root); }
    }

    private KeyStoreException StoreMissing()
    {
        var named = LocationSource switch
        {
            StoreLocation.FromEnvironment => $" (named by the environment variable {StoreLocation.EnvironmentVariable})",
            StoreLocation.FromParameter => " (named by -StorePath or --store)",
            _ => "",
        };
        return new KeyStoreException(StoreErrorIds.StoreNotFound, EngineErrorCategory.ObjectNotFound,
            $"No key store exists at '{Location}'{named}; nothing was created there. Check the path, or create a store there on purpose " +
            $"with New-EncKeyStore -LiteralPath '{Location.Replace("'", "''", StringComparison.Ordinal)}' (enctools store init --store {StorePermissions.ShellQuote(Location)}), " +
            "or with New-EncKey.") { Target = Location };
    }

    /// <summary>The per-user default store was just created by a command that only uses keys: say so, once.</summary>
    private void WarnImplicitStore()
    {
        var warn = StoreCall.WarningScope.Value;
        if (warn is null) return;
        try
        {
            warn($"Created a new key store at '{Location}' (the per-user default store) with a module-managed default key. " +
                 "Back up this directory: files encrypted under its keys cannot be decrypted without it.");
        }
        catch (Exception) { /* a warning must not undo a committed change */ }
    }

    private void Emit(StoreEvent storeEvent) => Emit(storeEvent, StoreCall.CurrentScope.Value);

    private void Emit(StoreEvent storeEvent, StoreCall? call) => Send([Attribute(storeEvent, call)]);

    /// <summary>The event with the caller's principal, command, action and context where it names none of its own.</summary>
    private static StoreEvent Attribute(StoreEvent storeEvent, StoreCall? call) => call is null ? storeEvent : storeEvent with
    {
        Principal = storeEvent.Principal ?? call.Principal,
        Command = storeEvent.Command ?? call.Command,
        Action = storeEvent.Action ?? call.Action,
        DecidedBy = storeEvent.DecidedBy ?? call.DecidedBy,
        EncryptionContext = storeEvent.EncryptionContext ?? call.EncryptionContext,
    };

    /// <summary>
    /// To the event sink one by one, and to the audit log as one append. Reads, refusals and failures are recorded as
    /// well as can be (the caller's own error is the one to report); key uses go through <see cref="SendKeyUse"/> and
    /// store changes through <see cref="RecordAhead"/>, which fail closed.
    /// </summary>
    private void Send(IReadOnlyList<StoreEvent> events)
    {
        SendToSink(events);
        var audit = AuditSink();
        if (audit is not null)
        {
            try { audit.OnEvents(events); }
            catch (Exception) { /* best effort: see above */ }
        }
    }

    private void SendToSink(IReadOnlyList<StoreEvent> events)
    {
        var sink = _options.EventSink;
        if (sink is null) return;
        var call = StoreCall.CurrentScope.Value;
        foreach (var storeEvent in events)
        {
            try { sink.OnEvent(Attribute(storeEvent, call)); }
            catch (Exception) { /* a sink must not undo or hide a committed change */ }
        }
    }

    // ------------------------------------------------------------------ the document cache
    // Rule: the decrypted document is kept only while it is being used: at most DocumentCacheLifetime (60 s) after
    // its last use, and never past Lock-EncKeyStore, Remove-Module or Dispose. Dropping it zeroes its key material;
    // keyrings copy what they need under the same lock, so none is ever built from a wiped document.

    /// <summary>Whether a decrypted document is cached now (tests of the cache rule).</summary>
    internal bool HasCachedDocument
    {
        get { lock (_sync) return _cachedDocument is not null; }
    }

    /// <summary>Caches a document; the caller holds <see cref="_sync"/>.</summary>
    private void CacheLocked(byte[] header, StoreDocument doc)
    {
        if (_cachedDocument is not null && !ReferenceEquals(_cachedDocument, doc)) _cachedDocument.ZeroMaterial();
        _cachedHeader = header;
        _cachedDocument = doc;
        KeepCache();
    }

    /// <summary>Restarts the idle countdown of the cache; the caller holds <see cref="_sync"/>.</summary>
    private void KeepCache()
    {
        _cacheTimer ??= new Timer(static state => ((LocalKeyStore)state!).DropCache(), this, Timeout.Infinite, Timeout.Infinite);
        _cacheTimer.Change(_options.DocumentCacheLifetime, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Drops and wipes the cached document and the audit key derived from it.</summary>
    private void DropCache()
    {
        lock (_sync)
        {
            _cachedDocument?.ZeroMaterial();
            _cachedDocument = null;
            _cachedHeader = null;
            _cacheTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        }
    }

    /// <summary>Builds something from a document's key material under the cache lock, reloading if it was wiped meanwhile.</summary>
    private T WithMaterial<T>(Func<StoreDocument?> load, Func<StoreDocument?, T> build)
    {
        for (var attempt = 0; ; attempt++)
        {
            var doc = load();
            lock (_sync)
            {
                if (doc is null || !doc.Wiped) return build(doc);
            }
            if (attempt == 3) throw new InvalidOperationException("The key store document was wiped while in use.");
        }
    }

    public void Dispose()
    {
        DropCache();
        ForgetAuditKey();
        lock (_sync)
        {
            _cacheTimer?.Dispose();
            _cacheTimer = null;
        }
    }
}
