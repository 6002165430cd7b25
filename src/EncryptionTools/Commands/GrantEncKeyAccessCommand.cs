using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine.Access;

namespace EncryptionTools.Module.Commands;

/// <summary>Creates a grant: a principal may perform some operations with a key, optionally only under an encryption context.</summary>
[Cmdlet(VerbsSecurity.Grant, "EncKeyAccess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.DocsBase + "Grant-EncKeyAccess.md")]
[OutputType(typeof(Grant))]
public sealed class GrantEncKeyAccessCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    [Parameter(Mandatory = true, Position = 1)]
    [Alias("Grantee")]
    public string GranteePrincipal { get; set; } = "";

    [Parameter(Mandatory = true, Position = 2)]
    public GrantOperation[] Operation { get; set; } = [];

    [Parameter]
    [ArgumentCompleter(typeof(EncryptionContextCompleter))]
    public Hashtable? EncryptionContextSubset { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(EncryptionContextCompleter))]
    public Hashtable? EncryptionContextEquals { get; set; }

    [Parameter]
    public string? RetiringPrincipal { get; set; }

    [Parameter]
    [ValidateLength(1, Grant.MaxNameLength)]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in KeyId)
        {
            ForItem(id, () =>
            {
                var request = new GrantRequest(id, Principal.Parse(GranteePrincipal), Operation)
                {
                    RetiringPrincipal = RetiringPrincipal is null ? null : Principal.Parse(RetiringPrincipal),
                    Constraints = GrantConstraints.From(AccessArguments.Context(EncryptionContextSubset), AccessArguments.Context(EncryptionContextEquals)),
                    Name = Name,
                };
                if (!ShouldProcess(id, $"Grant {request.GranteePrincipal} {string.Join(", ", Operation)}" + (request.Constraints is null ? "" : $" with {request.Constraints}")))
                    return;
                WriteObject(Store.CreateGrant(request));
            });
        }
    }
}
