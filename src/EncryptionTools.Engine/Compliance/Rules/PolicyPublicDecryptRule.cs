using System.Text.Json.Nodes;
using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET3001: a key policy that lets any principal decrypt (judged by the product's own policy evaluator).</summary>
internal sealed class PolicyPublicDecryptRule() : PolicyRule(RuleId, "PolicyPublicDecrypt", ComplianceSeverity.Critical,
    "A key policy allows kms:Decrypt to every principal ('*').",
    "Replace the policy with Set-EncKeyPolicy, without the statement that allows '*'.")
{
    public const string RuleId = "ET3001";

    /// <summary>A caller no policy names: a statement that lets it decrypt lets everyone decrypt.</summary>
    private static readonly CallerIdentity Anyone = new("enctools-compliance-any-principal-" + Guid.NewGuid().ToString("N"));

    public override void Check(KeyPolicyFacts policy, ComplianceContext context)
    {
        if (policy.Key is not { } key || policy.Policy is null || !KeyArn.TryParse(key.Arn, out var arn)) return;
        var decision = AccessEvaluator.Evaluate(new AccessRequest
        {
            Caller = Anyone,
            Action = KmsActions.Decrypt,
            Key = arn!,
            Policy = policy.Policy,
            EncryptionContext = Format.EncryptionContext.Empty,
        });
        if (!decision.IsAllowed) return;
        var fixedPolicy = decision.StatementIndex is { } index ? WithoutStatement(policy.Text!, index) : null;
        context.Report(this, ComplianceTargetKind.Policy, key.KeyId,
            $"The policy of key {policy.Described} lets any principal ('*') call kms:Decrypt: {decision.DecidedBy} allows it.",
            ReplacePolicy(key.KeyId, fixedPolicy, context.StorePath),
            key.KeyId);
    }

    /// <summary>The policy without the statement that allows '*' (given in full when it could be computed).</summary>
    public static Remediation ReplacePolicy(string keyId, string? policy, string? storePath) =>
        new(ComplianceRemediations.Command("Set-EncKeyPolicy", storePath, ComplianceRemediations.Word("KeyId", keyId),
            policy is null ? ComplianceRemediations.Placeholder("Policy", "<the policy without that statement>") : ComplianceRemediations.Text("Policy", policy)));

    /// <summary>The policy text without one statement (Statement may be one object or an array).</summary>
    private static string? WithoutStatement(string text, int index)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject root) return null;
            var statementKey = root.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, "Statement", StringComparison.OrdinalIgnoreCase));
            if (statementKey is null) return null;
            switch (root[statementKey])
            {
                case JsonArray array when index < array.Count:
                    array.RemoveAt(index);
                    break;
                case JsonObject when index == 0:
                    root[statementKey] = new JsonArray();
                    break;
                default:
                    return null;
            }
            return root.ToJsonString();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
