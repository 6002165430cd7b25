using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Deletes aliases; the keys they pointed to are not affected.</summary>
[Cmdlet(VerbsCommon.Remove, "EncKeyAlias", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.DocsBase + "Remove-EncKeyAlias.md")]
[OutputType(typeof(EncKeyAlias))]
public sealed class RemoveEncKeyAliasCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EncKeyAliasCompleter))]
    [Alias("Name")]
    public string[] AliasName { get; set; } = [];

    /// <summary>Writes the removed alias.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var name in AliasName)
        {
            if (!ShouldProcess(Aliases.Normalize(name), "Delete alias")) continue;
            ForItem(name, () =>
            {
                var removed = Store.RemoveAlias(name);
                if (PassThru) WriteObject(removed);
            });
        }
    }
}
