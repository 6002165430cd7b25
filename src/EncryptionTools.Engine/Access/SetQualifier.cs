namespace EncryptionTools.Engine.Access;

/// <summary>How a condition treats a key with several values (kms:EncryptionContextKeys, kms:GrantOperations).</summary>
internal enum SetQualifier
{
    /// <summary>No qualifier: a positive operator needs one value to match, a negated one needs none to match.</summary>
    None,
    /// <summary><c>ForAllValues:</c> every value of the request must match (true when the key has no value, as in IAM).</summary>
    ForAllValues,
    /// <summary><c>ForAnyValue:</c> at least one value of the request must match (false when the key has no value).</summary>
    ForAnyValue,
}
