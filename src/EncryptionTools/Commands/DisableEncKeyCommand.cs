using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Disables a key: it neither encrypts nor decrypts until Enable-EncKey.</summary>
[Cmdlet(VerbsLifecycle.Disable, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(EncKey))]
public sealed class DisableEncKeyCommand : KeyStoreCmdlet
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
            if (!ShouldProcess(id, "Disable key (files it protects cannot be decrypted until it is enabled)")) continue;
            ForItem(id, () =>
            {
                var key = Store.DisableKey(id);
                if (PassThru) WriteObject(key);
            });
        }
    }
}
