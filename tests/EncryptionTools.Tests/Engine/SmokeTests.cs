using System.Security.Cryptography;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Engine;

public class SmokeTests
{
    [Theory]
    [InlineData(0, 4096)]
    [InlineData(1, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(3 * 1024 * 1024 + 7, 65536)]
    public void RoundTrips(int size, int frame)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);
        using var keyring = Crypt.AesKeyring();
        var message = Crypt.Encrypt(plaintext, [keyring], new EncryptOptions { FrameLength = frame });
        Assert.Equal(plaintext, Crypt.Decrypt(message, [keyring]));
    }
}
