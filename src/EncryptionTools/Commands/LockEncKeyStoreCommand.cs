using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Forgets the unlocked root key of a password-protected store in this process.</summary>
[Cmdlet(VerbsCommon.Lock, "EncKeyStore", HelpUri = HelpLinks.DocsBase + "Lock-EncKeyStore.md")]
[OutputType(typeof(EncKeyStoreInfo))]
public sealed class LockEncKeyStoreCommand : KeyStoreCmdlet
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        ForItem(Store.Location, () =>
        {
            var info = Store.Lock();
            if (PassThru) WriteObject(info);
        });
    }
}
