using EncryptionTools.Engine.Format;

namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// A keyring that can make the data key itself (AWS KMS GenerateDataKey). The message encryptor asks the first
/// keyring of a message that is one; every other keyring then wraps the key it returned.
/// </summary>
public interface IDataKeyGenerator
{
    /// <summary>A new data key of <paramref name="length"/> bytes (the caller zeroes it) and the EDKs this keyring made for it.</summary>
    (byte[] DataKey, IReadOnlyList<EncryptedDataKey> Edks) Generate(int length, byte[] serializedContext);
}
