using System.Security.Cryptography;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using static EncryptionTools.Tests.Kms.KmsKeyringTestSupport;

namespace EncryptionTools.Tests.Kms;

/// <summary>Messages through the real engine with AWS KMS keyrings on the local endpoint: EDKs as the ESDK writes them.</summary>
public class KmsKeyringRoundTripTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void First_key_generates_the_data_key_others_encrypt_it_and_each_key_alone_decrypts(bool signed)
    {
        var a = Endpoint.CreateKey();
        var b = Endpoint.CreateKey();
        using var provider = Provider();
        var sink = new RecordingSink();
        var plaintext = Plaintext();
        byte[] message;
        EncryptResult result;
        using (var keyring = provider.CreateEncryptKeyring([a, b], sink))
        {
            Assert.IsAssignableFrom<IDataKeyGenerator>(keyring);
            Assert.Equal("aws-kms", keyring.ProviderId);
            message = Encrypt(plaintext, [keyring], out result, signed: signed);
        }
        Assert.Equal(signed ? 0x0578 : 0x0478, (int)result.Suite.Id);
        Assert.Equal(2, result.EncryptedDataKeys.Count);
        Assert.All(result.EncryptedDataKeys, e => Assert.Equal("aws-kms", e.ProviderId));
        Assert.Equal([a, b], result.EncryptedDataKeys.Select(Info));
        Assert.All(result.EncryptedDataKeys, e => Assert.True(e.Ciphertext.Length > 32));
        Assert.Equal(["kms:GenerateDataKey", "kms:Encrypt"], sink.Uses.Select(u => u.Operation));
        Assert.Equal([a, b], sink.Uses.Select(u => u.KeyIdentifier));
        Assert.All(sink.Uses, u => { Assert.True(u.Succeeded); Assert.False(string.IsNullOrEmpty(u.RequestId)); Assert.Null(u.ErrorCode); Assert.Equal("aws-kms", u.ProviderId); });

        foreach (var key in new[] { a, b })
        {
            var decryptSink = new RecordingSink();
            using var decrypt = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [key] }, decryptSink);
            var (opened, decrypted) = Decrypt(message, decrypt);
            Assert.Equal(plaintext, opened);
            Assert.Equal(key, Info(decrypted.DecryptedWith));
            Assert.Equal(Context["tenant"], decrypted.Header.EncryptionContext["tenant"]);
            var use = Assert.Single(decryptSink.Uses);
            Assert.Equal("kms:Decrypt", use.Operation);
            Assert.Equal(key, use.KeyIdentifier);
            Assert.True(use.Succeeded);
            Assert.False(string.IsNullOrEmpty(use.RequestId));
        }
    }

    [Fact]
    public void An_alias_ARN_encrypts_and_the_EDK_names_the_key_ARN()
    {
        var key = Endpoint.CreateKey();
        var other = Endpoint.CreateKey();
        var alias = Endpoint.CreateAlias(key, "alias/rt-" + Guid.NewGuid().ToString("N"));
        using var provider = Provider();
        using var keyring = provider.CreateEncryptKeyring([other, alias], null);
        var message = Encrypt(Plaintext(), [keyring], out var result);
        Assert.Equal([other, key], result.EncryptedDataKeys.Select(Info));

        using var generating = provider.CreateEncryptKeyring([alias], null);
        Encrypt(Plaintext(), [generating], out result);
        Assert.Equal(key, Info(Assert.Single(result.EncryptedDataKeys)));

        using var decrypt = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [key] }, null);
        Assert.Equal(Plaintext(), Decrypt(message, decrypt).Plaintext);
    }

    [Fact]
    public void A_KMS_keyring_after_a_local_keyring_wraps_with_Encrypt_and_either_opens_the_message()
    {
        var key = Endpoint.CreateKey();
        using var provider = Provider();
        var wrappingKey = RandomNumberGenerator.GetBytes(32);
        using var local = new RawAesKeyring("test", "local-key", wrappingKey);
        var sink = new RecordingSink();
        using var kms = provider.CreateEncryptKeyring([key], sink);
        var message = Encrypt(Plaintext(), [local, kms], out var result, signed: true);
        Assert.Equal(["test", "aws-kms"], result.EncryptedDataKeys.Select(e => e.ProviderId));
        Assert.Equal(["kms:Encrypt"], sink.Uses.Select(u => u.Operation));

        using var decrypt = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [key] }, null);
        Assert.Equal(Plaintext(), Decrypt(message, decrypt).Plaintext);
        using var localAgain = new RawAesKeyring("test", "local-key", wrappingKey);
        Assert.Equal(Plaintext(), Decrypt(message, localAgain).Plaintext);
    }

    [Fact]
    public async Task The_messages_context_is_passed_to_KMS_so_KMS_alone_refuses_an_EDK_under_another_context()
    {
        var key = Endpoint.CreateKey();
        using var provider = Provider();
        using var keyring = provider.CreateEncryptKeyring([key], null);
        var (dataKey, edks) = ((IDataKeyGenerator)keyring).Generate(32, EncryptionTools.Engine.Format.EncryptionContext.Serialize(Context));
        var blob = Assert.Single(edks).Ciphertext;
        var direct = await Endpoint.Admin.DecryptAsync(new Amazon.KeyManagementService.Model.DecryptRequest
        {
            CiphertextBlob = new MemoryStream(blob),
            EncryptionContext = new Dictionary<string, string>(Context),
        });
        Assert.Equal(dataKey, direct.Plaintext.ToArray());
        Assert.Equal(key, direct.KeyId);
        var ex = await Assert.ThrowsAnyAsync<Amazon.KeyManagementService.AmazonKeyManagementServiceException>(() =>
            Endpoint.Admin.DecryptAsync(new Amazon.KeyManagementService.Model.DecryptRequest { CiphertextBlob = new MemoryStream(blob) }));
        Assert.Equal("InvalidCiphertextException", ex.ErrorCode);
    }
}
