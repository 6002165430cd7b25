using System.Management.Automation;
using System.Security;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Creates an empty key store on purpose, with the root-key protection asked for. Commands that only use keys never
/// create a store at a named location, so this (or New-EncKey) is how a store comes into being there.
/// Without -Path or -LiteralPath: ENCRYPTIONTOOLS_STORE, else the per-user default store.
/// </summary>
[Cmdlet(VerbsCommon.New, "EncKeyStore", SupportsShouldProcess = true, DefaultParameterSetName = PathSet, HelpUri = HelpLinks.DocsBase + "New-EncKeyStore.md")]
[OutputType(typeof(EncKeyStoreInfo))]
public sealed class NewEncKeyStoreCommand : EncryptionToolsCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>The store directory. It need not exist (a new store usually does not), so wildcards are expanded only
    /// when the path has some, and then must match existing directories.</summary>
    [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("StorePath")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    /// <summary>File (root.key beside the store, the default on Linux and macOS), Dpapi (Windows, the default there),
    /// Password (the root key wrapped under a password; -Password is then required) or AwsKms (the root key wrapped by an
    /// AWS KMS key; -KmsKeyId is then required).</summary>
    [Parameter]
    public StoreProtection? Protection { get; set; }

    /// <summary>The store password (password mode; implies -Protection Password).</summary>
    [Parameter]
    public SecureString? Password { get; set; }

    [Parameter]
    [ValidateRange(600_000, LocalKeyStore.MaxPasswordIterations)]
    public int? PasswordIterations { get; set; }

    /// <summary>The AWS KMS key (key ARN or alias ARN) that wraps the root key; implies -Protection AwsKms.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KmsKeyId { get; set; }

    protected override void ProcessRecord()
    {
        if (!IsKmsKeyIdValid(KmsKeyId)) return;
        foreach (var location in Locations())
        {
            var mode = Protection ?? (KmsKeyId is not null ? StoreProtection.AwsKms : Password is not null ? StoreProtection.Password : DefaultProtection);
            var what = $"Create a key store protected by {mode}{(KmsKeyId is null ? "" : " key " + KmsKeyId.Trim())}";
            if (!ShouldProcess(location ?? StoreLocation.Resolve(null), what)) continue;
            var store = KeyStoreProviders.Get(location, MyInvocation.MyCommand.Name);
            var password = Password is null ? null : Passwords.ToChars(Password);
            try
            {
                WriteObject(store.CreateStore(new ProtectionChange
                {
                    Protection = Protection,
                    NewPassword = password,
                    PasswordIterations = PasswordIterations,
                    KmsKeyId = KmsKeyId?.Trim(),
                }));
            }
            catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
            {
                WriteEngineError(ex, store.Location);
            }
            finally { Passwords.Clear(password); }
        }
    }

    private static StoreProtection DefaultProtection => OperatingSystem.IsWindows() ? StoreProtection.Dpapi : StoreProtection.File;

    /// <summary>The locations asked for (null: ENCRYPTIONTOOLS_STORE, else the per-user default).</summary>
    private IEnumerable<string?> Locations()
    {
        var literal = ParameterSetName == LiteralPathSet;
        var paths = literal ? LiteralPath! : Path;
        if (paths is null)
        {
            yield return null;
            yield break;
        }
        foreach (var location in ResolveFileSystemPaths(paths, literal, mustExist: false)) yield return location;
    }
}
