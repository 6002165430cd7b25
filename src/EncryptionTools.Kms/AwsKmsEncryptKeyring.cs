using System.Security.Cryptography;
using Amazon.KeyManagementService.Model;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Kms;

/// <summary>
/// Encrypts under AWS KMS keys as the ESDK's AWS KMS keyring (and multi-keyring) does: the first key generates the
/// data key with GenerateDataKey when asked, every other key wraps it with Encrypt; each EDK names the key ARN KMS
/// reports (an alias ARN given here becomes its key's ARN).
/// </summary>
internal sealed class AwsKmsEncryptKeyring(KmsService service, IReadOnlyList<AwsKmsArn> keys, IKeyUseSink? sink) : IExternalKeyring, IDataKeyGenerator
{
    public string ProviderId => AwsKmsArn.ProviderId;

    public (byte[] DataKey, IReadOnlyList<EncryptedDataKey> Edks) Generate(int length, byte[] serializedContext)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var context = AwsKmsKeyringProvider.ToDictionary(EncryptionContext.Deserialize(serializedContext));
        var first = keys[0];
        var response = service.Call(first, KmsOperations.GenerateDataKey, sink,
            (kms, ct) => kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = first.ToString(), NumberOfBytes = length, EncryptionContext = context }, ct),
            r => r.KeyId);
        var dataKey = KmsPlaintext.Take(response.Plaintext);
        try
        {
            if (dataKey.Length != length)
                throw AwsKmsKeyringProvider.Malformed(first, KmsOperations.GenerateDataKey, $"a data key of {dataKey.Length} bytes instead of {length}");
            var keyArn = AwsKmsKeyringProvider.RequireKeyArn(first, KmsOperations.GenerateDataKey, response.KeyId);
            var blob = response.CiphertextBlob?.ToArray() is { Length: > 0 } b ? b : throw AwsKmsKeyringProvider.Malformed(first, KmsOperations.GenerateDataKey, "no ciphertext");
            var edks = new List<EncryptedDataKey> { new(AwsKmsArn.ProviderId, AwsKmsKeyringProvider.ProviderInfo(keyArn.ToString()), blob) };
            for (var i = 1; i < keys.Count; i++) edks.Add(EncryptUnder(keys[i], dataKey, context));
            return (dataKey, edks);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(dataKey);
            throw;
        }
    }

    public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext)
    {
        var context = AwsKmsKeyringProvider.ToDictionary(EncryptionContext.Deserialize(serializedContext));
        var edks = new List<EncryptedDataKey>(keys.Count);
        foreach (var key in keys) edks.Add(EncryptUnder(key, dataKey, context));
        return edks;
    }

    private EncryptedDataKey EncryptUnder(AwsKmsArn key, ReadOnlySpan<byte> dataKey, Dictionary<string, string> context)
    {
        var (stream, buffer) = KmsPlaintext.Give(dataKey);
        try
        {
            var response = service.Call(key, KmsOperations.Encrypt, sink,
                (kms, ct) => kms.EncryptAsync(new EncryptRequest { KeyId = key.ToString(), Plaintext = stream, EncryptionContext = context }, ct),
                r => r.KeyId);
            var keyArn = AwsKmsKeyringProvider.RequireKeyArn(key, KmsOperations.Encrypt, response.KeyId);
            var blob = response.CiphertextBlob?.ToArray() is { Length: > 0 } b ? b : throw AwsKmsKeyringProvider.Malformed(key, KmsOperations.Encrypt, "no ciphertext");
            return new EncryptedDataKey(AwsKmsArn.ProviderId, AwsKmsKeyringProvider.ProviderInfo(keyArn.ToString()), blob);
        }
        finally { KmsPlaintext.Wipe(stream, buffer); }
    }

    private AwsKmsDecryptKeyring? _decrypt;

    /// <summary>As the ESDK's AWS KMS keyring: it opens EDKs of its own keys only (strict, aliases resolved once).</summary>
    public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext) =>
        (_decrypt ??= new AwsKmsDecryptKeyring(service, keys, null, sink)).TryUnwrap(edk, serializedContext);

    public void Dispose() => _decrypt?.Dispose();
}
