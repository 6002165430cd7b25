namespace EncryptionTools.Engine.Access;

/// <summary>One statement of a key policy, validated. <see cref="Index"/> is its 0-based position.</summary>
internal sealed class PolicyStatement
{
    internal PolicyStatement(int index, string? sid, PolicyEffect effect, IReadOnlyList<PolicyPrincipal> principals,
        IReadOnlyList<string> actions, bool notAction, IReadOnlyList<string> resources, IReadOnlyList<PolicyCondition> conditions)
    {
        Index = index;
        Sid = sid;
        Effect = effect;
        Principals = principals;
        Actions = actions;
        IsNotAction = notAction;
        Resources = resources;
        Conditions = conditions;
    }

    public int Index { get; }
    public string? Sid { get; }
    public PolicyEffect Effect { get; }
    public IReadOnlyList<PolicyPrincipal> Principals { get; }
    /// <summary>Action patterns as written (known names in their canonical spelling).</summary>
    public IReadOnlyList<string> Actions { get; }
    /// <summary>The statement used NotAction: it applies to every action except <see cref="Actions"/>.</summary>
    public bool IsNotAction { get; }
    public IReadOnlyList<string> Resources { get; }
    public IReadOnlyList<PolicyCondition> Conditions { get; }

    /// <summary>"statement 2 (Sid 'AllowUse')" for messages.</summary>
    public string Label => Sid is { Length: > 0 } ? $"statement {Index} (Sid '{Sid}')" : $"statement {Index}";

    public bool AppliesToPrincipal(CallerIdentity caller) => Principals.Any(p => p.AppliesTo(caller));

    public bool AppliesToAction(string action)
    {
        var listed = Actions.Any(p => p == "*" || Wildcard.IsMatch(p, action, ignoreCase: true));
        return IsNotAction ? !listed : listed;
    }

    public bool AppliesToResource(KeyArn key)
    {
        var arn = key.ToString();
        return Resources.Any(r => r == "*" || Wildcard.IsMatch(r, arn, ignoreCase: true));
    }

    /// <summary>The first condition that does not hold, or null when all hold.</summary>
    public PolicyCondition? FirstFailingCondition(Func<string, IReadOnlyList<string>?> values) =>
        Conditions.FirstOrDefault(c => !c.Evaluate(values(c.Key)));
}
