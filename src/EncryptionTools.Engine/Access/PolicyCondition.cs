namespace EncryptionTools.Engine.Access;

/// <summary>The base comparison of a condition operator.</summary>
public enum ConditionOperator
{
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    ArnEquals,
    ArnNotEquals,
    ArnLike,
    ArnNotLike,
    Bool,
    Null,
}

/// <summary>How a condition treats a key with several values (kms:EncryptionContextKeys, kms:GrantOperations).</summary>
public enum SetQualifier
{
    /// <summary>No qualifier: a positive operator needs one value to match, a negated one needs none to match.</summary>
    None,
    /// <summary><c>ForAllValues:</c> every value of the request must match (true when the key has no value, as in IAM).</summary>
    ForAllValues,
    /// <summary><c>ForAnyValue:</c> at least one value of the request must match (false when the key has no value).</summary>
    ForAnyValue,
}

/// <summary>
/// One test of a Condition block: <c>"StringEquals": { "kms:EncryptionContext:dept": ["it", "hr"] }</c> is one condition
/// whose <see cref="Values"/> are alternatives. All conditions of a statement must hold.
/// </summary>
public sealed record PolicyCondition(string OperatorText, ConditionOperator Operator, SetQualifier Qualifier, bool IfExists, string Key, IReadOnlyList<string> Values)
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

/// <summary>
/// The condition keys a policy may use. Keys compare without regard to case, as in IAM; in
/// <c>kms:EncryptionContext:&lt;key&gt;</c> the context key also matches without regard to case (as in KMS) while values
/// compare as the operator says.
/// </summary>
public static class ConditionKeys
{
    public const string EncryptionContextPrefix = "kms:EncryptionContext:";
    public const string EncryptionContextKeys = "kms:EncryptionContextKeys";
    public const string GrantOperations = "kms:GrantOperations";
    public const string GranteePrincipal = "kms:GranteePrincipal";
    public const string RetiringPrincipal = "kms:RetiringPrincipal";
    public const string GrantConstraintType = "kms:GrantConstraintType";
    public const string GrantIsForAWSResource = "kms:GrantIsForAWSResource";

    /// <summary>Keys EncryptionTools fills in (besides kms:EncryptionContext:&lt;key&gt;).</summary>
    public static IReadOnlyList<string> Supported { get; } =
        [EncryptionContextKeys, GrantOperations, GranteePrincipal, RetiringPrincipal, GrantConstraintType, GrantIsForAWSResource];

    /// <summary>KMS condition keys that have no meaning for a local store: accepted, and always absent from a request.</summary>
    public static IReadOnlyList<string> AlwaysAbsent { get; } =
    [
        "kms:BypassPolicyLockoutSafetyCheck", "kms:CallerAccount", "kms:CustomerMasterKeySpec", "kms:CustomerMasterKeyUsage",
        "kms:DataKeyPairSpec", "kms:EncryptionAlgorithm", "kms:ExpirationModel", "kms:KeyAgreementAlgorithm", "kms:KeyOrigin",
        "kms:KeySpec", "kms:KeyUsage", "kms:MacAlgorithm", "kms:MessageType", "kms:MultiRegion", "kms:MultiRegionKeyType",
        "kms:PrimaryRegion", "kms:ReEncryptOnSameKey", "kms:ReplicaRegion", "kms:RequestAlias", "kms:ResourceAliases",
        "kms:RotationPeriodInDays", "kms:ScheduleKeyDeletionPendingWindowInDays", "kms:SigningAlgorithm", "kms:ValidTo",
        "kms:ViaService", "kms:WrappingAlgorithm", "kms:WrappingKeySpec",
    ];

    /// <summary>Keys with several values.</summary>
    public static bool IsMultiValued(string key) =>
        key.Equals(EncryptionContextKeys, StringComparison.OrdinalIgnoreCase) || key.Equals(GrantOperations, StringComparison.OrdinalIgnoreCase);

    internal enum Kind { Supported, Absent, Unknown }

    internal static Kind Classify(string key)
    {
        if (key.StartsWith(EncryptionContextPrefix, StringComparison.OrdinalIgnoreCase))
            return key.Length > EncryptionContextPrefix.Length ? Kind.Supported : Kind.Unknown;
        if (Supported.Contains(key, StringComparer.OrdinalIgnoreCase)) return Kind.Supported;
        if (AlwaysAbsent.Contains(key, StringComparer.OrdinalIgnoreCase)) return Kind.Absent;
        if (key.StartsWith("kms:RecipientAttestation:", StringComparison.OrdinalIgnoreCase)) return Kind.Absent;
        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) && key.Length > 4) return Kind.Absent;
        return Kind.Unknown;
    }
}
