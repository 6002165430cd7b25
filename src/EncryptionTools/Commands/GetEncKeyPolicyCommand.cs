using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Gets the key policy of keys: the policy object, or with -AsJson the document exactly as set.</summary>
[Cmdlet(VerbsCommon.Get, "EncKeyPolicy", HelpUri = HelpLinks.DocsBase + "Get-EncKeyPolicy.md")]
[OutputType(typeof(EncKeyPolicy))]
[OutputType(typeof(string))]
public sealed class GetEncKeyPolicyCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    /// <summary>Writes the policy document (a JSON string) instead of the policy object.</summary>
    [Parameter]
    public SwitchParameter AsJson { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in KeyId)
        {
            ForItem(id, () =>
            {
                var policy = Store.GetKeyPolicy(id);
                if (AsJson) WriteObject(policy.Policy);
                else WriteObject(policy);
            });
        }
    }
}
