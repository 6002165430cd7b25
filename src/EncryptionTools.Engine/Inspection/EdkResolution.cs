namespace EncryptionTools.Engine.Inspection;

/// <summary>How an EDK relates to the key store that Get-EncFileInfo consulted.</summary>
public enum EdkResolution
{
    /// <summary>No store was consulted.</summary>
    NotResolved,
    /// <summary>A key of the store made it: <see cref="EncryptedDataKeyInfo.KeyId"/> and version are set.</summary>
    InStore,
    /// <summary>No key of the store matches it.</summary>
    Unknown,
    /// <summary>A key held outside the store made it (AWS KMS): <see cref="EncryptedDataKeyInfo.KeyId"/> is its key ARN.</summary>
    External,
}
