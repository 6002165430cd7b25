using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Re-points an existing alias to another key.</summary>
[Cmdlet(VerbsCommon.Set, "EncKeyAlias", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.DocsBase + "Set-EncKeyAlias.md")]
[OutputType(typeof(EncKeyAlias))]
public sealed class SetEncKeyAliasCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EncKeyAliasCompleter))]
    [Alias("Name")]
    public string AliasName { get; set; } = "";

    /// <summary>The key the alias will point to.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id", "TargetKeyId")]
    public string KeyId { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(Aliases.Normalize(AliasName), $"Point alias to key '{KeyId}'")) return;
        ForItem(AliasName, () =>
        {
            var alias = Store.SetAlias(AliasName, KeyId);
            if (PassThru) WriteObject(alias);
        });
    }
}
