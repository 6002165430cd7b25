using Amazon.KeyManagementService.Model;
using EncryptionTools.Kms;
using static EncryptionTools.Tests.Kms.KmsKeyringTestSupport;

namespace EncryptionTools.Tests.Kms;

/// <summary>Plaintext key bytes handed to and taken from the SDK's MemoryStreams are zeroed behind us.</summary>
public class KmsKeyringWipeTests
{
    [Fact]
    public async Task The_SDKs_plaintext_stream_is_zeroed_after_the_key_is_taken()
    {
        // The SDK's own stream: the array under it holds no key once the key is taken.
        var key = Endpoint.CreateKey();
        var response = await Endpoint.Admin.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key, NumberOfBytes = 32 });
        Assert.True(response.Plaintext.TryGetBuffer(out var sdkBuffer));
        var sdkCopy = response.Plaintext.ToArray();
        Assert.Contains(sdkCopy, b => b != 0);
        Assert.Equal(sdkCopy, KmsPlaintext.Take(response.Plaintext));
        Assert.All(sdkBuffer.Array!, b => Assert.Equal(0, b));

        // A stream made with new MemoryStream(bytes) (not publicly visible, writable) is zeroed in place.

        var held = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var taken = KmsPlaintext.Take(new MemoryStream(held));
        Assert.Equal(Enumerable.Range(1, 32).Select(i => (byte)i), taken);
        Assert.All(held, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_publicly_visible_stream_is_zeroed_too_and_a_request_stream_is_wiped_after_the_call()
    {
        var held = new byte[48];
        held.AsSpan().Fill(0xAB);
        var taken = KmsPlaintext.Take(new MemoryStream(held, 0, 40, writable: false, publiclyVisible: true));
        Assert.Equal(40, taken.Length);
        Assert.All(held[..40], b => Assert.Equal(0, b));

        var secret = new byte[] { 9, 8, 7, 6 };
        var (stream, buffer) = KmsPlaintext.Give(secret);
        Assert.Equal(secret, stream.ToArray());
        KmsPlaintext.Wipe(stream, buffer);
        Assert.All(buffer, b => Assert.Equal(0, b));
        Assert.Equal(new byte[] { 9, 8, 7, 6 }, secret); // the caller's own buffer is the caller's to wipe
    }

    [Fact]
    public void The_data_key_returned_by_Generate_is_a_copy_the_caller_owns_and_the_keyring_works_after_it_is_zeroed()
    {
        var key = Endpoint.CreateKey();
        using var provider = Provider();
        using var keyring = provider.CreateEncryptKeyring([key], null);
        var generator = (EncryptionTools.Engine.Keyrings.IDataKeyGenerator)keyring;
        var (first, _) = generator.Generate(32, []);
        var (second, _) = generator.Generate(32, []);
        Assert.NotEqual(first, second);
        Array.Clear(first);
        Assert.Contains(second, b => b != 0);
    }
}
