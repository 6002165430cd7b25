using System.Text.Json.Nodes;

namespace EncryptionTools.Engine.Access;

/// <summary>The default key policy the store writes, and the lockout safety check Set-EncKeyPolicy runs before it stores a policy.</summary>
internal static class KeyPolicies
{
    public const string DefaultPolicyId = "enctools-default-key-policy";
    public const string DefaultStatementSid = "Enable full control for the key creator and the store owner";

    /// <summary>
    /// The policy a new key gets when none is given, in the spirit of KMS's default key policy (which gives the owning
    /// account full access): one statement allowing kms:* on the key to its creator and the store owner, named as policy
    /// principals (a bare name becomes "user:&lt;name&gt;"), each once. The store writes exactly this text.
    /// </summary>
    public static string Default(string creator, string owner)
    {
        var principals = new[] { creator, owner }.Where(n => !string.IsNullOrEmpty(n))
            .Select(n => n.Contains(':', StringComparison.Ordinal) ? n : "user:" + n).Distinct(StringComparer.Ordinal).ToArray();
        var policy = new JsonObject
        {
            ["Version"] = KeyPolicy.CurrentVersion,
            ["Id"] = DefaultPolicyId,
            ["Statement"] = new JsonArray(
                new JsonObject
                {
                    ["Sid"] = DefaultStatementSid,
                    ["Effect"] = "Allow",
                    ["Principal"] = new JsonObject
                    {
                        ["EncTools"] = principals.Length == 1 ? JsonValue.Create(principals[0]) : new JsonArray(principals.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray()),
                    },
                    ["Action"] = "kms:*",
                    ["Resource"] = "*",
                }),
        };
        return policy.ToJsonString();
    }

    /// <summary>The user name used in policies and history: DOMAIN\user on Windows, user elsewhere.</summary>
    public static string CurrentUser() =>
        OperatingSystem.IsWindows() && !string.IsNullOrEmpty(Environment.UserDomainName)
            ? Environment.UserDomainName + "\\" + Environment.UserName
            : Environment.UserName;

    /// <summary>
    /// KMS's policy lockout safety check, for a local store: the new policy must let at least one of
    /// <paramref name="principals"/> (the store owner and the caller) perform kms:PutKeyPolicy on the key, so that
    /// someone can change it again. Grants cannot give kms:PutKeyPolicy, so only the policy counts. Throws
    /// <see cref="KeyPolicyLockoutException"/> unless <paramref name="bypass"/> (-BypassLockoutSafetyCheck).
    /// Returns the decision that passed, or null when bypassed without any principal passing.
    /// </summary>
    public static AccessDecision? CheckLockout(KeyPolicy policy, KeyArn key, IEnumerable<CallerIdentity> principals, bool bypass = false)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(key);
        var checkedPrincipals = new List<string>();
        foreach (var principal in principals)
        {
            var decision = AccessEvaluator.Evaluate(new AccessRequest { Caller = principal, Action = KmsActions.PutKeyPolicy, Key = key, Policy = policy });
            if (decision.IsAllowed) return decision;
            checkedPrincipals.Add(principal.Primary.ToString());
        }
        if (bypass) return null;
        throw new KeyPolicyLockoutException(
            $"The policy would leave no one able to change it: neither {string.Join(" nor ", checkedPrincipals.Distinct())} would be allowed "
            + $"{KmsActions.PutKeyPolicy} on key {key}. Add a statement that allows it, or use -BypassLockoutSafetyCheck if you mean it.");
    }
}
