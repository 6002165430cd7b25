using System.Management.Automation;
using System.Security;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Recreates a key store from a Backup-EncKeyStore file at -StorePath (which must hold no store): the same store id,
/// keys with every version, aliases, policies, grants and audit log, under a new root key protected as asked.
/// </summary>
[Cmdlet(VerbsData.Restore, "EncKeyStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet,
    HelpUri = HelpLinks.DocsBase + "Restore-EncKeyStore.md")]
[OutputType(typeof(EncKeyStoreInfo))]
public sealed class RestoreEncKeyStoreCommand : KeyStoreCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>The backup file.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    /// <summary>The backup's password.</summary>
    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary>A key store holding the private key of an RSA recipient of the backup (its keys may open it).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyStorePath { get; set; }

    /// <summary>The restored store's root-key protection: File, Dpapi, Password (with -StorePassword) or AwsKms (with -KmsKeyId).</summary>
    [Parameter]
    public StoreProtection? Protection { get; set; }

    /// <summary>The AWS KMS key (key ARN or alias ARN) that wraps the restored store's root key; implies -Protection AwsKms.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KmsKeyId { get; set; }

    /// <summary>The restored store's password (implies -Protection Password).</summary>
    [Parameter]
    public SecureString? StorePassword { get; set; }

    [Parameter]
    [ValidateRange(600_000, LocalKeyStore.MaxPasswordIterations)]
    public int? StorePasswordIterations { get; set; }

    protected override void ProcessRecord()
    {
        if (!IsKmsKeyIdValid(KmsKeyId)) return;
        var literal = ParameterSetName == LiteralPathSet;
        foreach (var source in ResolveFileSystemPaths([literal ? LiteralPath : Path], literal))
        {
            if (!ShouldProcess(Store.Location, $"Restore the key store from the backup '{source}'")) continue;
            var password = Password is null ? null : Passwords.ToChars(Password);
            var storePassword = StorePassword is null ? null : Passwords.ToChars(StorePassword);
            ForItem(source, () =>
            {
                IStoreKeyring? keyring = null;
                try
                {
                    if (KeyStorePath is not null)
                        keyring = KeyStoreProviders.Get(ResolveStorePath(KeyStorePath), MyInvocation.MyCommand.Name).CreateDecryptKeyring();
                    using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read);
                    WriteObject(((IKeyTransfer)Store).Restore(input, new StoreRestoreRequest
                    {
                        Password = password,
                        Keyrings = keyring is null ? [] : [keyring],
                        Protection = new ProtectionChange
                        {
                            Protection = Protection ?? (KmsKeyId is not null ? StoreProtection.AwsKms : storePassword is not null ? StoreProtection.Password : null),
                            NewPassword = storePassword,
                            PasswordIterations = StorePasswordIterations,
                            KmsKeyId = KmsKeyId?.Trim(),
                        },
                    }));
                }
                finally
                {
                    keyring?.Dispose();
                    Passwords.Clear(password);
                    Passwords.Clear(storePassword);
                }
            });
        }
    }
}
