namespace EncryptionTools.Engine.Access;

/// <summary>
/// The <c>kms:</c> action names a key policy may use. They are AWS KMS's names, so policies written for KMS read the
/// same here, plus <c>kms:ExportKeyMaterial</c>, which is ours. Actions compare without regard to case, as in IAM.
/// <see cref="Local"/> lists the ones EncryptionTools itself checks; the others (signing, MACs, custom key stores,
/// multi-Region keys...) are accepted in a policy so that KMS documents parse, but no operation here needs them.
/// </summary>
internal static class KmsActions
{
    public const string Encrypt = "kms:Encrypt";
    public const string Decrypt = "kms:Decrypt";
    public const string ReEncryptFrom = "kms:ReEncryptFrom";
    public const string ReEncryptTo = "kms:ReEncryptTo";
    public const string GenerateDataKey = "kms:GenerateDataKey";
    public const string GenerateDataKeyWithoutPlaintext = "kms:GenerateDataKeyWithoutPlaintext";
    public const string GenerateDataKeyPair = "kms:GenerateDataKeyPair";
    public const string GenerateDataKeyPairWithoutPlaintext = "kms:GenerateDataKeyPairWithoutPlaintext";
    public const string CreateGrant = "kms:CreateGrant";
    public const string ListGrants = "kms:ListGrants";
    public const string ListRetirableGrants = "kms:ListRetirableGrants";
    public const string RetireGrant = "kms:RetireGrant";
    public const string RevokeGrant = "kms:RevokeGrant";
    public const string CreateKey = "kms:CreateKey";
    public const string ListKeys = "kms:ListKeys";
    public const string DescribeKey = "kms:DescribeKey";
    public const string ListAliases = "kms:ListAliases";
    public const string CreateAlias = "kms:CreateAlias";
    public const string UpdateAlias = "kms:UpdateAlias";
    public const string DeleteAlias = "kms:DeleteAlias";
    public const string EnableKey = "kms:EnableKey";
    public const string DisableKey = "kms:DisableKey";
    public const string EnableKeyRotation = "kms:EnableKeyRotation";
    public const string DisableKeyRotation = "kms:DisableKeyRotation";
    public const string RotateKeyOnDemand = "kms:RotateKeyOnDemand";
    public const string GetKeyRotationStatus = "kms:GetKeyRotationStatus";
    public const string ListKeyRotations = "kms:ListKeyRotations";
    public const string ScheduleKeyDeletion = "kms:ScheduleKeyDeletion";
    public const string CancelKeyDeletion = "kms:CancelKeyDeletion";
    public const string GetKeyPolicy = "kms:GetKeyPolicy";
    public const string PutKeyPolicy = "kms:PutKeyPolicy";
    public const string ListKeyPolicies = "kms:ListKeyPolicies";
    public const string TagResource = "kms:TagResource";
    public const string UntagResource = "kms:UntagResource";
    public const string ListResourceTags = "kms:ListResourceTags";
    public const string UpdateKeyDescription = "kms:UpdateKeyDescription";
    public const string ImportKeyMaterial = "kms:ImportKeyMaterial";
    public const string GetParametersForImport = "kms:GetParametersForImport";
    public const string DeleteImportedKeyMaterial = "kms:DeleteImportedKeyMaterial";
    /// <summary>Ours: reading a key's material out of the store (Export-EncKey). KMS has no such action.</summary>
    public const string ExportKeyMaterial = "kms:ExportKeyMaterial";
    public const string GetPublicKey = "kms:GetPublicKey";

    /// <summary>The actions EncryptionTools checks on its own operations.</summary>
    public static IReadOnlyList<string> Local { get; } =
    [
        Encrypt, Decrypt, ReEncryptFrom, ReEncryptTo, GenerateDataKey, GenerateDataKeyWithoutPlaintext,
        CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant,
        CreateKey, ListKeys, DescribeKey, ListAliases, CreateAlias, UpdateAlias, DeleteAlias,
        EnableKey, DisableKey, EnableKeyRotation, DisableKeyRotation, RotateKeyOnDemand, GetKeyRotationStatus, ListKeyRotations,
        ScheduleKeyDeletion, CancelKeyDeletion, GetKeyPolicy, PutKeyPolicy, ListKeyPolicies,
        TagResource, UntagResource, ListResourceTags, UpdateKeyDescription,
        ImportKeyMaterial, GetParametersForImport, DeleteImportedKeyMaterial, ExportKeyMaterial, GetPublicKey,
    ];

    /// <summary>KMS actions accepted in a policy for compatibility with KMS documents; nothing here needs them.</summary>
    public static IReadOnlyList<string> AwsOnly { get; } =
    [
        GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, "kms:GenerateMac", "kms:VerifyMac", "kms:Sign", "kms:Verify",
        "kms:DeriveSharedSecret", "kms:GenerateRandom", "kms:ConnectCustomKeyStore", "kms:CreateCustomKeyStore",
        "kms:DeleteCustomKeyStore", "kms:DescribeCustomKeyStores", "kms:DisconnectCustomKeyStore", "kms:UpdateCustomKeyStore",
        "kms:ReplicateKey", "kms:SynchronizeMultiRegionKey", "kms:UpdatePrimaryRegion",
    ];

    /// <summary>Every action a policy may name.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Local, .. AwsOnly];

    private static readonly Dictionary<string, string> Canonical = All.ToDictionary(a => a, a => a, StringComparer.OrdinalIgnoreCase);

    /// <summary>The cryptographic operations that take an encryption context: grant constraints and context conditions apply to them.</summary>
    public static IReadOnlySet<string> TakesEncryptionContext { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        Encrypt, Decrypt, ReEncryptFrom, ReEncryptTo, GenerateDataKey, GenerateDataKeyWithoutPlaintext,
        GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext,
    };

    public static bool IsKnown(string action) => Canonical.ContainsKey(action);

    /// <summary>The canonical spelling ("kms:decrypt" → "kms:Decrypt"), or null for an unknown action.</summary>
    public static string? Normalize(string action) => Canonical.GetValueOrDefault(action);

    /// <summary>The known actions a pattern (with <c>*</c> and <c>?</c>) matches; <c>*</c> alone matches every kms: action.</summary>
    public static IReadOnlyList<string> Expand(string pattern) =>
        pattern == "*" ? All : All.Where(a => Wildcard.IsMatch(pattern, a, ignoreCase: true)).ToArray();
}
