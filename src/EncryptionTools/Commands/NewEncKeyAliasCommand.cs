using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Creates an alias (alias/name) pointing to a key. Alias names are unique in a store.</summary>
[Cmdlet(VerbsCommon.New, "EncKeyAlias", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpLinks.DocsBase + "New-EncKeyAlias.md")]
[OutputType(typeof(EncKeyAlias))]
public sealed class NewEncKeyAliasCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [Alias("Name")]
    public string AliasName { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id", "TargetKeyId")]
    public string KeyId { get; set; } = "";

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(KeyId, $"Create alias '{Aliases.Normalize(AliasName)}'")) return;
        ForItem(AliasName, () => WriteObject(Store.NewAlias(AliasName, KeyId)));
    }
}
