using System.Management.Automation;
using System.Security;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Unlocks a password-protected key store for this process until the timeout (default 900 seconds). Runbooks pass
/// -Password, or set ENCRYPTIONTOOLS_STORE_PASSWORD and need no unlock at all.
/// </summary>
[Cmdlet(VerbsCommon.Unlock, "EncKeyStore", HelpUri = HelpLinks.DocsBase + "Unlock-EncKeyStore.md")]
[OutputType(typeof(EncKeyStoreInfo))]
public sealed class UnlockEncKeyStoreCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public SecureString Password { get; set; } = new();

    /// <summary>Seconds the store stays unlocked in this process.</summary>
    [Parameter]
    [ValidateRange(1, 31_536_000)]
    public int Timeout { get; set; } = (int)LocalKeyStore.DefaultUnlockTimeout.TotalSeconds;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        ForItem(Store.Location, () =>
        {
            var chars = Passwords.ToChars(Password);
            try
            {
                var info = Store.Unlock(chars, TimeSpan.FromSeconds(Timeout));
                if (PassThru) WriteObject(info);
            }
            finally { Passwords.Clear(chars); }
        });
    }
}
