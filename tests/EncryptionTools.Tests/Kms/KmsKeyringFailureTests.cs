using System.Diagnostics;
using System.Text;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Kms;
using static EncryptionTools.Tests.Kms.KmsKeyringTestSupport;

namespace EncryptionTools.Tests.Kms;

/// <summary>KMS failures on the local endpoint reach callers with exact catalog ids, the key, the operation and the request id.</summary>
public class KmsKeyringFailureTests
{
    /// <summary>Unreachable endpoint and throttling must end within this, retries included (the defaults: 3 retries, 20 s total).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static EncryptionToolsException EncryptFails(AwsKmsKeyringProvider provider, string[] keys, RecordingSink? sink = null)
    {
        using var keyring = provider.CreateEncryptKeyring(keys, sink);
        return Assert.ThrowsAny<EncryptionToolsException>(() => Encrypt(Plaintext(), [keyring]));
    }

    private static EdkFailure DecryptFails(AwsKmsKeyringProvider provider, byte[] message, string allowed, RecordingSink? sink = null)
    {
        using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [allowed] }, sink);
        var ex = Assert.Throws<NoDecryptableKeyException>(() => Decrypt(message, keyring));
        return Assert.Single(ex.Failures);
    }

    private static byte[] MessageUnder(string key)
    {
        using var provider = Provider();
        using var keyring = provider.CreateEncryptKeyring([key], null);
        return Encrypt(Plaintext(), [keyring]);
    }

    [Fact]
    public void An_unreachable_endpoint_fails_within_the_bound_and_names_the_endpoint()
    {
        var url = $"http://127.0.0.1:{KmsEndpoint.ClosedPort()}";
        var key = Endpoint.CreateKey();
        var message = MessageUnder(key);
        using var provider = Provider(url);
        var sink = new RecordingSink();

        var watch = Stopwatch.StartNew();
        var ex = EncryptFails(provider, [key], sink);
        var encryptTime = watch.Elapsed;
        Assert.Equal("KmsEndpointUnreachable", ex.ErrorId);
        Assert.Contains(url, ex.Message, StringComparison.Ordinal);
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        Assert.Contains("kms:GenerateDataKey", ex.Message, StringComparison.Ordinal);
        Assert.Equal(key, ex.Target);
        Assert.True(encryptTime < Bound, $"took {encryptTime}");
        var use = Assert.Single(sink.Uses);
        Assert.False(use.Succeeded);
        Assert.Equal("EndpointUnreachable", use.ErrorCode);

        watch.Restart();
        var failure = DecryptFails(provider, message, key);
        Assert.True(watch.Elapsed < Bound, $"took {watch.Elapsed}");
        Assert.Equal(("KmsEndpointUnreachable", EdkFailureKind.KeyUnusable), (failure.ErrorId, failure.Kind));
        Assert.Contains(url, failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Access_denied_by_key_policy_is_KmsAccessDenied_with_the_request_id()
    {
        var noGenerate = Endpoint.CreateKey(policy: KmsEndpoint.DenyPolicy("kms:GenerateDataKey"));
        using var provider = Provider();
        var sink = new RecordingSink();
        var ex = EncryptFails(provider, [noGenerate], sink);
        Assert.Equal("KmsAccessDenied", ex.ErrorId);
        var use = Assert.Single(sink.Uses);
        Assert.Equal(("kms:GenerateDataKey", false, "AccessDeniedException"), (use.Operation, use.Succeeded, use.ErrorCode));
        Assert.False(string.IsNullOrEmpty(use.RequestId));
        Assert.Contains(use.RequestId!, ex.Message, StringComparison.Ordinal);
        Assert.Contains("AccessDeniedException", ex.Message, StringComparison.Ordinal);

        var noDecrypt = Endpoint.CreateKey(policy: KmsEndpoint.DenyPolicy("kms:Decrypt"));
        var message = MessageUnder(noDecrypt);
        var decryptSink = new RecordingSink();
        var failure = DecryptFails(provider, message, noDecrypt, decryptSink);
        Assert.Equal(("KmsAccessDenied", EdkFailureKind.KeyUnusable), (failure.ErrorId, failure.Kind));
        var decryptUse = Assert.Single(decryptSink.Uses);
        Assert.StartsWith("AccessDeniedException: ", failure.Reason, StringComparison.Ordinal);
        Assert.EndsWith($"(request {decryptUse.RequestId})", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_KMS_key_after_the_first_fails_encryption_too_and_the_data_key_is_not_used()
    {
        var good = Endpoint.CreateKey();
        var noEncrypt = Endpoint.CreateKey(policy: KmsEndpoint.DenyPolicy("kms:Encrypt"));
        using var provider = Provider();
        var sink = new RecordingSink();
        var ex = EncryptFails(provider, [good, noEncrypt], sink);
        Assert.Equal("KmsAccessDenied", ex.ErrorId);
        Assert.Equal(noEncrypt, ex.Target);
        Assert.Equal([true, false], sink.Uses.Select(u => u.Succeeded));
    }

    [Fact]
    public void A_disabled_key_is_KmsKeyDisabled_on_encryption_and_decryption()
    {
        var key = Endpoint.CreateKey();
        var message = MessageUnder(key);
        Endpoint.Disable(key);
        using var provider = Provider();
        Assert.Equal("KmsKeyDisabled", EncryptFails(provider, [key]).ErrorId);
        var failure = DecryptFails(provider, message, key);
        Assert.Equal(("KmsKeyDisabled", EdkFailureKind.KeyUnusable), (failure.ErrorId, failure.Kind));
        Assert.StartsWith("DisabledException: ", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_pending_deletion_is_KmsKeyInvalidState()
    {
        var key = Endpoint.CreateKey();
        var message = MessageUnder(key);
        Endpoint.ScheduleDeletion(key);
        using var provider = Provider();
        Assert.Equal("KmsKeyInvalidState", EncryptFails(provider, [key]).ErrorId);
        Assert.Equal("KmsKeyInvalidState", DecryptFails(provider, message, key).ErrorId);
        var status = provider.Describe(key);
        Assert.Equal("PendingDeletion", status.State);
        Assert.Equal(key, status.KeyArn);
        Assert.NotNull(status.DeletionDate);
        Assert.True(status.DeletionDate > DateTimeOffset.UtcNow.AddDays(6));
    }

    [Fact]
    public void An_EDK_under_another_context_is_KmsInvalidCiphertext()
    {
        var key = Endpoint.CreateKey();
        using var provider = Provider();
        using var encrypt = provider.CreateEncryptKeyring([key], null);
        var (dataKey, edks) = ((IDataKeyGenerator)encrypt).Generate(32, EncryptionContext.Serialize(Context));
        Assert.Equal(32, dataKey.Length);
        var sink = new RecordingSink();
        using var decrypt = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [key] }, sink);
        var other = new Dictionary<string, string>(Context) { ["tenant"] = "fabrikam" };
        var result = decrypt.TryUnwrap(Assert.Single(edks), EncryptionContext.Serialize(other));
        Assert.Null(result!.Value.DataKey);
        Assert.Equal(("KmsInvalidCiphertext", EdkFailureKind.WrongKey), (result.Value.Failure!.ErrorId, result.Value.Failure.Kind));
        Assert.Equal("InvalidCiphertextException", Assert.Single(sink.Uses).ErrorCode);
        Assert.Equal(dataKey, decrypt.TryUnwrap(edks[0], EncryptionContext.Serialize(Context))!.Value.DataKey);
    }

    [Fact]
    public void Throttling_ends_as_KmsThrottled_within_the_bound()
    {
        var key = Endpoint.CreateKey("please throttle this key");
        using var provider = Provider();
        var sink = new RecordingSink();
        var watch = Stopwatch.StartNew();
        var ex = EncryptFails(provider, [key], sink);
        Assert.True(watch.Elapsed < Bound, $"took {watch.Elapsed}");
        Assert.Equal("KmsThrottled", ex.ErrorId);
        Assert.Contains("ThrottlingException", ex.Message, StringComparison.Ordinal);
        var use = Assert.Single(sink.Uses);
        Assert.Equal("ThrottlingException", use.ErrorCode);
        Assert.False(string.IsNullOrEmpty(use.RequestId));
    }

    [Fact]
    public void An_EDK_that_names_one_key_but_holds_another_keys_blob_never_yields_a_data_key()
    {
        var named = Endpoint.CreateKey();
        var actual = Endpoint.CreateKey();
        using var provider = Provider();
        using var encrypt = provider.CreateEncryptKeyring([actual], null);
        var (_, edks) = ((IDataKeyGenerator)encrypt).Generate(32, []);
        var forged = new EncryptedDataKey("aws-kms", Encoding.UTF8.GetBytes(named), edks[0].Ciphertext);
        var sink = new RecordingSink();
        using var decrypt = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [named] }, sink);
        var result = decrypt.TryUnwrap(forged, []);
        Assert.Null(result!.Value.DataKey);
        // KMS itself refuses a KeyId that is not the blob's key: AWS says IncorrectKeyException (KmsInvalidCiphertext),
        // the local endpoint (moto) says AccessDeniedException.
        Assert.Equal("KmsAccessDenied", result.Value.Failure!.ErrorId);
        Assert.Equal("AccessDeniedException", Assert.Single(sink.Uses).ErrorCode);
    }

    [Fact]
    public void A_Decrypt_answer_naming_another_key_is_KmsKeyMismatch_and_its_plaintext_is_discarded()
    {
        var key = Endpoint.CreateKey();
        var other = Endpoint.CreateKey();
        var message = MessageUnder(key);
        using var liar = new LyingKmsEndpoint(Endpoint.Url, (operation, json) =>
        {
            if (operation != "Decrypt") return false;
            json["KeyId"] = other;
            return true;
        });
        using var provider = Provider(liar.Url);
        var sink = new RecordingSink();
        var failure = DecryptFails(provider, message, key, sink);
        Assert.Equal(1, liar.Rewritten);
        Assert.Equal(("KmsKeyMismatch", EdkFailureKind.WrongKey), (failure.ErrorId, failure.Kind));
        Assert.Contains(other, failure.Reason, StringComparison.Ordinal);
        Assert.Equal(key, failure.KeyName);

        var wrapped = provider.WrapSecret(key, new byte[32], Context, null);
        var ex = Assert.ThrowsAny<EncryptionToolsException>(() => provider.UnwrapSecret(key, wrapped, Context, null));
        Assert.Equal("KmsKeyMismatch", ex.ErrorId);
        Assert.Equal(key, ex.Target);
    }

    [Theory]
    [InlineData("GenerateDataKey", "Plaintext", "AAAA")]
    [InlineData("GenerateDataKey", "KeyId", "arn:aws:kms:us-east-1:123456789012:alias/elsewhere")]
    [InlineData("Encrypt", "KeyId", "not-an-arn")]
    public void An_encryption_answer_that_is_not_what_the_ESDK_accepts_is_refused(string operation, string field, string value)
    {
        var key = Endpoint.CreateKey();
        var second = Endpoint.CreateKey();
        using var liar = new LyingKmsEndpoint(Endpoint.Url, (op, json) =>
        {
            if (op != operation) return false;
            json[field] = value;
            return true;
        });
        using var provider = Provider(liar.Url);
        var ex = EncryptFails(provider, [key, second]);
        Assert.Equal("KmsRequestFailed", ex.ErrorId);
        Assert.Contains(operation, ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, liar.Rewritten);
    }

    [Theory]
    [InlineData("alias/local")]
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab")]
    [InlineData("arn:aws:kms:us-east-1:123456789012:key/")]
    [InlineData("arn:aws:s3:::bucket")]
    [InlineData("arn:aws:kms:us-east-1:123456789012:grant/x")]
    [InlineData("")]
    public void A_key_named_other_than_by_key_or_alias_ARN_is_KmsInvalidKeyIdentifier(string id)
    {
        using var provider = Provider();
        Assert.False(provider.Recognizes(id));
        var ex = Assert.ThrowsAny<EncryptionToolsException>(() => provider.CreateEncryptKeyring([Endpoint.CreateKey(), id], null));
        Assert.Equal("KmsInvalidKeyIdentifier", ex.ErrorId);
        Assert.Equal(id, ex.Target);
        ex = Assert.ThrowsAny<EncryptionToolsException>(() => provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [id] }, null));
        Assert.Equal("KmsInvalidKeyIdentifier", ex.ErrorId);
        Assert.Equal("KmsInvalidKeyIdentifier", Assert.ThrowsAny<EncryptionToolsException>(() => provider.Describe(id)).ErrorId);
        Assert.Equal("KmsInvalidKeyIdentifier", Assert.ThrowsAny<EncryptionToolsException>(() => provider.WrapSecret(id, new byte[32], Context, null)).ErrorId);
    }

    [Fact]
    public void A_key_that_does_not_exist_is_KmsKeyNotFound()
    {
        using var provider = Provider();
        var missing = $"arn:aws:kms:us-east-1:123456789012:key/{Guid.NewGuid()}";
        Assert.Equal("KmsKeyNotFound", EncryptFails(provider, [missing]).ErrorId);
        Assert.Equal("KmsKeyNotFound", Assert.ThrowsAny<EncryptionToolsException>(() => provider.Describe(missing)).ErrorId);
        Assert.Equal("KmsKeyNotFound", EncryptFails(provider, ["arn:aws:kms:us-east-1:123456789012:alias/none-" + Guid.NewGuid().ToString("N")]).ErrorId);
    }
}
