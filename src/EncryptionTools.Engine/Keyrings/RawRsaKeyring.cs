using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.Format;

namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// The raw RSA keyring's layout (raw-rsa-keyring.md): provider id = key namespace, provider info = key name,
/// ciphertext = RSA-OAEP(data key). The public key encrypts; the private key, when held, decrypts.
/// </summary>
internal sealed class RawRsaKeyring : IKeyring, IDisposable
{
    private readonly RSA? _publicKey;
    private readonly RSA? _privateKey;
    private readonly RSAEncryptionPadding _padding;

    public RawRsaKeyring(string keyNamespace, string keyName, RSA? publicKey, RSA? privateKey, RSAEncryptionPadding? padding = null)
    {
        if (publicKey is null && privateKey is null) throw new ArgumentException("An RSA keyring needs a public or a private key.");
        KeyNamespace = keyNamespace;
        KeyName = keyName;
        _publicKey = publicKey;
        _privateKey = privateKey;
        _padding = padding ?? RSAEncryptionPadding.OaepSHA256;
    }

    public string KeyNamespace { get; }
    public string KeyName { get; }

    public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext)
    {
        var rsa = _publicKey ?? _privateKey!;
        var ciphertext = rsa.Encrypt(dataKey.ToArray(), _padding);
        return [new EncryptedDataKey(KeyNamespace, Encoding.UTF8.GetBytes(KeyName), ciphertext)];
    }

    public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext)
    {
        if (edk.ProviderId != KeyNamespace || !edk.ProviderInfo.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(KeyName))) return null;
        if (_privateKey is null)
            return UnwrapResult.Fail(new EdkFailure(edk.ProviderId, KeyName, EdkFailureKind.KeyUnusable,
                "only the public key is held; decrypting needs the private key"));
        try
        {
            var dataKey = _privateKey.Decrypt(edk.Ciphertext, _padding);
            if (dataKey.Length == 32) return UnwrapResult.Success(dataKey);
            CryptographicOperations.ZeroMemory(dataKey);
        }
        catch (CryptographicException)
        {
        }
        return UnwrapResult.Fail(new EdkFailure(edk.ProviderId, KeyName, EdkFailureKind.WrongKey,
            "the private key did not decrypt this data key (wrong key, or the data key was altered)"));
    }

    public void Dispose()
    {
        _publicKey?.Dispose();
        _privateKey?.Dispose();
    }
}
