namespace EncryptionTools.Engine.Access;

/// <summary>
/// One test of a Condition block: <c>"StringEquals": { "kms:EncryptionContext:dept": ["it", "hr"] }</c> is one condition
/// whose <see cref="Values"/> are alternatives. All conditions of a statement must hold.
/// </summary>
internal sealed record PolicyCondition(string OperatorText, ConditionOperator Operator, SetQualifier Qualifier, bool IfExists, string Key, IReadOnlyList<string> Values)
{
    public bool IsNegated => Operator is ConditionOperator.StringNotEquals or ConditionOperator.StringNotEqualsIgnoreCase
        or ConditionOperator.StringNotLike or ConditionOperator.ArnNotEquals or ConditionOperator.ArnNotLike;

    /// <summary>Evaluates against the request's values of <see cref="Key"/>: null or empty when the request has no such key.</summary>
    public bool Evaluate(IReadOnlyList<string>? requestValues)
    {
        var absent = requestValues is null || requestValues.Count == 0;
        if (Operator == ConditionOperator.Null)
            return Values.Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase) ? absent : !absent);
        if (absent)
        {
            if (IfExists) return true;
            return Qualifier switch
            {
                SetQualifier.ForAllValues => true,
                SetQualifier.ForAnyValue => false,
                _ => IsNegated,
            };
        }
        bool Holds(string value) => IsNegated ? !Values.Any(p => Compare(p, value)) : Values.Any(p => Compare(p, value));
        return Qualifier switch
        {
            SetQualifier.ForAllValues => requestValues!.All(Holds),
            SetQualifier.ForAnyValue => requestValues!.Any(Holds),
            _ => IsNegated ? requestValues!.All(Holds) : requestValues!.Any(Holds),
        };
    }

    private bool Compare(string pattern, string value) => Operator switch
    {
        ConditionOperator.StringEquals or ConditionOperator.StringNotEquals
            or ConditionOperator.ArnEquals or ConditionOperator.ArnNotEquals => string.Equals(pattern, value, StringComparison.Ordinal),
        ConditionOperator.StringEqualsIgnoreCase or ConditionOperator.StringNotEqualsIgnoreCase => string.Equals(pattern, value, StringComparison.OrdinalIgnoreCase),
        ConditionOperator.StringLike or ConditionOperator.StringNotLike
            or ConditionOperator.ArnLike or ConditionOperator.ArnNotLike => Wildcard.IsMatch(pattern, value, ignoreCase: false),
        ConditionOperator.Bool => string.Equals(pattern, value, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    public override string ToString() => $"{OperatorText} {Key} [{string.Join(", ", Values)}]";
}
