using System.Collections.Concurrent;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Where callers get a key store provider. One provider per store location per process, so caches and unlock
/// state are shared by every cmdlet of a session. The cmdlets know only <see cref="IKeyStoreProvider"/>.
/// </summary>
public static class KeyStoreProviders
{
    private static readonly ConcurrentDictionary<string, IKeyStoreProvider> Open = new(StringComparer.Ordinal);

    /// <summary>A sink that receives every event as well as the store's own audit log (tests, forwarding to syslog).</summary>
    public static IStoreEventSink EventSink { get; set; } = NullStoreEventSink.Instance;

    /// <summary>The provider of the store at -StorePath, else ENCRYPTIONTOOLS_STORE, else the per-user default.</summary>
    public static IKeyStoreProvider Get(string? storePath) => Get(storePath, null);

    /// <summary>
    /// As <see cref="Get(string?)"/>, for a command: every call through the returned provider, and every use of a keyring
    /// it creates, is audited under <paramref name="command"/> (the cmdlet's MyInvocation.MyCommand.Name, or the CLI's
    /// "enctools encrypt"...). The provider underneath is the shared one.
    /// </summary>
    public static IKeyStoreProvider Get(string? storePath, string? command) => Get(storePath, command, null);

    /// <summary>
    /// As <see cref="Get(string?, string?)"/>, with <paramref name="warning"/> receiving the store's warnings for the
    /// command (today one: the per-user default store was created implicitly).
    /// </summary>
    public static IKeyStoreProvider Get(string? storePath, string? command, Action<string>? warning)
    {
        var location = StoreLocation.ResolveWithSource(storePath);
        Shared(location.Path, location.Source);
        return new CommandProvider(() => Shared(location.Path, location.Source), location.Path, command ?? "", warning, location.Source);
    }

    /// <summary>The shared provider of a location, opened on first use (again after <see cref="Close"/>).</summary>
    private static IKeyStoreProvider Shared(string path, string source) =>
        Open.GetOrAdd(path, p => new LocalKeyStore(p, new LocalKeyStoreOptions
        {
            EventSink = new ForwardingSink(),
            LocationSource = source,
        }));

    /// <summary>The store locations with an open provider in this process (what Lock-EncKeyStore and Remove-Module close).</summary>
    public static IReadOnlyCollection<string> OpenLocations => Open.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Closes the provider of one store: it is dropped from the process's cache and disposed, which wipes its cached
    /// document (key material included) and audit key. Lock-EncKeyStore runs it; the next command opens the store again,
    /// and provider views made before it move to the new provider at their next call.
    /// </summary>
    public static void Close(string location)
    {
        var path = StoreLocation.Normalize(location);
        if (Open.TryRemove(path, out var provider) && provider is IDisposable disposable) disposable.Dispose();
    }

    /// <summary>
    /// Drops every open provider and wipes what it cached (documents with key material, audit keys) and every unlocked
    /// root key: Remove-Module runs it, so nothing decrypted outlives the module in the process.
    /// </summary>
    public static void CloseAll()
    {
        foreach (var location in Open.Keys.ToList())
        {
            if (Open.TryRemove(location, out var provider) && provider is IDisposable disposable) disposable.Dispose();
        }
        UnlockedRootKeys.Clear();
    }

    /// <summary>Reads <see cref="EventSink"/> at each event, so a sink set later still receives events.</summary>
    private sealed class ForwardingSink : IStoreEventSink
    {
        public void OnEvent(StoreEvent storeEvent) => EventSink.OnEvent(storeEvent);
    }
}

/// <summary>
/// A view of a provider that names the command of every call (for the audit log). A view of the shared provider looks it
/// up at each call, so a view that outlives a <see cref="KeyStoreProviders.Close"/> uses the store's next provider.
/// </summary>
internal sealed class CommandProvider : IKeyStoreProvider, ISidecarKeySource, IKeyTransfer, IDisposable
{
    private readonly Func<IKeyStoreProvider> _inner;
    private readonly string? _location;
    private readonly Action<string>? warning;
    private readonly string? locationSource;

