using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.Engine;

/// <summary>When no EDK opens, the error says, for every EDK, why; the required context is enforced before any plaintext.</summary>
public class KeyFailureTests
{
    private static readonly Dictionary<string, string> Context = new() { ["dept"] = "finance", ["year"] = "2025" };

    private static (byte[] Message, byte[] Plaintext, byte[] K1) ThreeEdkMessage()
    {
        var k1 = RandomNumberGenerator.GetBytes(32);
        using var a1 = Crypt.AesKeyring("aes-one", k1, "corp");
        using var a2 = Crypt.AesKeyring("aes-two", null, "corp");
        using var rsa = TestKeys.RsaEncryptOnly(0, "rsa-three", "corp");
        var plaintext = RandomNumberGenerator.GetBytes(1000);
        return (Crypt.Encrypt(plaintext, [a1, a2, rsa], new EncryptOptions { EncryptionContext = Context }), plaintext, k1);
    }

    private static NoDecryptableKeyException NoKey(byte[] message, IReadOnlyList<IKeyring> keyrings)
    {
        using var output = new MemoryStream();
        var ex = (NoDecryptableKeyException)Must.FailTyped(() => MessageDecryptor.Decrypt(new MemoryStream(message), output, keyrings),
            "no key", typeof(NoDecryptableKeyException));
        Assert.Equal(0, output.Length);
        return ex;
    }

    [Fact]
    public void Every_edk_is_listed_with_why_it_failed()
    {
        var (m, _, _) = ThreeEdkMessage();
        using var wrongAes = Crypt.AesKeyring("aes-one", null, "corp");         // right name, wrong material
        using var wrongRsa = TestKeys.RsaDecryptOnly(1, "rsa-three", "corp");  // right name, another private key
        var ex = NoKey(m, [wrongAes, wrongRsa]);

        Assert.Equal(3, ex.Failures.Count);
        Assert.Equal(("corp", "aes-one", EdkFailureKind.WrongKey), (ex.Failures[0].ProviderId, ex.Failures[0].KeyName, ex.Failures[0].Kind));
        Assert.Equal(("corp", "aes-two", EdkFailureKind.UnknownKey), (ex.Failures[1].ProviderId, ex.Failures[1].KeyName, ex.Failures[1].Kind));
        Assert.Equal(("corp", "rsa-three", EdkFailureKind.WrongKey), (ex.Failures[2].ProviderId, ex.Failures[2].KeyName, ex.Failures[2].Kind));
        Assert.Contains("3 encrypted data key", ex.Message);
        foreach (var f in ex.Failures)
        {
            Assert.False(string.IsNullOrWhiteSpace(f.Reason));
            Assert.Contains(f.KeyName, ex.Message);
            Assert.Contains(f.Reason, ex.Message);
        }
        Assert.NotEqual(ex.Failures[0].Reason, ex.Failures[1].Reason);
        Assert.Equal("NoDecryptableKey", ex.ErrorId);
    }

    /// <summary>Two held keys share a name (an old and a new key, say): the report still has one entry per EDK, in order.</summary>
    [Fact]
    public void Several_keys_failing_on_one_edk_still_give_one_entry_per_edk()
    {
        using var a1 = Crypt.AesKeyring("aes-one", null, "corp");
        using var a2 = Crypt.AesKeyring("aes-two", null, "corp");
        var m = Crypt.Encrypt([1, 2, 3], [a1, a2]);
        using var old1 = Crypt.AesKeyring("aes-one", null, "corp");
        using var old2 = Crypt.AesKeyring("aes-one", null, "corp");
        var ex = NoKey(m, [old1, old2]);
        Assert.Equal(["aes-one", "aes-two"], ex.Failures.Select(f => f.KeyName));
        Assert.Equal([EdkFailureKind.WrongKey, EdkFailureKind.UnknownKey], ex.Failures.Select(f => f.Kind));
        Assert.Contains("2 encrypted data key", ex.Message);
        Assert.Contains("EDK 2 (corp / aes-two)", ex.Message);
        Assert.DoesNotContain("EDK 3", ex.Message);
    }

