using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;
using static EncryptionTools.Tests.Kms.KmsKeyringTestSupport;

namespace EncryptionTools.Tests.Kms;

/// <summary>WrapSecret/UnwrapSecret (a KMS-protected store's root key) and Describe, on the local endpoint.</summary>
public class KmsKeyringSecretTests
{
    private static readonly Dictionary<string, string> StoreContext = new() { ["encryptiontools:store-id"] = "6f1d2c" };

    [Fact]
    public void A_secret_wrapped_under_a_key_or_its_alias_unwraps_only_with_the_same_context()
    {
        var key = Endpoint.CreateKey();
        var alias = Endpoint.CreateAlias(key, "alias/secret-" + Guid.NewGuid().ToString("N"));
        using var provider = Provider();
        var secret = RandomNumberGenerator.GetBytes(32);
        foreach (var (wrapWith, unwrapWith) in new[] { (key, key), (alias, alias), (alias, key), (key, alias) })
        {
            var sink = new RecordingSink();
            var wrapped = provider.WrapSecret(wrapWith, secret, StoreContext, sink);
            Assert.DoesNotContain(Convert.ToHexString(secret), Convert.ToHexString(wrapped), StringComparison.Ordinal);
            Assert.Equal(secret, provider.UnwrapSecret(unwrapWith, wrapped, StoreContext, sink));
            Assert.All(sink.Uses, u => { Assert.True(u.Succeeded); Assert.Equal(key, u.KeyIdentifier); Assert.False(string.IsNullOrEmpty(u.RequestId)); });
            Assert.Equal(unwrapWith == alias ? ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"] : ["kms:Encrypt", "kms:Decrypt"], sink.Uses.Select(u => u.Operation));

            var other = new Dictionary<string, string> { ["encryptiontools:store-id"] = "another" };
            var ex = Assert.ThrowsAny<EncryptionToolsException>(() => provider.UnwrapSecret(unwrapWith, wrapped, other, null));
            Assert.Equal("KmsInvalidCiphertext", ex.ErrorId);
            Assert.Equal(unwrapWith, ex.Target);
        }
    }

    [Fact]
    public void Unwrapping_with_another_key_than_the_one_that_wrapped_fails()
    {
        var key = Endpoint.CreateKey();
        var other = Endpoint.CreateKey();
        using var provider = Provider();
        var wrapped = provider.WrapSecret(key, new byte[32], StoreContext, null);
        var sink = new RecordingSink();
        var ex = Assert.ThrowsAny<EncryptionToolsException>(() => provider.UnwrapSecret(other, wrapped, StoreContext, sink));
        // AWS answers IncorrectKeyException (KmsInvalidCiphertext); the local endpoint (moto) AccessDeniedException.
        Assert.Equal("KmsAccessDenied", ex.ErrorId);
        var use = Assert.Single(sink.Uses);
        Assert.Equal((other, false), (use.KeyIdentifier, use.Succeeded));
    }

    [Fact]
    public void Describe_reports_the_key_ARN_and_state_for_a_key_or_alias()
    {
        var key = Endpoint.CreateKey();
        var alias = Endpoint.CreateAlias(key, "alias/describe-" + Guid.NewGuid().ToString("N"));
        using var provider = Provider();
        Assert.Equal(new ExternalKeyStatus(alias, key, "Enabled", null), provider.Describe(alias));
        Endpoint.Disable(key);
        Assert.Equal(new ExternalKeyStatus(key, key, "Disabled", null), provider.Describe(key));
    }

    [Fact]
    public void An_encrypt_keyring_opens_EDKs_of_its_own_keys_only()
    {
        var key = Endpoint.CreateKey();
        var stranger = Endpoint.CreateKey();
        using var provider = Provider();
        using var keyring = provider.CreateEncryptKeyring([key], null);
        Assert.Equal(Plaintext(), Decrypt(Encrypt(Plaintext(), [keyring]), keyring).Plaintext);

        using var strangers = provider.CreateEncryptKeyring([stranger], null);
        var message = Encrypt(Plaintext(), [strangers]);
        var sink = new RecordingSink();
        using var mine = provider.CreateEncryptKeyring([key], sink);
        var ex = Assert.Throws<NoDecryptableKeyException>(() => Decrypt(message, mine));
        Assert.Equal("KmsKeyNotAllowed", Assert.Single(ex.Failures).ErrorId);
        Assert.Empty(sink.Uses);
    }
}
