using System.Text;
using System.Text.Json;

namespace EncryptionTools.Engine.Access;

/// <summary>The default key policy, and the lockout safety check Set-EncKeyPolicy runs before it stores a policy.</summary>
public static class KeyPolicies
{
    public const string DefaultPolicyId = "enctools-default-key-policy";
    public const string DefaultStatementSid = "Enable full control for the key creator and the store owner";

    /// <summary>
    /// The policy a new key gets when none is given: one statement allowing <c>kms:*</c> on the key to its creator and the
    /// store owner, in the spirit of KMS's default key policy (which gives the owning account full access).
    /// </summary>
    public static KeyPolicy CreateDefault(Principal creator, Principal storeOwner)
    {
        ArgumentNullException.ThrowIfNull(creator);
        ArgumentNullException.ThrowIfNull(storeOwner);
        var principals = new[] { creator, storeOwner }.Distinct().Select(p => p.ToString()).ToArray();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("Version", KeyPolicy.CurrentVersion);
            w.WriteString("Id", DefaultPolicyId);
            w.WriteStartArray("Statement");
            w.WriteStartObject();
            w.WriteString("Sid", DefaultStatementSid);
            w.WriteString("Effect", "Allow");
            w.WriteStartObject("Principal");
            if (principals.Length == 1) w.WriteString("EncTools", principals[0]);
            else
            {
                w.WriteStartArray("EncTools");
                foreach (var p in principals) w.WriteStringValue(p);
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteString("Action", "kms:*");
            w.WriteString("Resource", "*");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return KeyPolicy.Parse(Encoding.UTF8.GetString(buffer.ToArray()));
    }

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
