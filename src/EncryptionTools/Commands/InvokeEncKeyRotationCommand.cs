using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Rotates keys on demand: a new version encrypts from now on; every older version still decrypts.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "EncKeyRotation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(EncKey))]
public sealed class InvokeEncKeyRotationCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var id in KeyId)
        {
            if (!ShouldProcess(id, "Rotate key (new material encrypts from now on)")) continue;
            ForItem(id, () => WriteObject(Store.RotateKey(id)));
        }
    }
}
