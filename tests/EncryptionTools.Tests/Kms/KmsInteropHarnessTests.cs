using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EncryptionTools.Tests.Engine;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// The JS harness's AWS KMS keyrings against the local endpoint, JS to JS: what the official SDK writes and calls is
/// what the interop tests then hold our engine to, so the harness itself must be right first.
/// </summary>
[Trait("Category", "Interop")]
public class KmsInteropHarnessTests
{
    private static KmsEndpoint Kms => KmsEndpoint.Instance;

    private static readonly Dictionary<string, string> Context = new(StringComparer.Ordinal) { ["purpose"] = "kms-interop", ["B"] = "upper", ["a"] = "lower" };

    private static (string Plain, byte[] Bytes) Plaintext(TempDir dir, int size = 20_000)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        return (dir.Write("plain.bin", bytes), bytes);
    }

    [Theory]
    [InlineData("default", 0x0578)]
    [InlineData("0478", 0x0478)]
    public void KmsKeyringNode_generates_with_its_generator_wraps_with_the_rest_and_binds_the_context(string suite, int suiteId)
    {
        using var dir = new TempDir();
        var (a, b) = (Kms.CreateKey(), Kms.CreateKey());
        var (plain, bytes) = Plaintext(dir);
        var enc = KmsJs.Encrypt(dir, plain, dir.File("js.enc"), suite, Context, KmsJs.Keyring(a, b));
        Assert.True(enc.Exit == 0, enc.Describe());

        Assert.Equal(["GenerateDataKey:" + a, "Encrypt:" + b], enc.KmsCalls.Select(c => c.Operation + ":" + c.KeyId));
        Assert.All(enc.KmsCalls, c => Assert.Equal(KmsJs.HeaderContext(dir.File("js.enc")), c.EncryptionContext));
        Assert.Equal(suiteId == 0x0578, enc.KmsCalls[0].EncryptionContext.ContainsKey("aws-crypto-public-key"));
        KmsJs.AssertKmsEdks(dir.File("js.enc"), a, b);

        var dec = KmsJs.Decrypt(dir, dir.File("js.enc"), dir.File("js.out"), Context, KmsJs.Keyring(null, b));
        Assert.True(dec.Exit == 0, dec.Describe());
        Assert.Equal(bytes, File.ReadAllBytes(dir.File("js.out")));
        Assert.Equal(suiteId, dec.SuiteId);
        Assert.Equal(["Decrypt:" + b + ">" + b], dec.KmsCalls.Select(c => c.Operation + ":" + c.KeyId + ">" + c.ResponseKeyId));
    }

    [Fact]
    public void A_generator_named_by_alias_ARN_writes_the_key_ARN_which_strict_decryption_must_name()
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        var alias = Kms.CreateAlias(a, "alias/harness-" + Guid.NewGuid().ToString("N")[..8]);
        var (plain, bytes) = Plaintext(dir);
        var enc = KmsJs.Encrypt(dir, plain, dir.File("js.enc"), "0478", Context, KmsJs.Keyring(alias));
        Assert.True(enc.Exit == 0, enc.Describe());
        KmsJs.AssertKmsEdks(dir.File("js.enc"), a);

        // The ESDK compares the EDK's key ARN with the listed identifiers as strings: an alias ARN matches nothing.
        var byAlias = KmsJs.Decrypt(dir, dir.File("js.enc"), dir.File("alias.out"), null, KmsJs.Keyring(null, alias));
        Assert.Equal(1, byAlias.Exit);
        Assert.Empty(byAlias.KmsCalls);
        Assert.False(File.Exists(dir.File("alias.out")));

        var byArn = KmsJs.Decrypt(dir, dir.File("js.enc"), dir.File("arn.out"), null, KmsJs.Keyring(null, a));
        Assert.True(byArn.Exit == 0, byArn.Describe());
        Assert.Equal(bytes, File.ReadAllBytes(dir.File("arn.out")));
    }

    [Fact]
    public void Discovery_opens_keys_of_the_filtered_account_and_partition_only_and_strict_only_the_listed_keys()
    {
        using var dir = new TempDir();
        var (a, b, other) = (Kms.CreateKey(), Kms.CreateKey(), Kms.CreateKey());
        var (plain, bytes) = Plaintext(dir);
        Assert.True(KmsJs.Encrypt(dir, plain, dir.File("js.enc"), "default", Context, KmsJs.Keyring(a, b)).Exit == 0);

        foreach (var (name, keyring) in new[] { ("discovery", KmsJs.Discovery("aws", KmsJs.Account)), ("unfiltered", KmsJs.Discovery()) })
        {
            var ok = KmsJs.Decrypt(dir, dir.File("js.enc"), dir.File(name + ".out"), Context, keyring);
            Assert.True(ok.Exit == 0, $"{name}: {ok.Describe()}");
            Assert.Equal(bytes, File.ReadAllBytes(dir.File(name + ".out")));
            Assert.Equal("Decrypt:" + a, ok.KmsCalls.Select(c => c.Operation + ":" + c.KeyId).First());
        }

        foreach (var (name, keyring) in new[]
        {
            ("other-account", KmsJs.Discovery("aws", "111122223333")), ("other-partition", KmsJs.Discovery("aws-cn", KmsJs.Account)),
            ("unlisted-key", KmsJs.Keyring(null, other)),
        })
        {
            var refused = KmsJs.Decrypt(dir, dir.File("js.enc"), dir.File(name + ".out"), null, keyring);
            Assert.True(refused.Exit == 1, $"{name}: {refused.Describe()}");
            Assert.Empty(refused.KmsCalls);
            Assert.False(File.Exists(dir.File(name + ".out")), name);
        }
    }

    [Fact]
    public void The_MRK_aware_keyrings_and_KmsKeyringNode_read_each_others_messages()
    {
        using var dir = new TempDir();
        var (a, b) = (Kms.CreateKey(), Kms.CreateKey());
        var (plain, bytes) = Plaintext(dir);
        Assert.True(KmsJs.Encrypt(dir, plain, dir.File("legacy.enc"), "default", Context, KmsJs.Keyring(a, b)).Exit == 0);
        var mrk = KmsJs.Encrypt(dir, plain, dir.File("mrk.enc"), "0478", Context, KmsJs.MrkKeyring(b, a));
        Assert.True(mrk.Exit == 0, mrk.Describe());
        Assert.Equal(["GenerateDataKey:" + b, "Encrypt:" + a], mrk.KmsCalls.Select(c => c.Operation + ":" + c.KeyId));
        KmsJs.AssertKmsEdks(dir.File("mrk.enc"), b, a);

        foreach (var (file, keyring) in new[]
        {
            ("legacy.enc", KmsJs.MrkKeyring(null, b)), ("legacy.enc", KmsJs.MrkDiscovery(KmsJs.Account)),
            ("mrk.enc", KmsJs.Keyring(null, a)), ("mrk.enc", KmsJs.Discovery("aws", KmsJs.Account)),
        })
        {
            var r = KmsJs.Decrypt(dir, dir.File(file), dir.File("x.out"), Context, keyring);
            Assert.True(r.Exit == 0, $"{file} with {keyring.ToJsonString()}: {r.Describe()}");
            Assert.Equal(bytes, File.ReadAllBytes(dir.File("x.out")));
            File.Delete(dir.File("x.out"));
        }
    }

    [Fact]
    public void Kms_keyrings_mix_with_raw_AES_and_RSA_keyrings_and_each_alone_decrypts()
    {
        using var dir = new TempDir();
        var keys = new InteropKeys();
        var a = Kms.CreateKey();
        var (plain, bytes) = Plaintext(dir);
        var enc = KmsJs.Encrypt(dir, plain, dir.File("js.enc"), "default", Context,
            KmsJs.Keyring(a), keys.AesJson("aes-1", keys.Aes1), keys.RsaJson(true, false));
        Assert.True(enc.Exit == 0, enc.Describe());
        Assert.Equal(["GenerateDataKey:" + a], enc.KmsCalls.Select(c => c.Operation + ":" + c.KeyId));
        KmsJs.AssertKmsEdks(dir.File("js.enc"), a);

        foreach (var keyring in new[] { KmsJs.Keyring(null, a), keys.AesJson("aes-1", keys.Aes1), keys.RsaJson(false, true) })
        {
            var r = KmsJs.Decrypt(dir, dir.File("js.enc"), dir.File("x.out"), Context, keyring);
            Assert.True(r.Exit == 0, r.Describe());
            Assert.Equal(bytes, File.ReadAllBytes(dir.File("x.out")));
            Assert.Equal((string)keyring["type"]! == "aws-kms" ? 1 : 0, r.KmsCalls.Count);
            File.Delete(dir.File("x.out"));
        }
    }

    [Fact]
    public void The_endpoint_and_credentials_may_come_from_the_AWS_SDKs_environment_alone()
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        var (plain, bytes) = Plaintext(dir);
        var bare = new JsonObject { ["type"] = "aws-kms", ["generatorKeyId"] = a };
        Assert.True(KmsJs.Encrypt(dir, plain, dir.File("js.enc"), "0478", Context, bare).Exit == 0);

        // Static credentials in the entry instead of the environment's, and an explicit endpoint that wins over the environment's.
        var explicitEntry = new JsonObject
        {
            ["type"] = "aws-kms", ["keyIds"] = new JsonArray(a), ["endpoint"] = Kms.Url,
            ["credentials"] = new JsonObject { ["accessKeyId"] = KmsEndpoint.AccessKey, ["secretAccessKey"] = KmsEndpoint.SecretKey },
        };
        var r = KmsJs.Run(dir, ["decrypt", "--keyrings", InteropKeys.WriteJson(dir, "k.json", new JsonArray(explicitEntry)), "--in", dir.File("js.enc"), "--out", dir.File("js.out")],
            new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null,
                ["AWS_ENDPOINT_URL_KMS"] = $"http://127.0.0.1:{KmsEndpoint.ClosedPort()}",
            });
        Assert.True(r.Exit == 0, r.Describe());
        Assert.Equal(bytes, File.ReadAllBytes(dir.File("js.out")));
    }

    [Theory]
    [InlineData("edk")]
    [InlineData("context")]
    [InlineData("body")]
    [InlineData("signature")]
    public void The_sdk_rejects_its_own_damaged_kms_message_and_releases_nothing(string damage)
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        var (plain, _) = Plaintext(dir, 50_000);
        Assert.True(KmsJs.Encrypt(dir, plain, dir.File("js.enc"), "default", Context, KmsJs.Keyring(a)).Exit == 0);
        var bad = KmsJs.Flip(dir, dir.File("js.enc"), KmsJs.DamageOffset(dir.File("js.enc"), damage), "bad.enc");

        var r = KmsJs.Decrypt(dir, bad, dir.File("bad.out"), null, KmsJs.Keyring(null, a));
        Assert.True(r.Exit == 1, r.Describe());
        Assert.False(File.Exists(dir.File("bad.out")));
        if (damage is "edk" or "context") Assert.Equal("InvalidCiphertextException", Assert.Single(r.KmsCalls).Error);
    }
}
