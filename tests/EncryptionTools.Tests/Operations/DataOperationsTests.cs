using System.Security;
using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Operations;

/// <summary>The in-memory data plane on a real temporary store: the same engine, keyrings, checks and audit as files.</summary>
public class DataOperationsTests
{
    private static readonly string Me = "user:" + EncryptionTools.Engine.Access.KeyPolicies.CurrentUser();

    private static Dictionary<string, string> Ctx(string app) => new(StringComparer.Ordinal) { ["app"] = app };

    private static byte[] Encrypt(DataOperations data, byte[] plaintext, string key, IReadOnlyDictionary<string, string>? context = null) =>
        data.Encrypt(new MemoryStream(plaintext, writable: false), new FileKeys { KeyIds = [key] }, context);

    private static byte[] Decrypt(DataOperations data, byte[] message, IReadOnlyList<string>? restrict = null, IReadOnlyDictionary<string, string>? expect = null)
    {
        using var plain = data.Decrypt(message, restrict, expect);
        return plain.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(65536)]
    [InlineData(65537)]
    [InlineData(10 * 1024 * 1024)]
    public void Bytes_of_every_size_round_trip_as_a_standard_message(int size)
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/app" });
        using var ops = new FileOperations(t.Store);
        var data = new DataOperations(ops);
        var plaintext = RandomNumberGenerator.GetBytes(size);
        var message = Encrypt(data, plaintext, "alias/app");
        Assert.Equal(0x02, message[0]); // a v2 message, as Protect-File writes
        Assert.Equal(plaintext, Decrypt(data, message));
        Assert.Equal(message, DataOperations.FromBase64(Convert.ToBase64String(message)));
    }

    [Fact]
    public void Any_bytes_and_any_context_round_trip()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/app" });
        using var ops = new FileOperations(t.Store);
        var data = new DataOperations(ops);
        var text = Gen.Choose(1, 0xD7FF).Select(i => (char)i).ArrayOf().Select(a => new string(a));
        Prop.ForAll(Gen.Choose(0, 255).Select(i => (byte)i).ArrayOf().ToArbitrary(), text.ToArbitrary(), text.ToArbitrary(), (bytes, key, value) =>
        {
            var context = key.Length == 0 || key.StartsWith("aws-crypto-", StringComparison.Ordinal) ? null : new Dictionary<string, string> { [key] = value };
            var message = Encrypt(data, bytes, "alias/app", context);
            Assert.Equal(bytes, Decrypt(data, message, null, context));
            Assert.Equal(bytes, Decrypt(data, DataOperations.FromBase64(Convert.ToBase64String(message, Base64FormattingOptions.InsertLineBreaks))));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void Text_and_SecureString_go_through_UTF8_without_a_managed_string()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/app" });
        using var ops = new FileOperations(t.Store);
        var data = new DataOperations(ops);
        const string secret = "p@ss wörd ✓ \U0001F600";
        var secure = new SecureString();
        foreach (var c in secret) secure.AppendChar(c);
        var bytes = DataOperations.Utf8Of(secure, out var length);
        Assert.Equal(Encoding.UTF8.GetBytes(secret), bytes[..length]);
        var message = data.Encrypt(new MemoryStream(bytes, 0, length, writable: false), new FileKeys { KeyIds = ["alias/app"] }, null);
        CryptographicOperations.ZeroMemory(bytes);

        using var plain = data.Decrypt(message, null, null);
        Assert.Equal(secret, DataOperations.ToText(plain.Span));
        using var back = DataOperations.ToSecureString(plain.Span);
        Assert.True(back.IsReadOnly());
        Assert.Equal(secret.Length, back.Length);
        Assert.Equal(secret, new System.Net.NetworkCredential("", back).Password);
    }

    [Fact]
    public void Data_that_is_not_text_or_too_long_for_a_SecureString_is_refused_clearly()
    {
        var notText = Assert.Throws<EncryptionToolsException>(() => DataOperations.ToText([0xC3, 0x28]));
        Assert.Equal(ErrorCatalog.DataNotText.Id, notText.ErrorId);
        Assert.Equal(ErrorCatalog.DataNotText.Id, Assert.Throws<EncryptionToolsException>(() => DataOperations.ToSecureString([0xFF])).ErrorId);
        var tooLong = Assert.Throws<EncryptionToolsException>(() => DataOperations.ToSecureString(new byte[DataOperations.MaxSecureStringLength + 1]));
        Assert.Equal(ErrorCatalog.DataTooLongForSecureString.Id, tooLong.ErrorId);
        Assert.Equal(ErrorCatalog.InvalidDataInput.Id, Assert.Throws<EncryptionToolsException>(() => DataOperations.Utf8Of("a\uD800", out _)).ErrorId);
        var notBase64 = Assert.Throws<NotAnEncryptedMessageException>(() => DataOperations.FromBase64("p@ss is not base64!"));
        Assert.DoesNotContain("p@ss", notBase64.Message, StringComparison.Ordinal); // the input is never echoed
    }

    [Fact]
    public void Context_is_enforced_and_tampering_releases_nothing()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/app" });
        using var ops = new FileOperations(t.Store);
        var data = new DataOperations(ops);
        var message = Encrypt(data, "secret"u8.ToArray(), "alias/app", Ctx("billing"));
        Assert.Equal("secret"u8.ToArray(), Decrypt(data, message, null, Ctx("billing")));
        Assert.Throws<EncryptionContextMismatchException>(() => data.Decrypt(message, null, Ctx("payroll")));
        Assert.Throws<EncryptionContextMismatchException>(() => data.Decrypt(message, null, new Dictionary<string, string> { ["tenant"] = "x" }));

        var last = (byte[])message.Clone();
        last[^20] ^= 1; // inside the final frame
        Assert.Throws<MessageTamperedException>(() => data.Decrypt(last, null, null));
        Assert.ThrowsAny<EncryptionToolsException>(() => data.Decrypt(message[..^1], null, null));
        Assert.Throws<MessageTamperedException>(() => data.Decrypt([.. message, 0], null, null));
    }

    [Fact]
    public void Strict_keys_decrypt_only_with_the_named_keys()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/a" });
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/b" });
        using var ops = new FileOperations(t.Store);
        var data = new DataOperations(ops);
        var message = Encrypt(data, "x"u8.ToArray(), "alias/a");
        Assert.Equal("x"u8.ToArray(), Decrypt(data, message, ["alias/a"]));
        var refused = Assert.Throws<NoDecryptableKeyException>(() => data.Decrypt(message, ["alias/b"], null));
        Assert.Equal(EdkFailureKind.NotAllowed, Assert.Single(refused.Failures).Kind);
    }

    [Fact]
    public void A_data_key_comes_back_from_its_ciphertext_and_without_plaintext_none_is_returned()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/app" });
        using var ops = new FileOperations(t.Store);
        var data = new DataOperations(ops);
        var dk = data.GenerateDataKey("alias/app", Ctx("cache"), withoutPlaintext: false);
        Assert.Equal(32, dk.Plaintext!.Length);
        Assert.Equal(key.KeyId, dk.KeyId);
        Assert.Equal(key.Arn, dk.KeyArn);
        Assert.Equal("cache", dk.EncryptionContext["app"]);
        Assert.Equal(dk.Plaintext, Decrypt(data, dk.CiphertextBlob, null, Ctx("cache")));
        Assert.DoesNotContain(Convert.ToHexString(dk.Plaintext), dk.ToString(), StringComparison.Ordinal);

        var blind = data.GenerateDataKey(key.KeyId, null, withoutPlaintext: true);
        Assert.Null(blind.Plaintext);
        Assert.Equal(32, Decrypt(data, blind.CiphertextBlob).Length);
        Assert.NotEqual(dk.CiphertextBlob, blind.CiphertextBlob);
    }

    [Fact]
    public void ReEncrypt_changes_only_the_header_and_moves_the_message_to_the_new_keys()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/old" });
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/new" });
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/dr" });
        using var ops = new FileOperations(t.Store);
        var data = new DataOperations(ops);
        var plaintext = RandomNumberGenerator.GetBytes(200_000);
        var message = Encrypt(data, plaintext, "alias/old", Ctx("billing"));
        var before = MessageHeader.Read(new MemoryStream(message));

        var moved = data.ReEncrypt(message, new FileKeys { KeyIds = ["alias/new", "alias/dr"] }, ["alias/old"], Ctx("billing"));
        var after = MessageHeader.Read(new MemoryStream(moved));
        Assert.Equal(before.MessageId, after.MessageId);
        Assert.Equal(before.EncryptionContext, after.EncryptionContext);
        Assert.Equal(2, after.EncryptedDataKeys.Count);
        Assert.Equal(message.AsSpan(before.TotalLength).ToArray(), moved.AsSpan(after.TotalLength).ToArray()); // the body, byte for byte

        Assert.Equal(plaintext, Decrypt(data, moved, ["alias/new"], Ctx("billing")));
        Assert.Equal(plaintext, Decrypt(data, moved, ["alias/dr"]));
        Assert.Throws<NoDecryptableKeyException>(() => data.Decrypt(moved, ["alias/old"], null));
        Assert.Throws<EncryptionContextMismatchException>(() => data.ReEncrypt(message, new FileKeys { KeyIds = ["alias/new"] }, null, Ctx("other")));
        Assert.Throws<NoDecryptableKeyException>(() => data.ReEncrypt(message, new FileKeys { KeyIds = ["alias/new"] }, ["alias/dr"], null));

        var forged = (byte[])message.Clone();
        forged[before.TotalLength - 1] ^= 1; // the header's tag
        Assert.Throws<MessageTamperedException>(() => data.ReEncrypt(forged, new FileKeys { KeyIds = ["alias/new"] }, null, null));
    }

    [Fact]
    public void Each_operation_is_recorded_under_its_own_action()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/app" });
        var other = t.Store.NewKey(new NewKeyRequest { Alias = "alias/other" });
        using (var ops = new FileOperations(t.Store))
        {
            var data = new DataOperations(ops);
            var message = Encrypt(data, "x"u8.ToArray(), "alias/app", Ctx("a"));
            Decrypt(data, message);
            data.GenerateDataKey("alias/app", Ctx("a"), false);
            data.GenerateDataKey("alias/app", Ctx("a"), true);
            data.ReEncrypt(message, new FileKeys { KeyIds = ["alias/other"] }, null, null);
        }
        var events = t.Store.QueryAudit().Where(e => e.KeyId is not null && e.Action.StartsWith("kms:", StringComparison.Ordinal)
            && e.Action is not KmsActions.CreateKey and not KmsActions.CreateAlias).ToList();
        Assert.Equal(
            [KmsActions.Encrypt, KmsActions.Decrypt, KmsActions.GenerateDataKey, KmsActions.GenerateDataKeyWithoutPlaintext, KmsActions.ReEncryptFrom, KmsActions.ReEncryptTo],
            events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(AuditResult.Succeeded, e.Result));
        Assert.Equal(other.KeyId, events[^1].KeyId);
        Assert.All(events[..^1], e => Assert.Equal(key.KeyId, e.KeyId));
        Assert.Equal("a", events[0].EncryptionContext!["app"]);
    }

    public static TheoryData<string> DataActions() =>
        [KmsActions.Encrypt, KmsActions.Decrypt, KmsActions.GenerateDataKey, KmsActions.GenerateDataKeyWithoutPlaintext, KmsActions.ReEncryptFrom, KmsActions.ReEncryptTo];

    [Theory]
    [MemberData(nameof(DataActions))]
    public void A_policy_that_denies_the_action_refuses_the_operation_and_the_refusal_is_audited(string action)
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/app" });
        using var ops = new FileOperations(t.Store);
        var data = new DataOperations(ops);
        var message = Encrypt(data, "x"u8.ToArray(), "alias/app"); // made before the policy
        t.Store.PutKeyPolicy(key.KeyId, $$"""
            {"Version":"2012-10-17","Statement":[
              {"Sid":"Owner","Effect":"Allow","Principal":{"EncTools":"{{Me}}"},"Action":"kms:*","Resource":"*"},
              {"Sid":"NotThis","Effect":"Deny","Principal":{"EncTools":"{{Me}}"},"Action":"{{action}}","Resource":"*"}]}
            """);
        ops.InvalidateKeyrings();
        Action run = action switch
        {
            KmsActions.Encrypt => () => Encrypt(data, "y"u8.ToArray(), "alias/app"),
            KmsActions.Decrypt => () => data.Decrypt(message, null, null),
            KmsActions.GenerateDataKey => () => data.GenerateDataKey("alias/app", null, false),
            KmsActions.GenerateDataKeyWithoutPlaintext => () => data.GenerateDataKey("alias/app", null, true),
            _ => () => data.ReEncrypt(message, new FileKeys { KeyIds = ["alias/app"] }, null, null),
        };
        var error = Assert.ThrowsAny<EncryptionToolsException>(run);
        if (error is NoDecryptableKeyException refused) Assert.Equal(EdkFailureKind.NotAllowed, Assert.Single(refused.Failures).Kind);
        else Assert.IsType<AccessDeniedException>(error);
        ops.FlushAuditRecords();
        Assert.Contains(t.Store.QueryAudit(), e => e.Action == action && e.Result == AuditResult.Denied && e.KeyId == key.KeyId);
    }
}
