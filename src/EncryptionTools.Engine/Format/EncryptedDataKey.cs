namespace EncryptionTools.Engine.Format;

/// <summary>One encrypted data key as it stands in the header.</summary>
public sealed record EncryptedDataKey(string ProviderId, byte[] ProviderInfo, byte[] Ciphertext);
