using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Cancels a scheduled key deletion; the key comes back Disabled (as KMS CancelKeyDeletion).</summary>
[Cmdlet(VerbsData.Restore, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(EncKey))]
public sealed class RestoreEncKeyCommand : KeyStoreCmdlet
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
            if (!ShouldProcess(id, "Cancel the scheduled deletion (the key stays Disabled)")) continue;
            ForItem(id, () =>
            {
                var key = Store.CancelKeyDeletion(id);
                if (PassThru) WriteObject(key);
            });
        }
    }
}
