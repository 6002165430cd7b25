using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The embedded key store: one directory holding a plaintext descriptor (store.json), the root key file (File mode only)
/// and one AES-256-GCM sealed data file (keys.dat) with every key, version, alias, policy, grant and history record.
/// Writers serialize through a file lock and replace files by temp-file + fsync + rename, so several processes can
/// write at once with no lost update, and a crash at any point leaves the old or the new state. Reads take no lock and
/// are cached by the data file's identity (its per-write random salt and nonce).
/// </summary>
/// <remarks>
/// A facade over its parts: <see cref="StoreRepository"/> (files, cache, locked mutation), <see cref="RootKeyProtection"/>,
/// <see cref="StoreAuditTrail"/>, <see cref="Authorization"/> (caller, policies, access checks), <see cref="KeyResolver"/>,
/// <see cref="KeyRecordMapping"/>, <see cref="KeyLifecycle"/>, <see cref="KeyReader"/>, <see cref="KeyAliases"/>,
/// <see cref="KeyGrants"/>, <see cref="KeyringFactory"/>, <see cref="StoreAdministration"/>, <see cref="KeyTransferOperations"/>
/// and <see cref="StoreBackupOperations"/>.
/// Disposing it wipes every key buffer it holds; a use after that still works from the files but keeps nothing.
/// </remarks>
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
    /// <summary>The audit log's directory inside the store directory (0700, files 0600).</summary>
    public const string AuditDirectoryName = "audit";
    /// <summary>Name prefix of an audit directory found where a store is being created (an orphan of a creation that crashed,
    /// or the log of a store whose other files were removed): kept as evidence, never reused.</summary>
    internal const string SetAsidePrefix = "audit.set-aside-";

    /// <summary>Test hook of the crash tests: called at each stage of a write (never set in production).</summary>
    internal static Action<string>? CrashPoint;

    private readonly StoreContext _store;
    private readonly StoreAuditTrail _audit;
    private readonly StoreDocumentCache _cache;
    private readonly StoreAdministration _administration;
    private readonly Authorization _authorization;
    private readonly KeyLifecycle _lifecycle;
    private readonly KeyReader _reader;
    private readonly KeyAliases _aliases;
    private readonly KeyGrants _grants;
    private readonly KeyringFactory _keyrings;
    private readonly KeyTransferOperations _transfer;
    private readonly StoreBackupOperations _backup;

    public LocalKeyStore(string location, LocalKeyStoreOptions? options = null)
    {
        _store = new StoreContext(StoreLocation.Normalize(location), options ?? new LocalKeyStoreOptions());
        _audit = new StoreAuditTrail(_store);
        _cache = new StoreDocumentCache(_store);
        var protection = new RootKeyProtection(_store, _audit);
        var repository = new StoreRepository(_store, protection, _audit, _cache);
        var resolver = new KeyResolver(_store);
        var mapping = new KeyRecordMapping(_store);
        _authorization = new Authorization(_store, _audit, repository, resolver, mapping, ReleaseHeldSecrets);
        _administration = new StoreAdministration(_store, protection, repository, _audit, _cache, _authorization);
        _lifecycle = new KeyLifecycle(_store, repository, resolver, mapping, _audit, _authorization);
        _reader = new KeyReader(_store, repository, resolver, mapping, _audit, _authorization);
        _aliases = new KeyAliases(_audit, repository, resolver, _authorization);
        _grants = new KeyGrants(_store, _audit, repository, resolver, _authorization);
        _keyrings = new KeyringFactory(_store, repository, _cache, resolver, _authorization, _lifecycle);
        _transfer = new KeyTransferOperations(_store, repository, resolver, mapping, _authorization);
        _backup = new StoreBackupOperations(_store, protection, repository, _audit, _cache, _authorization, _administration);
    }

    public string Location => _store.Location;
    public string AuditDirectory => _store.AuditDirectory;

    /// <summary>How many times this provider decrypted the data file (tests of the read cache).</summary>
    internal int DataDecryptions => _cache.DataDecryptions;

    /// <summary>Whether a decrypted document is cached now (tests of the cache rule).</summary>
    internal bool HasCachedDocument => _cache.HasDocument;

    /// <summary>Every key buffer this provider holds now: the cached document's key material and audit key, and the audit
    /// trail's key (tests of wiping: the very arrays, not copies).</summary>
    internal IReadOnlyList<byte[]> HeldKeyBuffers() => [.. _cache.HeldKeyBuffers(), .. _audit.HeldKeyBuffers()];

    // ------------------------------------------------------------------ the store

    public EncKeyStoreInfo GetStoreInfo() => _administration.GetStoreInfo();
    public EncKeyStoreInfo CreateStore(ProtectionChange protection) => _administration.CreateStore(protection);
    public EncKeyStoreInfo SetProtection(ProtectionChange change) => _administration.SetProtection(change);
    public EncKeyStoreInfo Unlock(ReadOnlySpan<char> password, TimeSpan? timeout = null) => _administration.Unlock(password, timeout);
    public EncKeyStoreInfo Lock() => _administration.Lock();
    public AuditVerification VerifyAuditLog() => _administration.VerifyAuditLog();
    public IReadOnlyList<AuditEvent> QueryAudit(AuditQuery? filter = null) => _administration.QueryAudit(filter);

    // ------------------------------------------------------------------ keys

    public EncKey NewKey(NewKeyRequest request) => _lifecycle.NewKey(request);
    public EncKey ImportKey(ImportKeyRequest request) => _lifecycle.ImportKey(request);
    public EncKey UpdateKey(string keyIdentifier, KeyUpdate update) => _lifecycle.UpdateKey(keyIdentifier, update);
    public EncKey EnableKey(string keyIdentifier) => _lifecycle.EnableKey(keyIdentifier);
    public EncKey DisableKey(string keyIdentifier) => _lifecycle.DisableKey(keyIdentifier);
    public EncKey ScheduleKeyDeletion(string keyIdentifier, int pendingWindowInDays = DefaultPendingWindowInDays) =>
        _lifecycle.ScheduleKeyDeletion(keyIdentifier, pendingWindowInDays);
    public EncKey CancelKeyDeletion(string keyIdentifier) => _lifecycle.CancelKeyDeletion(keyIdentifier);
    public EncKey RotateKey(string keyIdentifier) => _lifecycle.RotateKey(keyIdentifier);
    public EncKeyExport ExportKey(string keyIdentifier, int? version = null, bool publicKeyOnly = false) =>
        _lifecycle.ExportKey(keyIdentifier, version, publicKeyOnly);
    public EncKey GetOrCreateDefaultKey() => _lifecycle.GetOrCreateDefaultKey();
    public EncKey GetKey(string keyIdentifier) => _reader.GetKey(keyIdentifier);
    /// <summary>Every key the caller may describe (kms:DescribeKey); the others are left out, as if absent.</summary>
    public IReadOnlyList<EncKey> GetKeys() => _reader.GetKeys();
    public IReadOnlyList<EncKeyRotation> GetKeyRotations(string keyIdentifier) => _reader.GetKeyRotations(keyIdentifier);
    /// <inheritdoc cref="KeyReader.PeekCatalog"/>
    public StoreCatalog PeekCatalog() => _reader.PeekCatalog();

    // ------------------------------------------------------------------ aliases

    public EncKeyAlias NewAlias(string aliasName, string keyIdentifier) => _aliases.NewAlias(aliasName, keyIdentifier);
    public EncKeyAlias SetAlias(string aliasName, string keyIdentifier) => _aliases.SetAlias(aliasName, keyIdentifier);
    public EncKeyAlias RemoveAlias(string aliasName) => _aliases.RemoveAlias(aliasName);
    public IReadOnlyList<EncKeyAlias> GetAliases() => _aliases.GetAliases();

    // ------------------------------------------------------------------ keyrings

    public IStoreKeyring CreateEncryptKeyring(IEnumerable<string> keyIdentifiers, StoreFileContext? fileContext = null) =>
        _keyrings.CreateEncryptKeyring(keyIdentifiers, fileContext);
    public IStoreKeyring CreateDecryptKeyring(IEnumerable<string>? restrictTo = null, StoreFileContext? fileContext = null) =>
        _keyrings.CreateDecryptKeyring(restrictTo, fileContext);
    /// <inheritdoc/>
    public bool Exists => File.Exists(_store.DescriptorPath);
    /// <inheritdoc/>
    public ExternalKeyUseRecorder? CreateExternalKeyUseRecorder() => _keyrings.CreateExternalKeyUseRecorder();

    // ------------------------------------------------------------------ policies and grants

    public EncKeyPolicy GetKeyPolicy(string keyIdentifier) => _authorization.GetKeyPolicy(keyIdentifier);
    public EncKeyPolicy PutKeyPolicy(string keyIdentifier, string policy, bool bypassLockoutSafetyCheck = false) =>
        _authorization.PutKeyPolicy(keyIdentifier, policy, bypassLockoutSafetyCheck);
    /// <inheritdoc cref="Authorization.TestKeyAccess"/>
    public AccessDecision TestKeyAccess(string keyIdentifier, string action, string? principal = null, IReadOnlyDictionary<string, string>? encryptionContext = null) =>
        _authorization.TestKeyAccess(keyIdentifier, action, principal, encryptionContext);
    /// <inheritdoc cref="KeyGrants.CreateGrant"/>
    public Grant CreateGrant(GrantRequest request) => _grants.CreateGrant(request);
    /// <inheritdoc cref="KeyGrants.GetGrants"/>
    public IReadOnlyList<Grant> GetGrants(string? keyIdentifier = null, string? grantId = null, string? grantee = null) =>
        _grants.GetGrants(keyIdentifier, grantId, grantee);
    /// <inheritdoc cref="KeyGrants.RevokeGrant"/>
    public Grant RevokeGrant(string keyIdentifier, string grantId) => _grants.RevokeGrant(keyIdentifier, grantId);
    /// <inheritdoc cref="KeyGrants.RetireGrant"/>
    public Grant RetireGrant(string grantId, string? keyIdentifier = null) => _grants.RetireGrant(grantId, keyIdentifier);

    // ------------------------------------------------------------------ lifetime

    /// <summary>Drops and wipes the cached document (key material included) and the audit key, the audit log's copy too.</summary>
    private void ReleaseHeldSecrets()
    {
        _cache.Drop();
        _audit.ForgetAuditKey();
    }

    /// <summary>
    /// Wipes every key buffer the provider holds (<see cref="ReleaseHeldSecrets"/>) and stops its idle timer. The store's
    /// files are untouched; a call made after this (a pipeline still holding the provider) works from the files and
    /// wipes what it read when it ends.
    /// </summary>
    public void Dispose()
    {
        _store.Disposed = true;
        ReleaseHeldSecrets();
        _cache.Dispose();
    }
}
