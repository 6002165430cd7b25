using System.Management.Automation;
using System.Security;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Unlocks a password-protected key store for this process until the timeout (default 15 minutes). Runbooks pass
/// -Password, or set ENCRYPTIONTOOLS_STORE_PASSWORD and need no unlock at all.
/// </summary>
[Cmdlet(VerbsCommon.Unlock, "EncKeyStore", HelpUri = HelpLinks.DocsBase + "Unlock-EncKeyStore.md")]
[OutputType(typeof(EncKeyStoreInfo))]
public sealed class UnlockEncKeyStoreCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public SecureString Password { get; set; } = new();

    /// <summary>How long the store stays unlocked in this process: a TimeSpan ('00:15:00') or seconds (900), as before.</summary>
    [Parameter]
    [DurationArgument]
    [ValidateDuration(1, 31_536_000)]
    public TimeSpan Timeout { get; set; } = LocalKeyStore.DefaultUnlockTimeout;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        ForItem(Store.Location, () =>
        {
            var chars = Passwords.ToChars(Password);
            try
            {
                var info = Store.Unlock(chars, Timeout);
                if (PassThru) WriteObject(info);
            }
            finally { Passwords.Clear(chars); }
        });
    }
}
