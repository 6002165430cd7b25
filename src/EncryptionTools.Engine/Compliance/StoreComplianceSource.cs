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
/// Grants and audit-log verification are not part of <see cref="IKeyStoreProvider"/> yet: <see cref="ReadGrants"/> and
/// <see cref="ReadAuditVerification"/> are the seam. WIRED WHEN THE ACCESS BRANCH LANDS: the default of
/// <see cref="ReadGrants"/> becomes <c>store.GetGrants(null, null, null)</c> and that of
/// <see cref="ReadAuditVerification"/> becomes <c>store.VerifyAuditLog()</c>. Until then both return null ("not
/// available") and the rules that need them are reported as not evaluated.
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

    /// <summary>The store's grants; null: not available.</summary>
    public Func<IKeyStoreProvider, IReadOnlyList<Grant>?> ReadGrants { get; init; } = store => store.GetGrants();

    /// <summary>The store's audit-log verification; null: not available.</summary>
    public Func<IKeyStoreProvider, AuditVerification?> ReadAuditVerification { get; init; } = store => store.VerifyAuditLog();

    public string Location => _store.Location;

    public EncKeyStoreInfo GetStoreInfo() => _store.GetStoreInfo();

    public IReadOnlyList<EncKey> GetKeys() => _store.GetKeys();

    public IReadOnlyList<EncKeyAlias> GetAliases() => _store.GetAliases();

    /// <summary>The store keeps the policy text on the key; keys created without one carry the rendered default policy.</summary>
    public virtual string GetKeyPolicy(EncKey key) => key.Policy;

    public IReadOnlyList<Grant>? GetGrants() => ReadGrants(_store);

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
                return [new PermissionIssue(directory, ex.Message, "icacls " + StorePermissions.ShellQuote(directory) + " /inheritance:r /grant:r \"${env:USERNAME}:(OI)(CI)F\"")];
            }
        }
        const UnixFileMode groupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var issues = new List<PermissionIssue>();
        var dirMode = File.GetUnixFileMode(directory);
        if ((dirMode & groupOrOthers) != 0)
            issues.Add(new PermissionIssue(directory, $"the directory has mode {Octal(dirMode)}", "chmod 700 " + StorePermissions.ShellQuote(directory)));
        foreach (var name in new[] { StoreFiles.DescriptorFile, StoreFiles.DataFile, StoreFiles.RootKeyFile, StoreFiles.LockFile })
        {
            var file = Path.Combine(directory, name);
            if (!File.Exists(file)) continue;
            var mode = File.GetUnixFileMode(file);
            if ((mode & groupOrOthers) != 0)
                issues.Add(new PermissionIssue(file, $"'{name}' has mode {Octal(mode)}", "chmod 600 " + StorePermissions.ShellQuote(file)));
        }
        return issues;
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);

    public KeyVersionRef? Identify(EncryptedDataKey edk)
    {
        IStoreKeyring keyring;
        lock (_gate) keyring = _keyring ??= _store.CreateDecryptKeyring();
        return keyring.Identify(edk);
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