    [Fact]
    public void With_no_matching_keyring_every_edk_is_unknown()
    {
        var (m, _, _) = ThreeEdkMessage();
        using var otherNamespace = Crypt.AesKeyring("aes-one", null, "elsewhere");
        foreach (var keyrings in new IKeyring[][] { [], [otherNamespace] })
        {
            var ex = NoKey(m, keyrings);
            Assert.Equal(["aes-one", "aes-two", "rsa-three"], ex.Failures.Select(f => f.KeyName));
            Assert.All(ex.Failures, f => Assert.Equal(EdkFailureKind.UnknownKey, f.Kind));
        }
    }

    [Fact]
    public void A_public_only_rsa_keyring_reports_the_key_unusable()
    {
        var (m, _, _) = ThreeEdkMessage();
        using var publicOnly = TestKeys.RsaEncryptOnly(0, "rsa-three", "corp");
        var ex = NoKey(m, [publicOnly]);
        Assert.Equal(EdkFailureKind.KeyUnusable, ex.Failures.Single(f => f.KeyName == "rsa-three").Kind);
    }

    [Fact]
    public void A_right_key_after_wrong_ones_still_decrypts()
    {
        var (m, plaintext, k1) = ThreeEdkMessage();
        using var wrongAes = Crypt.AesKeyring("aes-two", null, "corp");
        using var wrongRsa = TestKeys.RsaDecryptOnly(1, "rsa-three", "corp");
        using var right = Crypt.AesKeyring("aes-one", k1, "corp");
        using var output = new MemoryStream();
        var r = MessageDecryptor.Decrypt(new MemoryStream(m), output, [wrongAes, wrongRsa, right]);
        Assert.Equal(plaintext, output.ToArray());
        Assert.Equal("aes-one", EdkNames.KeyName(r.DecryptedWith));
    }

    [Fact]
    public void An_altered_wrapped_key_is_a_wrong_key_and_leaves_no_file()
    {
        using var keyring = Crypt.AesKeyring("only");
        var m = Crypt.Encrypt([1, 2, 3], [keyring]);
        var edk = MessageLayout.Parse(m).Edks[0];
        m[edk.Ciphertext.Offset + 3] ^= 0x10;
        using var dir = new TempDir();
        var ex = (NoDecryptableKeyException)Must.FailTyped(() => FileRoute.DecryptFile(dir.Write("m.enc", m), dir.File("out"), [keyring]),
            "altered edk", typeof(NoDecryptableKeyException));
        Assert.Equal(EdkFailureKind.WrongKey, ex.Failures.Single().Kind);
        Assert.Equal(["m.enc"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Required_context_is_checked_before_any_plaintext()
    {
        var (m, plaintext, k1) = ThreeEdkMessage();
        using var keyring = Crypt.AesKeyring("aes-one", k1, "corp");
        foreach (var (required, mentions) in new[]
        {
            (new Dictionary<string, string> { ["dept"] = "hr" }, "dept"),
            (new Dictionary<string, string> { ["project"] = "x" }, "project"),
            (new Dictionary<string, string> { ["dept"] = "finance", ["year"] = "2024" }, "year"),
        })
        {
            using var output = new MemoryStream();
            var ex = Must.FailTyped(() => MessageDecryptor.Decrypt(new MemoryStream(m), output, [keyring], new DecryptOptions { RequiredEncryptionContext = required }),
                mentions, typeof(EncryptionContextMismatchException));
            Assert.Contains(mentions, ex.Message);
            Assert.Equal(0, output.Length);
        }
        Assert.Equal(plaintext, Crypt.Decrypt(m, [keyring], new DecryptOptions { RequiredEncryptionContext = new Dictionary<string, string> { ["year"] = "2025" } }));
    }
}
