using System.Text;

namespace EncryptionTools.Engine.Access;

/// <summary>
/// KMS's evaluation, for one key: an applicable Deny statement wins; otherwise an applicable Allow statement or a grant
/// allows; otherwise the request is denied. A statement applies when its Principal names the caller, its Action (or
/// NotAction) covers the action, its Resource covers the key, and every condition holds. A grant applies when it is on
/// the key, its grantee names the caller, it includes the operation, and — for operations that take an encryption
/// context — the request's context satisfies its constraint.
/// </summary>
internal static class AccessEvaluator
{
    public static AccessDecision Evaluate(AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var action = KmsActions.Normalize(request.Action)
            ?? throw new ArgumentException($"'{request.Action}' is not a known kms: action.", nameof(request));
        var caller = request.Caller;
        var values = ConditionValues(request, action);
        var nearMisses = new List<string>();

        PolicyStatement? allow = null;
        foreach (var statement in request.Policy.Statements)
        {
            if (!statement.AppliesToResource(request.Key) || !statement.AppliesToPrincipal(caller) || !statement.AppliesToAction(action)) continue;
            var failing = statement.FirstFailingCondition(values);
            if (failing is not null)
            {
                if (statement.Effect == PolicyEffect.Allow) nearMisses.Add($"{statement.Label} allows it only when {failing} holds");
                continue;
            }
            if (statement.Effect == PolicyEffect.Deny)
            {
                return Decision(request, action, DecisionKind.ExplicitDeny, statement, null,
                    $"{Describe(request, action)} is explicitly denied by {statement.Label} of the key policy.");
            }
            allow ??= statement;
        }
        if (allow is not null)
            return Decision(request, action, DecisionKind.Allowed, allow, null, $"{Describe(request, action)} is allowed by {allow.Label} of the key policy.");

        // A grant's RetireGrant operation lets its grantee retire that grant only: EvaluateRetire decides that, not this.
        var operation = action == KmsActions.RetireGrant ? null : GrantOperations.FromAction(action);
        if (operation is { } op)
        {
            foreach (var grant in request.Grants)
            {
                if (grant.KeyId != request.Key.KeyId || !caller.Matches(grant.GranteePrincipal) || !grant.Allows(op)) continue;
                var miss = GrantMiss(grant, action, request);
                if (miss is not null)
                {
                    nearMisses.Add($"grant {grant.GrantId} {miss}");
                    continue;
                }
                return Decision(request, action, DecisionKind.Allowed, null, grant, $"{Describe(request, action)} is allowed by grant {grant.GrantId}.");
            }
        }
        var why = nearMisses.Count == 0 ? "no statement or grant allows it" : "no statement or grant allows it (" + string.Join("; ", nearMisses) + ")";
        return Decision(request, action, DecisionKind.ImplicitDeny, null, null, $"{Describe(request, action, negative: true)}: {why}.");
    }

    /// <summary>Evaluates and throws <see cref="AccessDeniedException"/> unless allowed. Returns the decision for the audit log.</summary>
    public static AccessDecision Demand(AccessRequest request)
    {
        var decision = Evaluate(request);
        return decision.IsAllowed ? decision : throw new AccessDeniedException(decision);
    }

    /// <summary>
    /// KMS's RetireGrant rule: the grant's retiring principal, its grantee when the grant includes RetireGrant, or the
    /// store owner (in KMS, the account that owns the key) may retire it. The key policy plays no part.
    /// </summary>
    public static AccessDecision EvaluateRetire(Grant grant, CallerIdentity caller, Principal? storeOwner = null)
    {
        ArgumentNullException.ThrowIfNull(grant);
        ArgumentNullException.ThrowIfNull(caller);
        string? why = null;
        if (grant.RetiringPrincipal is { } retiring && caller.Matches(retiring)) why = $"it is the grant's retiring principal ({retiring})";
        else if (caller.Matches(grant.GranteePrincipal) && grant.Allows(GrantOperation.RetireGrant)) why = "it is the grantee and the grant includes RetireGrant";
        else if (storeOwner is not null && caller.Matches(storeOwner)) why = $"it is the store owner ({storeOwner})";
        var allowed = why is not null;
        return new AccessDecision
        {
            Kind = allowed ? DecisionKind.Allowed : DecisionKind.ImplicitDeny,
            Principal = caller.Primary.ToString(),
            Action = KmsActions.RetireGrant,
            Key = grant.KeyId,
            GrantId = grant.GrantId,
            Reason = allowed
                ? $"{caller.Primary} may retire grant {grant.GrantId}: {why}."
                : $"{caller.Primary} is not allowed kms:RetireGrant on grant {grant.GrantId}: only its retiring principal"
                  + (grant.RetiringPrincipal is null ? " (none is set)" : $" ({grant.RetiringPrincipal})")
                  + ", its grantee when the grant includes RetireGrant, or the store owner may retire it.",
        };
    }

