using System.Management.Automation;
using EncryptionTools.Engine.Access;

namespace EncryptionTools.Module.Commands;

/// <summary>Revokes (deletes) a grant; needs kms:RevokeGrant on its key.</summary>
[Cmdlet(VerbsSecurity.Revoke, "EncKeyAccess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = HelpLinks.DocsBase + "Revoke-EncKeyAccess.md")]
[OutputType(typeof(Grant))]
public sealed class RevokeEncKeyAccessCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string KeyId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncGrantIdCompleter))]
    public string GrantId { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"grant {GrantId} on key {KeyId}", "Revoke grant (its grantee loses what it allowed)")) return;
        ForItem(GrantId, () =>
        {
            var grant = Store.RevokeGrant(KeyId, GrantId);
            if (PassThru) WriteObject(grant);
        });
    }
}
