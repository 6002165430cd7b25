using System.Collections.Concurrent;
using System.Text;
using Amazon.Runtime;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Kms;

namespace EncryptionTools.Tests.Kms;

/// <summary>What the keyring tests share: a provider on the local endpoint, a sink that keeps every call, message helpers.</summary>
internal static class KmsKeyringTestSupport
{
    public static KmsEndpoint Endpoint => KmsEndpoint.Instance;

    public static AwsKmsClientSettings Settings(string? url = null) => new()
    {
        EndpointUrl = url ?? Endpoint.Url,
        Credentials = new BasicAWSCredentials(KmsEndpoint.AccessKey, KmsEndpoint.SecretKey),
    };

    public static AwsKmsKeyringProvider Provider(string? url = null) => new(Settings(url));

    public static readonly IReadOnlyDictionary<string, string> Context = new Dictionary<string, string>
    {
        ["purpose"] = "kms keyring test",
        ["tenant"] = "contoso",
    };

    public static byte[] Encrypt(byte[] plaintext, IKeyring[] keyrings, IReadOnlyDictionary<string, string>? context = null, bool signed = false) =>
        Encrypt(plaintext, keyrings, out _, context, signed);

    public static byte[] Encrypt(byte[] plaintext, IKeyring[] keyrings, out EncryptResult result, IReadOnlyDictionary<string, string>? context = null, bool signed = false)
    {
        using var output = new MemoryStream();
        result = MessageEncryptor.Encrypt(new MemoryStream(plaintext), output, keyrings,
            new EncryptOptions { EncryptionContext = context ?? Context, Signed = signed, FrameLength = 1024 });
        return output.ToArray();
    }

    public static (byte[] Plaintext, DecryptResult Result) Decrypt(byte[] message, params IKeyring[] keyrings)
    {
        using var output = new MemoryStream();
        var result = MessageDecryptor.Decrypt(new MemoryStream(message), output, keyrings);
        return (output.ToArray(), result);
    }

    public static string Info(EncryptedDataKey edk) => Encoding.UTF8.GetString(edk.ProviderInfo);

    public static byte[] Plaintext(int length = 5000) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
}

/// <summary>Keeps every KMS call a keyring reports.</summary>
internal sealed class RecordingSink : IKeyUseSink
{
    private readonly ConcurrentQueue<ExternalKeyUse> _uses = new();
    public void Record(ExternalKeyUse use) => _uses.Enqueue(use);
    public IReadOnlyList<ExternalKeyUse> Uses => [.. _uses];
}
