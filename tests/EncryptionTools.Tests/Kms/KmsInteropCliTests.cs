using System.Security.Cryptography;
using EncryptionTools.Tests.Cli;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// Both sides as real processes: the enctools CLI (its AWS KMS support reaching the local endpoint through the AWS SDK's
/// standard chain: AWS_ENDPOINT_URL_KMS and the environment's credentials) and the official JS SDK's KmsKeyringNode.
/// </summary>
[Trait("Category", "Interop")]
public class KmsInteropCliTests
{
    private static KmsEndpoint Kms => KmsEndpoint.Instance;

    private static readonly Dictionary<string, string> Context = new(StringComparer.Ordinal) { ["purpose"] = "kms-interop", ["dept"] = "finance" };

    /// <summary>The endpoint's client environment for enctools, with a store of its own (its local alias/local).</summary>
    private static Dictionary<string, string> Environment(TempDir dir)
    {
        var env = CliProcess.WithNewStore(dir.File("store"));
        foreach (var (k, v) in Kms.ClientEnvironment) if (v is not null) env[k] = v;
        var key = CliProcess.Run(env, "key", "create", "--alias", "alias/local");
        Assert.True(key.Code == 0, "enctools key create failed: " + key.Err);
        return env;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_enctools_encrypts_with_a_kms_ARN_and_a_local_alias_decrypts_in_the_sdk_with_the_kms_keyring_alone(bool signed)
    {
        using var dir = new TempDir();
        var env = Environment(dir);
        var key = Kms.CreateKey();
        var aliasArn = Kms.CreateAlias(key, "alias/cli-" + Guid.NewGuid().ToString("N")[..8]);
        var plaintext = RandomNumberGenerator.GetBytes(30_000);
        var args = new List<string> { "encrypt", dir.Write("payroll.csv", plaintext), "--key", aliasArn, "--key", "alias/local", "-o", dir.File("payroll.csv.enc") };
        foreach (var (k, v) in Context) args.AddRange(["--context", $"{k}={v}"]);
        if (signed) args.Add("--signed");
        var enc = CliProcess.Run(env, [.. args]);
        Assert.True(enc.Code == 0, "enctools encrypt failed: " + enc.Err);
        KmsJs.AssertKmsEdks(dir.File("payroll.csv.enc"), key);

        var run = KmsJs.Decrypt(dir, dir.File("payroll.csv.enc"), dir.File("js.out"), Context, KmsJs.Keyring(null, key));
        Assert.True(run.Exit == 0, run.Describe());
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("js.out")));
        Assert.Equal(signed ? 0x0578 : 0x0478, run.SuiteId);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("0478")]
    public void A_file_the_sdk_encrypts_decrypts_with_enctools_naming_the_kms_key_and_needs_no_store(string suite)
    {
        using var dir = new TempDir();
        var (a, b) = (Kms.CreateKey(), Kms.CreateKey());
        var plaintext = RandomNumberGenerator.GetBytes(30_000);
        var js = KmsJs.Encrypt(dir, dir.Write("plain.bin", plaintext), dir.File("js.enc"), suite, Context, KmsJs.Keyring(a, b));
        Assert.True(js.Exit == 0, js.Describe());

        var env = Kms.ClientEnvironment.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!);
        env["ENCRYPTIONTOOLS_STORE"] = dir.File("no-store"); // a KMS-only decryption neither needs nor creates one
        var dec = CliProcess.Run(env, "decrypt", dir.File("js.enc"), "--key", b, "--expect-context", "dept=finance", "-o", dir.File("ours.out"));
        Assert.True(dec.Code == 0, "enctools decrypt failed: " + dec.Err);
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("ours.out")));
        Assert.False(Directory.Exists(dir.File("no-store")) || File.Exists(dir.File("no-store")));

        // Strict: a key the file does not name is refused without output.
        var other = Kms.CreateKey();
        var refused = CliProcess.Run(env, "decrypt", dir.File("js.enc"), "--key", other, "-o", dir.File("refused.out"));
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("KmsKeyNotAllowed", refused.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("refused.out")));
    }

    [Theory]
    [InlineData("edk")]
    [InlineData("context")]
    [InlineData("body")]
    [InlineData("signature")]
    public void Enctools_rejects_the_sdks_damaged_file_and_leaves_no_output(string damage)
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        Assert.True(KmsJs.Encrypt(dir, dir.Write("plain.bin", RandomNumberGenerator.GetBytes(50_000)), dir.File("js.enc"), "default", Context, KmsJs.Keyring(a)).Exit == 0);
        var bad = KmsJs.Flip(dir, dir.File("js.enc"), KmsJs.DamageOffset(dir.File("js.enc"), damage), "bad.enc");
        var env = Kms.ClientEnvironment.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!);
        env["ENCRYPTIONTOOLS_STORE"] = dir.File("no-store");

        var dec = CliProcess.Run(env, "decrypt", bad, "--key", a, "-o", dir.File("bad.out"));
        Assert.NotEqual(0, dec.Code);
        Assert.False(File.Exists(dir.File("bad.out")), "enctools left output");
        if (damage is "edk" or "context") Assert.Contains("KmsInvalidCiphertext", dec.Err, StringComparison.Ordinal);
    }
}
