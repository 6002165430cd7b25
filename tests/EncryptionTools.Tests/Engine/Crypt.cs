using System.Security.Cryptography;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Engine;

/// <summary>In-memory helpers over the real engine.</summary>
internal static class Crypt
{
    public static RawAesKeyring AesKeyring(string name = "key-1", byte[]? key = null, string ns = "test-ns") =>
        new(ns, name, key ?? RandomNumberGenerator.GetBytes(32));

    public static byte[] Encrypt(byte[] plaintext, IReadOnlyList<IKeyring> keyrings, EncryptOptions? options = null)
    {
        using var output = new MemoryStream();
        MessageEncryptor.Encrypt(new MemoryStream(plaintext), output, keyrings, options);
        return output.ToArray();
    }

    public static byte[] Decrypt(byte[] message, IReadOnlyList<IKeyring> keyrings, DecryptOptions? options = null)
    {
        using var output = new MemoryStream();
        MessageDecryptor.Decrypt(new MemoryStream(message), output, keyrings, options);
        return output.ToArray();
    }
}
