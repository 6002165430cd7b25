using System.Management.Automation;
using EncryptionTools.Engine.Access;

namespace EncryptionTools.Module.Commands;

/// <summary>Lists grants, by key, grant id and grantee.</summary>
[Cmdlet(VerbsCommon.Get, "EncKeyGrant", HelpUri = HelpLinks.DocsBase + "Get-EncKeyGrant.md")]
[OutputType(typeof(Grant))]
public sealed class GetEncKeyGrantCommand : KeyStoreCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[]? KeyId { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(EncGrantIdCompleter))]
    public string? GrantId { get; set; }

    [Parameter]
    [Alias("Grantee")]
    public string? GranteePrincipal { get; set; }

    protected override void ProcessRecord()
    {
        if (KeyId is null || KeyId.Length == 0)
        {
            ForItem(null, () => WriteObject(Store.GetGrants(null, GrantId, GranteePrincipal), enumerateCollection: true));
            return;
        }
        foreach (var id in KeyId)
            ForItem(id, () => WriteObject(Store.GetGrants(id, GrantId, GranteePrincipal), enumerateCollection: true));
    }
}
