using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Disables a key: it neither encrypts nor decrypts until Enable-EncKey.</summary>
[Cmdlet(VerbsLifecycle.Disable, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.DocsBase + "Disable-EncKey.md")]
[OutputType(typeof(EncKey))]
public sealed class DisableEncKeyCommand : KeyStateCmdlet
{
    protected override string Action => "Disable key (files it protects cannot be decrypted until it is enabled)";

    protected override EncKey Apply(string keyIdentifier) => Store.DisableKey(keyIdentifier);
}
