using System.Security.Cryptography;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Kms;

/// <summary>What the KMS file and data tests share: requests, an RSA recipient, header reading and tampering.</summary>
internal static class KmsFileTestKit
{
    public static ProtectRequest Protect(string? destination = null, bool signed = false, bool inPlace = false,
        IReadOnlyDictionary<string, string>? context = null) => new()
    {
        Keyrings = [],
        Destination = destination,
        Signed = signed,
        InPlace = inPlace,
        EncryptionContext = context ?? EncryptionContext.Empty,
    };

    public static UnprotectRequest Unprotect(string destination, IReadOnlyList<IKeyring>? keyrings = null,
        IReadOnlyDictionary<string, string>? expect = null) =>
        new() { Keyrings = keyrings ?? [], Destination = destination, RequiredEncryptionContext = expect };

    /// <summary>A session with no allowed KMS keys and no discovery (the test process's environment never leaks in).</summary>
    public static FileOperations Session(IKeyStoreProvider? store, ExternalKeyOptions? external = null) =>
        new(store) { ExternalKeys = external ?? new ExternalKeyOptions() };

    /// <summary>A provider of a store at <paramref name="location"/> that a use never creates (named by a parameter).</summary>
    public static LocalKeyStore StoreAt(string location) =>
        new(location, new LocalKeyStoreOptions { AuditLogOptions = new EncryptionTools.Engine.Audit.AuditLogOptions { Durable = false }, LocationSource = StoreLocation.FromParameter });

    /// <summary>An RSA key pair: its public PEM (a recipient) and a keyring that holds the private key.</summary>
    public static (string PublicPem, RawRsaKeyring Holder) RsaRecipientPair()
    {
        var rsa = RSA.Create(3072);
        var spki = rsa.ExportSubjectPublicKeyInfo();
        var holder = new RawRsaKeyring(RsaRecipient.Namespace, RsaRecipient.KeyNameFor(spki), null, rsa, RSAEncryptionPadding.OaepSHA256);
        return (rsa.ExportSubjectPublicKeyInfoPem(), holder);
    }

    public static MessageHeader Header(string path)
    {
        using var stream = File.OpenRead(path);
        return MessageHeader.Read(stream, MessageLimits.Default);
    }

    /// <summary>The file's real EDKs (padding left out).</summary>
    public static IReadOnlyList<EncryptedDataKey> Edks(string path) =>
        Header(path).EncryptedDataKeys.Where(e => !HeaderReserve.IsPadding(e)).ToList();

    public static string KeyArnOf(EncryptedDataKey edk) => System.Text.Encoding.UTF8.GetString(edk.ProviderInfo);

    /// <summary>The message body and footer: what a header-only rewrap must leave byte for byte.</summary>
    public static byte[] Body(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return bytes[Header(path).TotalLength..];
    }

    /// <summary>Flips the last byte of the first AWS KMS EDK's ciphertext blob in the file.</summary>
    public static void TamperKmsBlob(string path)
    {
        var blob = Edks(path).First(e => e.ProviderId == AwsKmsArn.ProviderId).Ciphertext;
        var bytes = File.ReadAllBytes(path);
        var at = bytes.AsSpan().IndexOf(blob);
        Assert.True(at > 0, "the KMS ciphertext blob was not found in the file");
        bytes[at + blob.Length - 1] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Files in a directory other than the ones named (what a failed operation must not leave).</summary>
    public static IReadOnlyList<string> Leftovers(string directory, params string[] expected) =>
        Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).Where(n => !expected.Contains(n)).Select(n => n!).ToList();
}
