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
        var shared = Open.GetOrAdd(location.Path, path => new LocalKeyStore(path, new LocalKeyStoreOptions
        {
            EventSink = new ForwardingSink(),
            LocationSource = location.Source,
        }));
        return new CommandProvider(shared, command ?? "", warning, location.Source);
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
            UnlockedRootKeys.Remove(location);
        }
    }

    /// <summary>Reads <see cref="EventSink"/> at each event, so a sink set later still receives events.</summary>
    private sealed class ForwardingSink : IStoreEventSink
    {
        public void OnEvent(StoreEvent storeEvent) => EventSink.OnEvent(storeEvent);
    }
}

/// <summary>A view of a provider that names the command of every call (for the audit log).</summary>
internal sealed class CommandProvider(IKeyStoreProvider inner, string command, Action<string>? warning = null, string? locationSource = null)
    : IKeyStoreProvider, ISidecarKeySource, IKeyTransfer, IDisposable
{
    byte[] ISidecarKeySource.DeriveSidecarKey() =>
        inner is ISidecarKeySource source ? Run(source.DeriveSidecarKey) : throw new NotSupportedException("This key store gives no sidecar key.");

    public string Command { get; } = command;

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

    public string Location => inner.Location;
    public EncKeyStoreInfo GetStoreInfo() => Run(inner.GetStoreInfo);
    public EncKeyStoreInfo CreateStore(ProtectionChange protection) => Run(() => inner.CreateStore(protection));
    public EncKey NewKey(NewKeyRequest request) => Run(() => inner.NewKey(request));
    public EncKey ImportKey(ImportKeyRequest request) => Run(() => inner.ImportKey(request));
    public EncKey GetKey(string keyIdentifier) => Run(() => inner.GetKey(keyIdentifier));
    public IReadOnlyList<EncKey> GetKeys() => Run(inner.GetKeys);
    public EncKey UpdateKey(string keyIdentifier, KeyUpdate update) => Run(() => inner.UpdateKey(keyIdentifier, update));
    public EncKey EnableKey(string keyIdentifier) => Run(() => inner.EnableKey(keyIdentifier));
    public EncKey DisableKey(string keyIdentifier) => Run(() => inner.DisableKey(keyIdentifier));
    public EncKey ScheduleKeyDeletion(string keyIdentifier, int pendingWindowInDays = LocalKeyStore.DefaultPendingWindowInDays) =>
        Run(() => inner.ScheduleKeyDeletion(keyIdentifier, pendingWindowInDays));
    public EncKey CancelKeyDeletion(string keyIdentifier) => Run(() => inner.CancelKeyDeletion(keyIdentifier));
    public EncKey RotateKey(string keyIdentifier) => Run(() => inner.RotateKey(keyIdentifier));
    public IReadOnlyList<EncKeyRotation> GetKeyRotations(string keyIdentifier) => Run(() => inner.GetKeyRotations(keyIdentifier));
    public EncKeyExport ExportKey(string keyIdentifier, int? version = null, bool publicKeyOnly = false) =>
        Run(() => inner.ExportKey(keyIdentifier, version, publicKeyOnly));
    public EncKey GetOrCreateDefaultKey() => Run(inner.GetOrCreateDefaultKey);
    private IKeyTransfer Transfer => inner as IKeyTransfer ?? throw new NotSupportedException("This key store cannot move keys or back up.");
    public EncKeyPackage ExportKeyPackage(string keyIdentifier) => Run(() => Transfer.ExportKeyPackage(keyIdentifier));
    public EncKey ImportKeyPackage(EncKeyPackage package) => Run(() => Transfer.ImportKeyPackage(package));
    public StoreBackupInfo Backup(Stream output, StoreBackupProtection protection) => Run(() => Transfer.Backup(output, protection));
    public EncKeyStoreInfo Restore(Stream input, StoreRestoreRequest request) => Run(() => Transfer.Restore(input, request));
    public EncKeyAlias NewAlias(string aliasName, string keyIdentifier) => Run(() => inner.NewAlias(aliasName, keyIdentifier));
    public EncKeyAlias SetAlias(string aliasName, string keyIdentifier) => Run(() => inner.SetAlias(aliasName, keyIdentifier));
    public EncKeyAlias RemoveAlias(string aliasName) => Run(() => inner.RemoveAlias(aliasName));
    public IReadOnlyList<EncKeyAlias> GetAliases() => Run(inner.GetAliases);
    public StoreCatalog PeekCatalog() => Run(inner.PeekCatalog);
    public IStoreKeyring CreateEncryptKeyring(IEnumerable<string> keyIdentifiers, StoreFileContext? fileContext = null) =>
        Run(() => inner.CreateEncryptKeyring(keyIdentifiers, fileContext));
    public IStoreKeyring CreateDecryptKeyring(IEnumerable<string>? restrictTo = null, StoreFileContext? fileContext = null) =>
        Run(() => inner.CreateDecryptKeyring(restrictTo, fileContext));
    public EncKeyPolicy GetKeyPolicy(string keyIdentifier) => Run(() => inner.GetKeyPolicy(keyIdentifier));
    public EncKeyPolicy PutKeyPolicy(string keyIdentifier, string policy, bool bypassLockoutSafetyCheck = false) =>
        Run(() => inner.PutKeyPolicy(keyIdentifier, policy, bypassLockoutSafetyCheck));
    public AccessDecision TestKeyAccess(string keyIdentifier, string action, string? principal = null, IReadOnlyDictionary<string, string>? encryptionContext = null) =>
        Run(() => inner.TestKeyAccess(keyIdentifier, action, principal, encryptionContext));
    public Grant CreateGrant(GrantRequest request) => Run(() => inner.CreateGrant(request));
    public IReadOnlyList<Grant> GetGrants(string? keyIdentifier = null, string? grantId = null, string? grantee = null) =>
        Run(() => inner.GetGrants(keyIdentifier, grantId, grantee));
    public Grant RevokeGrant(string keyIdentifier, string grantId) => Run(() => inner.RevokeGrant(keyIdentifier, grantId));
    public Grant RetireGrant(string grantId, string? keyIdentifier = null) => Run(() => inner.RetireGrant(grantId, keyIdentifier));
    public AuditVerification VerifyAuditLog() => Run(inner.VerifyAuditLog);
    public IReadOnlyList<AuditEvent> QueryAudit(AuditQuery? filter = null) => Run(() => inner.QueryAudit(filter));
    public EncKeyStoreInfo Unlock(ReadOnlySpan<char> password, TimeSpan? timeout = null)
    {
        var previous = StoreCall.CommandScope.Value;
        var previousSource = StoreCall.LocationSourceScope.Value;
        StoreCall.CommandScope.Value = string.IsNullOrEmpty(Command) ? previous : Command;
        StoreCall.LocationSourceScope.Value = locationSource ?? previousSource;
        try { return inner.Unlock(password, timeout); }
        finally
        {
            StoreCall.CommandScope.Value = previous;
            StoreCall.LocationSourceScope.Value = previousSource;
        }
    }
    public EncKeyStoreInfo Lock() => Run(inner.Lock);
    public EncKeyStoreInfo SetProtection(ProtectionChange change) => Run(() => inner.SetProtection(change));
}
