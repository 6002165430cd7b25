using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Enables a disabled key so it encrypts and decrypts again.</summary>
[Cmdlet(VerbsLifecycle.Enable, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.DocsBase + "Enable-EncKey.md")]
[OutputType(typeof(EncKey))]
public sealed class EnableEncKeyCommand : KeyStateCmdlet
{
    protected override string Action => "Enable key";

    protected override EncKey Apply(string keyIdentifier) => Store.EnableKey(keyIdentifier);
}
