using System.Text;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Kms;
using static EncryptionTools.Tests.Kms.KmsKeyringTestSupport;

namespace EncryptionTools.Tests.Kms;

/// <summary>Strict decryption and discovery: KMS sees only the EDKs the caller allowed.</summary>
public class KmsKeyringStrictTests
{
    private static byte[] MessageUnder(AwsKmsKeyringProvider provider, params string[] keys)
    {
        using var keyring = provider.CreateEncryptKeyring(keys, null);
        return Encrypt(Plaintext(), [keyring]);
    }

    [Fact]
    public void An_EDK_whose_key_is_not_allowed_is_refused_as_KmsKeyNotAllowed_without_calling_KMS()
    {
        var used = Endpoint.CreateKey();
        var allowed = Endpoint.CreateKey();
        using var provider = Provider();
        var message = MessageUnder(provider, used);
        var sink = new RecordingSink();
        using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [allowed] }, sink);
        var ex = Assert.Throws<NoDecryptableKeyException>(() => Decrypt(message, keyring));
        var failure = Assert.Single(ex.Failures);
        Assert.Equal(EdkFailureKind.NotAllowed, failure.Kind);
        Assert.Equal("KmsKeyNotAllowed", failure.ErrorId);
        Assert.Equal(used, failure.KeyName);
        Assert.Equal("aws-kms", failure.ProviderId);
        Assert.Contains(used, ex.Message, StringComparison.Ordinal);
        Assert.Empty(sink.Uses); // KMS was not called
    }

    [Fact]
    public void Only_the_allowed_EDK_of_several_is_sent_to_KMS()
    {
        var first = Endpoint.CreateKey();
        var second = Endpoint.CreateKey();
        using var provider = Provider();
        var message = MessageUnder(provider, first, second);
        var sink = new RecordingSink();
        using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [second] }, sink);
        var (plaintext, result) = Decrypt(message, keyring);
        Assert.Equal(Plaintext(), plaintext);
        Assert.Equal(second, Info(result.DecryptedWith));
        var use = Assert.Single(sink.Uses);
        Assert.Equal(second, use.KeyIdentifier);
    }

    [Fact]
    public void An_allowed_alias_ARN_is_resolved_once_with_DescribeKey_and_opens_its_keys_EDKs()
    {
        var key = Endpoint.CreateKey();
        var alias = Endpoint.CreateAlias(key, "alias/strict-" + Guid.NewGuid().ToString("N"));
        using var provider = Provider();
        var first = MessageUnder(provider, key);
        var second = MessageUnder(provider, alias);
        var sink = new RecordingSink();
        using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [alias] }, sink);
        Assert.Equal(Plaintext(), Decrypt(first, keyring).Plaintext);
        Assert.Equal(Plaintext(), Decrypt(second, keyring).Plaintext);
        Assert.Equal(["kms:DescribeKey", "kms:Decrypt", "kms:Decrypt"], sink.Uses.Select(u => u.Operation));
        Assert.All(sink.Uses, u => Assert.Equal(key, u.KeyIdentifier));
    }

    [Fact]
    public void Discovery_opens_a_key_of_a_listed_account_and_refuses_other_accounts_and_partitions_without_calling_KMS()
    {
        var key = Endpoint.CreateKey();
        Assert.True(AwsKmsArn.TryParse(key, out var arn));
        using var provider = Provider();
        var message = MessageUnder(provider, key);

        var sink = new RecordingSink();
        using (var matching = provider.CreateDecryptKeyring(new ExternalDecryptScope { Discovery = new DiscoveryFilter("aws", ["111122223333", arn.Account]) }, sink))
            Assert.Equal(Plaintext(), Decrypt(message, matching).Plaintext);
        Assert.Equal(["kms:Decrypt"], sink.Uses.Select(u => u.Operation));

        foreach (var filter in new[] { new DiscoveryFilter("aws", ["111122223333"]), new DiscoveryFilter("aws-cn", [arn.Account]) })
        {
            var refusedSink = new RecordingSink();
            using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { Discovery = filter }, refusedSink);
            var ex = Assert.Throws<NoDecryptableKeyException>(() => Decrypt(message, keyring));
            var failure = Assert.Single(ex.Failures);
            Assert.Equal((EdkFailureKind.NotAllowed, "KmsKeyNotAllowed"), (failure.Kind, failure.ErrorId));
            Assert.Contains("discovery filter", failure.Reason, StringComparison.Ordinal);
            Assert.Empty(refusedSink.Uses);
        }
    }

    [Fact]
    public void Discovery_refuses_an_EDK_naming_another_partition_even_for_a_listed_account()
    {
        using var provider = Provider();
        var sink = new RecordingSink();
        using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { Discovery = new DiscoveryFilter("aws", ["123456789012"]) }, sink);
        var edk = new EncryptedDataKey("aws-kms", Encoding.UTF8.GetBytes("arn:aws-cn:kms:cn-north-1:123456789012:key/" + Guid.NewGuid()), new byte[64]);
        var result = keyring.TryUnwrap(edk, []);
        Assert.NotNull(result);
        Assert.Equal(EdkFailureKind.NotAllowed, result.Value.Failure!.Kind);
        Assert.Equal("KmsKeyNotAllowed", result.Value.Failure.ErrorId);
        Assert.Empty(sink.Uses);
    }

    [Theory]
    [InlineData("alias/local")]
    [InlineData("arn:aws:kms:us-east-1:123456789012:alias/x")]
    [InlineData("not an arn")]
    [InlineData("")]
    public void An_aws_kms_EDK_whose_provider_info_is_not_a_key_ARN_is_not_allowed_and_not_sent(string info)
    {
        using var provider = Provider();
        var sink = new RecordingSink();
        using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { Discovery = new DiscoveryFilter("aws", ["123456789012"]), AllowedKeys = ["arn:aws:kms:us-east-1:123456789012:key/x"] }, sink);
        var result = keyring.TryUnwrap(new EncryptedDataKey("aws-kms", Encoding.UTF8.GetBytes(info), new byte[64]), []);
        Assert.Equal("KmsKeyNotAllowed", result!.Value.Failure!.ErrorId);
        Assert.Empty(sink.Uses);
    }

    [Fact]
    public void EDKs_of_other_providers_are_not_recognised()
    {
        using var provider = Provider();
        var sink = new RecordingSink();
        using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { Discovery = new DiscoveryFilter("aws", ["123456789012"]) }, sink);
        Assert.Null(keyring.TryUnwrap(new EncryptedDataKey("enctools", Encoding.UTF8.GetBytes("arn:aws:kms:us-east-1:123456789012:key/x"), new byte[64]), []));
        Assert.Null(keyring.TryUnwrap(new EncryptedDataKey("aws-kms-hierarchy", [1], new byte[64]), []));
        Assert.Empty(sink.Uses);
    }

    [Fact]
    public void A_discovery_filter_without_accounts_or_partition_is_an_invalid_identifier()
    {
        using var provider = Provider();
        foreach (var filter in new[] { new DiscoveryFilter("aws", []), new DiscoveryFilter("", ["123456789012"]), new DiscoveryFilter("aws", [" "]) })
        {
            var ex = Assert.ThrowsAny<EncryptionToolsException>(() => provider.CreateDecryptKeyring(new ExternalDecryptScope { Discovery = filter }, null));
            Assert.Equal("KmsInvalidKeyIdentifier", ex.ErrorId);
        }
    }
}
