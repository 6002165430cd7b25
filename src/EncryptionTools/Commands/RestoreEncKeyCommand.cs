using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Cancels a scheduled key deletion; the key comes back Disabled (as KMS CancelKeyDeletion).</summary>
[Cmdlet(VerbsData.Restore, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.DocsBase + "Restore-EncKey.md")]
[OutputType(typeof(EncKey))]
public sealed class RestoreEncKeyCommand : KeyStateCmdlet
{
    protected override string Action => "Cancel the scheduled deletion (the key stays Disabled)";

    protected override EncKey Apply(string keyIdentifier) => Store.CancelKeyDeletion(keyIdentifier);
}
