using System.Management.Automation;
using EncryptionTools.Engine.Access;

namespace EncryptionTools.Module.Commands;

/// <summary>Retires a grant: its retiring principal, its grantee (when it includes RetireGrant) or the store owner may.</summary>
[Cmdlet(VerbsCommon.Remove, "EncKeyGrant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.DocsBase + "Remove-EncKeyGrant.md")]
[OutputType(typeof(Grant))]
public sealed class RemoveEncKeyGrantCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncGrantIdCompleter))]
    public string GrantId { get; set; } = "";

    /// <summary>The grant's key; optional (grant ids are unique), but checked when given.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string? KeyId { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"grant {GrantId}", "Retire grant")) return;
        ForItem(GrantId, () =>
        {
            var grant = Store.RetireGrant(GrantId, KeyId);
            if (PassThru) WriteObject(grant);
        });
    }
}
