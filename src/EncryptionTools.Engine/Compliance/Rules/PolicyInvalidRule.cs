namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET3004: a key policy that does not parse, found by reading it or because the store refused to list keys over it.</summary>
internal sealed class PolicyInvalidRule() : PolicyRule(RuleId, "PolicyInvalid", ComplianceSeverity.High,
    "A key policy does not parse as a key policy, so nothing it says can be evaluated.",
    "Replace it with a valid policy with Set-EncKeyPolicy.")
{
    public const string RuleId = "ET3004";

    public override bool NeedsParsedPolicy => false;

    public override void Check(KeyPolicyFacts policy, ComplianceContext context)
    {
        if (policy.Problem is null) return;
        context.Report(this, ComplianceTargetKind.Policy, policy.KeyId,
            $"The policy of key {policy.Described} is not a valid key policy: {policy.Problem}",
            ReplaceInvalidPolicy(policy.KeyId, context.StorePath), policy.KeyId);
    }

    public static Remediation ReplaceInvalidPolicy(string keyId, string? storePath) =>
        new(ComplianceRemediations.Command("Set-EncKeyPolicy", storePath, ComplianceRemediations.Word("KeyId", keyId),
            ComplianceRemediations.Placeholder("Policy", "<a valid policy document>")));
}