    public CommandProvider(IKeyStoreProvider inner, string command, Action<string>? warning = null, string? locationSource = null)
        : this(() => inner, null, command, warning, locationSource) { }

    public CommandProvider(Func<IKeyStoreProvider> inner, string? location, string command, Action<string>? warning = null, string? locationSource = null)
    {
        _inner = inner;
        _location = location;
        Command = command;
        this.warning = warning;
        this.locationSource = locationSource;
    }

    private IKeyStoreProvider Inner => _inner();

    byte[] ISidecarKeySource.DeriveSidecarKey() =>
        Inner is ISidecarKeySource source ? Run(source.DeriveSidecarKey) : throw new NotSupportedException("This key store gives no sidecar key.");

    public string Command { get; }

    private T Run<T>(Func<T> call)
    {
        var previous = StoreCall.CommandScope.Value;
        var previousWarning = StoreCall.WarningScope.Value;
        var previousSource = StoreCall.LocationSourceScope.Value;
        StoreCall.CommandScope.Value = string.IsNullOrEmpty(Command) ? previous : Command;
        StoreCall.WarningScope.Value = warning ?? previousWarning;
        StoreCall.LocationSourceScope.Value = locationSource ?? previousSource;
        try { return call(); }
        finally
        {
            StoreCall.CommandScope.Value = previous;
            StoreCall.WarningScope.Value = previousWarning;
            StoreCall.LocationSourceScope.Value = previousSource;
        }
    }

    /// <summary>The shared provider outlives this view: nothing to release here (KeyStoreProviders.CloseAll wipes it).</summary>
    public void Dispose() { }

