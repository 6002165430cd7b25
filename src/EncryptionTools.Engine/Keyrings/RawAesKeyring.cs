using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.Format;

namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// The raw AES keyring's layout (raw-aes-keyring.md): provider id = key namespace; provider info =
/// key name || tag length in bits (uint32) || IV length (uint32) || IV; ciphertext = wrapped key || tag;
/// AAD = the serialized encryption context.
/// </summary>
public sealed class RawAesKeyring : IKeyring, IDisposable
{
    private const int TagBytes = 16;
    private const int IvBytes = 12;
    private readonly byte[] _wrappingKey;
    private readonly byte[] _keyName;

    public RawAesKeyring(string keyNamespace, string keyName, ReadOnlySpan<byte> wrappingKey)
    {
        if (wrappingKey.Length is not (16 or 24 or 32))
            throw new ArgumentException("A raw AES wrapping key is 128, 192 or 256 bits.", nameof(wrappingKey));
        if (keyNamespace.StartsWith("aws-kms", StringComparison.Ordinal))
            throw new ArgumentException("The key namespace cannot start with 'aws-kms'; that prefix belongs to AWS KMS keyrings.", nameof(keyNamespace));
        KeyNamespace = keyNamespace;
        KeyName = keyName;
        _keyName = Encoding.UTF8.GetBytes(keyName);
        _wrappingKey = wrappingKey.ToArray();
    }

    public string KeyNamespace { get; }
    public string KeyName { get; }

    public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext)
    {
        var info = new byte[_keyName.Length + 8 + IvBytes];
        _keyName.CopyTo(info, 0);
        BinaryPrimitives.WriteUInt32BigEndian(info.AsSpan(_keyName.Length), TagBytes * 8);
        BinaryPrimitives.WriteUInt32BigEndian(info.AsSpan(_keyName.Length + 4), IvBytes);
        var iv = info.AsSpan(_keyName.Length + 8, IvBytes);
        RandomNumberGenerator.Fill(iv);
        var ciphertext = new byte[dataKey.Length + TagBytes];
        using (var gcm = new AesGcm(_wrappingKey, TagBytes))
            gcm.Encrypt(iv, dataKey, ciphertext.AsSpan(0, dataKey.Length), ciphertext.AsSpan(dataKey.Length), serializedContext);
        return [new EncryptedDataKey(KeyNamespace, info, ciphertext)];
    }

    public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext)
    {
        if (edk.ProviderId != KeyNamespace) return null;
        if (!TryParseInfo(edk.ProviderInfo, out var name, out var iv) || !name.AsSpan().SequenceEqual(_keyName)) return null;
        var failure = new EdkFailure(edk.ProviderId, KeyName, EdkFailureKind.WrongKey,
            "the key did not decrypt this data key (wrong key material, or the data key or encryption context was altered)");
        if (edk.Ciphertext.Length != 32 + TagBytes) return UnwrapResult.Fail(failure);
        var dataKey = new byte[32];
        try
        {
            using var gcm = new AesGcm(_wrappingKey, TagBytes);
            gcm.Decrypt(iv, edk.Ciphertext.AsSpan(0, 32), edk.Ciphertext.AsSpan(32), dataKey, serializedContext);
            return UnwrapResult.Success(dataKey);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(dataKey);
            return UnwrapResult.Fail(failure);
        }
    }

    /// <summary>Splits a raw AES provider info into key name and IV when it has the 128-bit-tag, 12-byte-IV layout.</summary>
    public static bool TryParseInfo(byte[] info, out byte[] keyName, out byte[] iv)
    {
        keyName = [];
        iv = [];
        if (info.Length < 8 + IvBytes) return false;
        var tail = info.AsSpan(info.Length - 8 - IvBytes);
        if (BinaryPrimitives.ReadUInt32BigEndian(tail) != TagBytes * 8 || BinaryPrimitives.ReadUInt32BigEndian(tail[4..]) != IvBytes)
            return false;
        keyName = info[..(info.Length - 8 - IvBytes)];
        iv = info[(info.Length - IvBytes)..];
        return true;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_wrappingKey);
}
