using System.Security.Cryptography;

namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// A public-key recipient given as an RSA public key alone (a PEM file, or an exported key's PublicKeyPem): the
/// DataSync agent-key model. The EDK identity is one the holder's key store can match without any coordination:
/// provider id <see cref="Namespace"/> ("enctools", the store's namespace) and key name
/// <c>rsa-spki-sha256:&lt;hex SHA-256 of the SubjectPublicKeyInfo&gt;</c>. The store's decrypt keyring indexes every
/// RSA key version under that name too, so the private key's holder decrypts with no -KeyId. The official SDK's raw
/// RSA keyring reads such EDKs when configured with the same namespace and key name (OAEP-SHA256).
/// </summary>
internal static class RsaRecipient
{
    public const string Namespace = "enctools";
    public const string KeyNamePrefix = "rsa-spki-sha256:";

    /// <summary>The key name of the recipient with this SubjectPublicKeyInfo (DER).</summary>
    public static string KeyNameFor(ReadOnlySpan<byte> subjectPublicKeyInfo) =>
        KeyNamePrefix + Convert.ToHexString(SHA256.HashData(subjectPublicKeyInfo)).ToLowerInvariant();

    /// <summary>An encrypt-only keyring for a PEM public key (SubjectPublicKeyInfo "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY").</summary>
    public static RawRsaKeyring FromPem(string pem, string? source = null)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            // ArgumentException: no PEM key in the text; CryptographicException: a key label over a body that is no key.
            rsa.Dispose();
            throw new EncryptionToolsException(ErrorCatalog.InvalidRecipientPublicKey,
                $"{(source is null ? "The recipient key" : $"'{source}'")} is not an RSA public key in PEM form: {ex.Message}", ex) { Target = source };
        }
        if (rsa.KeySize < 2048)
        {
            var size = rsa.KeySize;
            rsa.Dispose();
            throw new EncryptionToolsException(ErrorCatalog.InvalidRecipientPublicKey,
                $"{(source is null ? "The recipient key" : $"'{source}'")} is a {size}-bit RSA key; at least 2048 bits are required.") { Target = source };
        }
        var spki = rsa.ExportSubjectPublicKeyInfo();
        var keyring = new RawRsaKeyring(Namespace, KeyNameFor(spki), CopyPublic(rsa), null, RSAEncryptionPadding.OaepSHA256);
        rsa.Dispose();
        return keyring;
    }

    /// <summary>Reads a PEM file and returns its recipient keyring.</summary>
    public static RawRsaKeyring FromPemFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EncryptionToolsException(ex is FileNotFoundException or DirectoryNotFoundException ? ErrorCatalog.RecipientKeyNotFound : ErrorCatalog.RecipientKeyUnreadable,
                $"Cannot read the recipient public key '{path}': {ex.Message}", ex) { Target = path };
        }
        return FromPem(text, path);
    }

    /// <summary>The identity (provider id, key name) a PEM public key gets in a header.</summary>
    public static (string ProviderId, string KeyName) IdentityOfPem(string pem, string? source = null)
    {
        using var keyring = FromPem(pem, source);
        return (keyring.KeyNamespace, keyring.KeyName);
    }

    private static RSA CopyPublic(RSA rsa)
    {
        var copy = RSA.Create();
        copy.ImportParameters(rsa.ExportParameters(false));
        return copy;
    }
}
