using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Unlocks a key store for this process until the timeout (default 15 minutes): a password store with its password,
/// an AWS KMS store with one kms:Decrypt now. Runbooks pass -Password, or set ENCRYPTIONTOOLS_STORE_PASSWORD and need
/// no unlock at all.
/// </summary>
[Cmdlet(VerbsCommon.Unlock, "EncKeyStore", HelpUri = HelpLinks.DocsBase + "Unlock-EncKeyStore.md")]
[OutputType(typeof(EncKeyStoreInfo))]
public sealed class UnlockEncKeyStoreCommand : KeyStoreCmdlet
{
    /// <summary>Not mandatory: only a password store needs it, and the host is asked for it then (masked) when it can ask.</summary>
    [Parameter(Position = 0)]
    public SecureString? Password { get; set; }

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
            EncKeyStoreInfo info;
            try { info = Unlock(Password); }
            catch (EncryptionToolsException ex) when (Password is null && ex.ErrorId == ErrorCatalog.StorePasswordRequired.Id)
            {
                info = Unlock(AskForPassword(ex));
            }
            if (PassThru) WriteObject(info);
        });
    }

    private EncKeyStoreInfo Unlock(SecureString? password)
    {
        var chars = password is null ? [] : Passwords.ToChars(password);
        try { return Store.Unlock(chars, Timeout); }
        finally { Passwords.Clear(chars); }
    }

    /// <summary>The password from the host, as PowerShell asks for a mandatory SecureString; a host that cannot ask
    /// (-NonInteractive, a hosted runspace) leaves the engine's StorePasswordRequired error standing.</summary>
    private SecureString AskForPassword(EncryptionToolsException required)
    {
        var field = new FieldDescription(nameof(Password));
        field.SetParameterType(typeof(SecureString));
        try
        {
            var answers = Host.UI.Prompt("Unlock-EncKeyStore", $"The password of the key store '{UntrustedText.Neutralize(Store.Location)}'",
                new Collection<FieldDescription> { field });
            if (answers is not null && answers.TryGetValue(nameof(Password), out var answer) && answer?.BaseObject is SecureString secure)
                return secure;
        }
        catch (Exception ex) when (ex is HostException or PSInvalidOperationException or NotImplementedException or NotSupportedException) { }
        throw required;
    }
}
