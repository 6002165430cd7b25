using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET3002: a grant for cryptographic operations without an encryption context constraint, when the profile requires one.</summary>
internal sealed class GrantWithoutConstraintsRule() : GrantRule(RuleId, "GrantWithoutConstraints", ComplianceSeverity.Medium,
    "A grant for cryptographic operations has no encryption context constraint, and the profile requires one (RequireGrantConstraints).",
    "Revoke it with Revoke-EncKeyAccess and grant again with -EncryptionContextSubset or -EncryptionContextEquals.")
{
    public const string RuleId = "ET3002";

    public override void Check(Grant grant, ComplianceContext context)
    {
        if (!context.Profile.RequireGrantConstraints || grant.Constraints is not null) return;
        var cryptographic = grant.Operations.Where(o => !GrantOperations.IgnoresConstraints(o) && KmsActions.TakesEncryptionContext.Contains(o.ToAction())).ToList();
        if (cryptographic.Count == 0) return;
        context.Report(this, ComplianceTargetKind.Grant, grant.GrantId,
            $"Grant {grant.GrantId}{(grant.Name is null ? "" : $" ('{grant.Name}')")} on key {grant.KeyId} lets {grant.GranteePrincipal} {string.Join(", ", cryptographic)} under any encryption context.",
            RegrantWithConstraint(grant.KeyId, grant.GrantId, grant.GranteePrincipal.ToString(), grant.Operations,
                context.Profile.RequiredEncryptionContextKeys, context.StorePath),
            grant.KeyId);
    }

    /// <summary>Revoke, then grant the same operations again under an encryption context constraint.</summary>
    public static Remediation RegrantWithConstraint(string keyId, string grantId, string grantee, IReadOnlyList<GrantOperation> operations,
        IReadOnlyList<string> requiredContextKeys, string? storePath)
    {
        var entries = requiredContextKeys.Count > 0
            ? requiredContextKeys.Select(k => new RemediationEntry(k, "<value>", IsPlaceholder: true)).ToList()
            : [new RemediationEntry("<key>", "<value>", IsPlaceholder: true)];
        return new([.. ComplianceRemediations.RevokeGrant(keyId, grantId, storePath).Commands,
            ComplianceRemediations.Command("Grant-EncKeyAccess", storePath, ComplianceRemediations.Word("KeyId", keyId), ComplianceRemediations.Text("Grantee", grantee),
                RemediationArgument.List("Operation", operations.Select(o => o.ToString())), RemediationArgument.Hashtable("EncryptionContextSubset", entries))]);
    }
}
