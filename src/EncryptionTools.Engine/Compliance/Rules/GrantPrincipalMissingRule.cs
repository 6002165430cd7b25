using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET3003: a grant whose grantee no longer exists. Not evaluated where no grantee's existence can be known.</summary>
internal sealed class GrantPrincipalMissingRule() : GrantRule(RuleId, "GrantPrincipalMissing", ComplianceSeverity.Medium,
    "A grant's grantee names an account or group that no longer exists (a later account of that name would inherit it).",
    "Revoke it with Revoke-EncKeyAccess.")
{
    public const string RuleId = "ET3003";

    private bool _anyResolved;

    public override void Check(Grant grant, ComplianceContext context)
    {
        var exists = context.Source.PrincipalExists(grant.GranteePrincipal);
        if (exists is not null) _anyResolved = true;
        if (exists != false) return;
        context.Report(this, ComplianceTargetKind.Grant, grant.GrantId,
            $"Grant {grant.GrantId} on key {grant.KeyId} is for {grant.GranteePrincipal}, which no longer exists: an account or group created later under that name would inherit it.",
            ComplianceRemediations.RevokeGrant(grant.KeyId, grant.GrantId, context.StorePath), grant.KeyId);
    }

    public override void Finish(IReadOnlyList<Grant> grants, ComplianceContext context)
    {
        if (!_anyResolved && grants.Count > 0)
            context.Skip("whether the grantees exist cannot be known on this platform", this);
    }
}
