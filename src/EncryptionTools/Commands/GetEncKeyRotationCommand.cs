using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Gets the rotation history of keys: one object per rotation (version 2 onwards).</summary>
[Cmdlet(VerbsCommon.Get, "EncKeyRotation", HelpUri = HelpLinks.DocsBase + "Get-EncKeyRotation.md")]
[OutputType(typeof(EncKeyRotation))]
public sealed class GetEncKeyRotationCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var id in KeyId)
            ForItem(id, () => WriteObject(Store.GetKeyRotations(id), enumerateCollection: true));
    }
}
