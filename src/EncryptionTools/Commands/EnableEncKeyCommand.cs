using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Enables a disabled key so it encrypts and decrypts again.</summary>
[Cmdlet(VerbsLifecycle.Enable, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(EncKey))]
public sealed class EnableEncKeyCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in KeyId)
        {
            if (!ShouldProcess(id, "Enable key")) continue;
            ForItem(id, () =>
            {
                var key = Store.EnableKey(id);
                if (PassThru) WriteObject(key);
            });
        }
    }
}
