using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance;

/// <summary>
/// <see cref="IComplianceSource"/> over a key store provider: keys, aliases, store information, key policies (the
/// stored text, or the default policy the store renders for keys without one), EDK identification through the store's
/// decrypt keyring (<see cref="IStoreKeyring.Identify"/>), owner-only permissions, and principals through an
/// <see cref="IPrincipalResolver"/>.
/// <para>
/// The store enforces key policies and grants on every call, so everything is read as the caller: keys the caller may
/// not describe are not listed, and a store that cannot be opened (locked, open to other users, a stored policy that does
/// not parse) throws an <see cref="EncryptionToolsException"/> from <see cref="GetKeys"/>, <see cref="GetGrants"/> and
/// <see cref="VerifyAuditLog"/>, which the engine reports as the reason the rules that need it were not evaluated.
/// A location where no store exists has no keys, no grants and no audit log (<see cref="VerifyAuditLog"/> returns null).
/// </para>
/// </summary>
public class StoreComplianceSource : IComplianceSource, IDisposable
{
    private readonly IKeyStoreProvider _store;
    private readonly IPrincipalResolver? _resolver;
    private readonly object _gate = new();
    private IStoreKeyring? _keyring;

    public StoreComplianceSource(IKeyStoreProvider store, IPrincipalResolver? resolver = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _resolver = resolver;
    }

    /// <summary>The store's grants (those on keys the caller may list grants of); null: not available. A seam for other sources.</summary>
    public Func<IKeyStoreProvider, IReadOnlyList<Grant>?> ReadGrants { get; init; } = store => store.GetGrants();

    /// <summary>The store's audit-log verification; null: not available (no store exists at the location).</summary>
    public Func<IKeyStoreProvider, AuditVerification?> ReadAuditVerification { get; init; } = VerifyStoreAuditLog;

    private static AuditVerification? VerifyStoreAuditLog(IKeyStoreProvider store)
    {
        try
        {
            return store.VerifyAuditLog();
        }
        catch (KeyStoreException ex) when (ex.ErrorId == StoreErrorIds.StoreNotFound && !store.GetStoreInfo().Exists)
        {
            return null; // nothing to audit
        }
    }

    public string Location => _store.Location;

    public EncKeyStoreInfo GetStoreInfo() => _store.GetStoreInfo();

    public IReadOnlyList<EncKey> GetKeys() => OrEmpty(_store.GetKeys, []);

    public IReadOnlyList<EncKeyAlias> GetAliases() => OrEmpty(_store.GetAliases, []);

    /// <summary>A named location without a store reads as an empty store here: the report says there is no store
    /// (its rules are skipped with that reason), and checking never creates one.</summary>
    private T OrEmpty<T>(Func<T> read, T empty)
    {
        try { return read(); }
        catch (KeyStoreException ex) when (ex.ErrorId == StoreErrorIds.StoreNotFound && !_store.GetStoreInfo().Exists) { return empty; }
    }

    /// <summary>The store keeps the policy text on the key; keys created without one carry the rendered default policy.</summary>
    public virtual string GetKeyPolicy(EncKey key) => (key ?? throw new ArgumentNullException(nameof(key))).Policy;

    public IReadOnlyList<Grant>? GetGrants() => OrEmpty(() => ReadGrants(_store), []);

    public AuditVerification? VerifyAuditLog() => ReadAuditVerification(_store);

    public virtual IReadOnlyList<PermissionIssue>? CheckPermissions()
    {
        var directory = _store.Location;
        if (!Directory.Exists(directory)) return [];
        if (OperatingSystem.IsWindows())
        {
            try
            {
                StorePermissions.Check(directory);
                return [];
            }
            catch (KeyStoreException ex) when (ex.ErrorId == StoreErrorIds.StorePermissions)
            {
                return [new PermissionIssue(directory, ex.Message, ComplianceRemediations.OwnerOnlyAcl(directory))];
            }
        }
        const UnixFileMode groupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var issues = new List<PermissionIssue>();
        var dirMode = File.GetUnixFileMode(directory);
        if ((dirMode & groupOrOthers) != 0)
            issues.Add(new PermissionIssue(directory, $"the directory has mode {Octal(dirMode)}", ComplianceRemediations.ChangeMode(700, directory)));
        foreach (var name in new[] { StoreFiles.DescriptorFile, StoreFiles.DataFile, StoreFiles.RootKeyFile, StoreFiles.LockFile })
        {
            var file = Path.Combine(directory, name);
            if (!File.Exists(file)) continue;
            var mode = File.GetUnixFileMode(file);
            if ((mode & groupOrOthers) != 0)
                issues.Add(new PermissionIssue(file, $"'{name}' has mode {Octal(mode)}", ComplianceRemediations.ChangeMode(600, file)));
        }
        return issues;
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);

    public KeyVersionRef? Identify(EncryptedDataKey edk)
    {
        IStoreKeyring? keyring;
        lock (_gate) keyring = _keyring ??= OrEmpty<IStoreKeyring?>(() => _store.CreateDecryptKeyring(), null);
        return keyring?.Identify(edk);
    }

    public bool? PrincipalExists(Principal principal) => _resolver?.Exists(principal);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        lock (_gate)
        {
            _keyring?.Dispose();
            _keyring = null;
        }
    }
}
