using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Forgets the unlocked root key of a password-protected store in this process, and closes the store's provider: its
/// cached document (key material included) and audit key are wiped, and the next command opens the store again.
/// </summary>
[Cmdlet(VerbsCommon.Lock, "EncKeyStore", HelpUri = HelpLinks.DocsBase + "Lock-EncKeyStore.md")]
[OutputType(typeof(EncKeyStoreInfo))]
public sealed class LockEncKeyStoreCommand : KeyStoreCmdlet
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var location = Store.Location;
        ForItem(location, () =>
        {
            var info = Store.Lock();
            KeyStoreProviders.Close(location);
            if (PassThru) WriteObject(info);
        });
    }
}
