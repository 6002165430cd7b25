namespace EncryptionTools.Engine.Access;

/// <summary>
/// The condition keys a policy may use. Keys compare without regard to case, as in IAM; in
/// <c>kms:EncryptionContext:&lt;key&gt;</c> the context key also matches without regard to case (as in KMS) while values
/// compare as the operator says.
/// </summary>
internal static class ConditionKeys
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