    /// <summary>"{dept=it, project=x}", sorted by key; encryption context is not secret.</summary>
    public static string FormatContext(IReadOnlyDictionary<string, string> context)
    {
        var sb = new StringBuilder("{");
        foreach (var (k, v) in context.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (sb.Length > 1) sb.Append(", ");
            sb.Append(k).Append('=').Append(v);
        }
        return sb.Append('}').ToString();
    }

    private static string? GrantMiss(Grant grant, string action, AccessRequest request)
    {
        if (action == KmsActions.CreateGrant)
        {
            // A grant's CreateGrant permission is narrower than the policy's (as in KMS): it only makes grants for a
            // subset of its own operations, with a constraint at least as strict as its own.
            if (request.ProposedGrant is not { } child) return "allows creating grants, but the grant to create was not given to check against it";
            var extra = child.Operations.Where(o => !grant.Allows(o)).Distinct().ToArray();
            if (extra.Length > 0) return $"allows creating grants only for its own operations, not {string.Join(", ", extra)}";
            if (!GrantConstraints.IsAtLeastAsStrict(child.Constraints, grant.Constraints))
                return $"allows creating grants only with a constraint at least as strict as {grant.Constraints}";
            return null;
        }
        if (grant.Constraints is null || !KmsActions.TakesEncryptionContext.Contains(action)) return null;
        var context = request.EncryptionContext ?? Format.EncryptionContext.Empty;
        return grant.Constraints.IsSatisfiedBy(context) ? null : $"allows it only with {grant.Constraints}";
    }

    private static Func<string, IReadOnlyList<string>?> ConditionValues(AccessRequest request, string action)
    {
        var context = request.EncryptionContext;
        var proposed = action == KmsActions.CreateGrant ? request.ProposedGrant : null;
        return key =>
        {
            if (key.StartsWith(ConditionKeys.EncryptionContextPrefix, StringComparison.OrdinalIgnoreCase))
            {
                if (context is null) return null;
                var name = key[ConditionKeys.EncryptionContextPrefix.Length..];
                var found = context.Where(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Select(p => p.Value).ToArray();
                return found.Length == 0 ? null : found;
            }
            if (key.Equals(ConditionKeys.EncryptionContextKeys, StringComparison.OrdinalIgnoreCase))
                return context is null || context.Count == 0 ? null : context.Keys.ToArray();
            if (key.Equals(ConditionKeys.GrantIsForAWSResource, StringComparison.OrdinalIgnoreCase))
                return action is KmsActions.CreateGrant or KmsActions.ListGrants or KmsActions.RevokeGrant ? ["false"] : null;
            if (proposed is null) return null;
            if (key.Equals(ConditionKeys.GrantOperations, StringComparison.OrdinalIgnoreCase))
                return proposed.Operations.Distinct().Select(o => o.ToString()).ToArray();
            if (key.Equals(ConditionKeys.GranteePrincipal, StringComparison.OrdinalIgnoreCase)) return [proposed.GranteePrincipal.ToString()];
            if (key.Equals(ConditionKeys.RetiringPrincipal, StringComparison.OrdinalIgnoreCase))
                return proposed.RetiringPrincipal is null ? null : [proposed.RetiringPrincipal.ToString()];
            if (key.Equals(ConditionKeys.GrantConstraintType, StringComparison.OrdinalIgnoreCase))
                return proposed.Constraints is null ? null : [proposed.Constraints.Type];
            return null;
        };
    }

    private static string Describe(AccessRequest request, string action, bool negative = false)
    {
        var context = request.EncryptionContext is null ? "" : $" with encryption context {FormatContext(request.EncryptionContext)}";
        return negative
            ? $"{request.Caller.Primary} is not allowed {action} on key {request.Key}{context}"
            : $"{request.Caller.Primary} performing {action} on key {request.Key}{context}";
    }

    private static AccessDecision Decision(AccessRequest request, string action, DecisionKind kind, PolicyStatement? statement, Grant? grant, string reason) => new()
    {
        Kind = kind,
        Principal = request.Caller.Primary.ToString(),
        Action = action,
        Key = request.Key.ToString(),
        EncryptionContext = request.EncryptionContext,
        StatementIndex = statement?.Index,
        StatementSid = statement?.Sid,
        GrantId = grant?.GrantId,
        Reason = reason,
    };
}