    public string Location => _location ?? Inner.Location;
    public EncKeyStoreInfo GetStoreInfo() => Run(Inner.GetStoreInfo);
    public EncKeyStoreInfo CreateStore(ProtectionChange protection) => Run(() => Inner.CreateStore(protection));
    public EncKey NewKey(NewKeyRequest request) => Run(() => Inner.NewKey(request));
    public EncKey ImportKey(ImportKeyRequest request) => Run(() => Inner.ImportKey(request));
    public EncKey GetKey(string keyIdentifier) => Run(() => Inner.GetKey(keyIdentifier));
    public IReadOnlyList<EncKey> GetKeys() => Run(Inner.GetKeys);
    public EncKey UpdateKey(string keyIdentifier, KeyUpdate update) => Run(() => Inner.UpdateKey(keyIdentifier, update));
    public EncKey EnableKey(string keyIdentifier) => Run(() => Inner.EnableKey(keyIdentifier));
    public EncKey DisableKey(string keyIdentifier) => Run(() => Inner.DisableKey(keyIdentifier));
    public EncKey ScheduleKeyDeletion(string keyIdentifier, int pendingWindowInDays = LocalKeyStore.DefaultPendingWindowInDays) =>
        Run(() => Inner.ScheduleKeyDeletion(keyIdentifier, pendingWindowInDays));
    public EncKey CancelKeyDeletion(string keyIdentifier) => Run(() => Inner.CancelKeyDeletion(keyIdentifier));
    public EncKey RotateKey(string keyIdentifier) => Run(() => Inner.RotateKey(keyIdentifier));
    public IReadOnlyList<EncKeyRotation> GetKeyRotations(string keyIdentifier) => Run(() => Inner.GetKeyRotations(keyIdentifier));
    public EncKeyExport ExportKey(string keyIdentifier, int? version = null, bool publicKeyOnly = false) =>
        Run(() => Inner.ExportKey(keyIdentifier, version, publicKeyOnly));
    public EncKey GetOrCreateDefaultKey() => Run(Inner.GetOrCreateDefaultKey);
    private IKeyTransfer Transfer => Inner as IKeyTransfer ?? throw new NotSupportedException("This key store cannot move keys or back up.");
    public EncKeyPackage ExportKeyPackage(string keyIdentifier) => Run(() => Transfer.ExportKeyPackage(keyIdentifier));
    public EncKey ImportKeyPackage(EncKeyPackage package) => Run(() => Transfer.ImportKeyPackage(package));
    public StoreBackupInfo Backup(Stream output, StoreBackupProtection protection) => Run(() => Transfer.Backup(output, protection));
    public EncKeyStoreInfo Restore(Stream input, StoreRestoreRequest request) => Run(() => Transfer.Restore(input, request));
    public EncKeyAlias NewAlias(string aliasName, string keyIdentifier) => Run(() => Inner.NewAlias(aliasName, keyIdentifier));
    public EncKeyAlias SetAlias(string aliasName, string keyIdentifier) => Run(() => Inner.SetAlias(aliasName, keyIdentifier));
    public EncKeyAlias RemoveAlias(string aliasName) => Run(() => Inner.RemoveAlias(aliasName));
    public IReadOnlyList<EncKeyAlias> GetAliases() => Run(Inner.GetAliases);
    public StoreCatalog PeekCatalog() => Run(Inner.PeekCatalog);
    public IStoreKeyring CreateEncryptKeyring(IEnumerable<string> keyIdentifiers, StoreFileContext? fileContext = null) =>
        Run(() => Inner.CreateEncryptKeyring(keyIdentifiers, fileContext));
    public IStoreKeyring CreateDecryptKeyring(IEnumerable<string>? restrictTo = null, StoreFileContext? fileContext = null) =>
        Run(() => Inner.CreateDecryptKeyring(restrictTo, fileContext));
    public bool Exists => Inner.Exists;
    public ExternalKeyUseRecorder? CreateExternalKeyUseRecorder() => Run(Inner.CreateExternalKeyUseRecorder);
    public EncKeyPolicy GetKeyPolicy(string keyIdentifier) => Run(() => Inner.GetKeyPolicy(keyIdentifier));
    public EncKeyPolicy PutKeyPolicy(string keyIdentifier, string policy, bool bypassLockoutSafetyCheck = false) =>
        Run(() => Inner.PutKeyPolicy(keyIdentifier, policy, bypassLockoutSafetyCheck));
    public AccessDecision TestKeyAccess(string keyIdentifier, string action, string? principal = null, IReadOnlyDictionary<string, string>? encryptionContext = null) =>
        Run(() => Inner.TestKeyAccess(keyIdentifier, action, principal, encryptionContext));
    public Grant CreateGrant(GrantRequest request) => Run(() => Inner.CreateGrant(request));
    public IReadOnlyList<Grant> GetGrants(string? keyIdentifier = null, string? grantId = null, string? grantee = null) =>
        Run(() => Inner.GetGrants(keyIdentifier, grantId, grantee));
    public Grant RevokeGrant(string keyIdentifier, string grantId) => Run(() => Inner.RevokeGrant(keyIdentifier, grantId));
    public Grant RetireGrant(string grantId, string? keyIdentifier = null) => Run(() => Inner.RetireGrant(grantId, keyIdentifier));
    public AuditVerification VerifyAuditLog() => Run(Inner.VerifyAuditLog);
    public IReadOnlyList<AuditEvent> QueryAudit(AuditQuery? filter = null) => Run(() => Inner.QueryAudit(filter));
    public EncKeyStoreInfo Unlock(ReadOnlySpan<char> password, TimeSpan? timeout = null)
    {
        var previous = StoreCall.CommandScope.Value;
        var previousSource = StoreCall.LocationSourceScope.Value;
        StoreCall.CommandScope.Value = string.IsNullOrEmpty(Command) ? previous : Command;
        StoreCall.LocationSourceScope.Value = locationSource ?? previousSource;
        try { return Inner.Unlock(password, timeout); }
        finally
        {
            StoreCall.CommandScope.Value = previous;
            StoreCall.LocationSourceScope.Value = previousSource;
        }
    }
    public EncKeyStoreInfo Lock() => Run(Inner.Lock);
    public EncKeyStoreInfo SetProtection(ProtectionChange change) => Run(() => Inner.SetProtection(change));
}
