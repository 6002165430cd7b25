namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// One call to a key service: which key, which operation ("kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"), and
/// the service's request id (to match CloudTrail), or its error code when it failed. Never key material.
/// </summary>
public sealed record ExternalKeyUse(string ProviderId, string KeyIdentifier, string Operation, bool Succeeded, string? RequestId, string? ErrorCode);
