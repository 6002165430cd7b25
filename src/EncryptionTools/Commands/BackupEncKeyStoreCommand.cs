using System.Management.Automation;
using System.Security;
using EncryptionTools.Engine;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Writes an encrypted backup of the whole key store: every key (exportable or not) with all versions, aliases,
/// policies, grants and the audit log, encrypted under a password, RSA public keys (of a key in the store that will
/// restore it), or both. Restore-EncKeyStore recreates the store from it.
/// </summary>
[Cmdlet(VerbsData.Backup, "EncKeyStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet,
    HelpUri = HelpLinks.DocsBase + "Backup-EncKeyStore.md")]
[OutputType(typeof(StoreBackupInfo))]
public sealed class BackupEncKeyStoreCommand : KeyStoreCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>The backup file to write (a new file unless -Force). Wildcards must match one existing directory's file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    /// <summary>Encrypts the backup under this password (PBKDF2-HMAC-SHA512).</summary>
    [Parameter]
    public SecureString? Password { get; set; }

    [Parameter]
    [ValidateRange(600_000, LocalKeyStore.MaxPasswordIterations)]
    public int? PasswordIterations { get; set; }

    /// <summary>RSA public keys to encrypt the backup to: PEM file paths, PEM text, or Export-EncKey -PublicKeyOnly output.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? RecipientPublicKey { get; set; }

    /// <summary>Overwrites an existing backup file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (Password is null && RecipientPublicKey is null)
        {
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Give -Password, -RecipientPublicKey or both: a backup is always encrypted."),
                ErrorCatalog.StoreBackupProtectionMissing.Id, ErrorCategory.InvalidArgument, null));
        }
        var literal = ParameterSetName == LiteralPathSet;
        var destination = ResolveFileSystemPaths([literal ? LiteralPath : Path], literal, mustExist: false).FirstOrDefault();
        if (destination is null) return;
        if (!ShouldProcess(destination, $"Write an encrypted backup of the key store '{Store.Location}', every key's material included")) return;
        var password = Password is null ? null : Passwords.ToChars(Password);
        ForItem(destination, () =>
        {
            try
            {
                var pems = RecipientPems();
                if (File.Exists(destination) && !Force) throw new DestinationExistsException(destination);
                using var file = AtomicFile.Create(destination, overwrite: Force, unnamed: true);
                var info = ((IKeyTransfer)Store).Backup(file.Stream, new StoreBackupProtection
                {
                    Password = password,
                    PasswordIterations = PasswordIterations,
                    RecipientPems = pems,
                });
                file.Commit();
                WriteObject(info with { Path = destination });
            }
            finally { Passwords.Clear(password); }
        });
    }

    private List<string> RecipientPems()
    {
        var pems = new List<string>();
        foreach (var raw in RecipientPublicKey ?? [])
        {
            switch (raw is PSObject ps ? ps.BaseObject : raw)
            {
                case EncKeyExport { PublicKeyPem: { } pem }:
                    pems.Add(pem);
                    break;
                case FileInfo info:
                    pems.Add(File.ReadAllText(info.FullName));
                    break;
                case string text when text.Contains("-----BEGIN", StringComparison.Ordinal):
                    pems.Add(text);
                    break;
                case string text:
                    pems.Add(File.ReadAllText(SessionState.Path.GetUnresolvedProviderPathFromPSPath(text)));
                    break;
                default:
                    throw new PSArgumentException($"-RecipientPublicKey does not take a {raw?.GetType().Name ?? "null"}: give PEM file paths, PEM text or Export-EncKey -PublicKeyOnly output.", "RecipientPublicKey");
            }
        }
        return pems;
    }
}
