using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.Engine;

/// <summary>Runs tests/interop/esdk.mjs (the official AWS Encryption SDK for JavaScript) as a child process.</summary>
internal static class Esdk
{
    private static string InteropDir => Path.Combine(RepoPaths.Root, "tests", "interop");

    public static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        if (!Directory.Exists(Path.Combine(InteropDir, "node_modules", "@aws-crypto", "client-node")))
            Assert.Fail($"The interop harness is not installed: run `npm ci --prefix tests/interop` in {RepoPaths.Root}.");
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = InteropDir };
        psi.ArgumentList.Add(Path.Combine(InteropDir, "esdk.mjs"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(psi)!; }
        catch (Win32Exception ex) { Assert.Fail($"Cannot start node (is Node.js on PATH?): {ex.Message}"); throw; }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"esdk.mjs {string.Join(' ', args)} did not finish in 120 s");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}

/// <summary>Key material both sides share, written the way the harness reads it.</summary>
internal sealed class InteropKeys
{
    public byte[] Aes1 { get; } = RandomNumberGenerator.GetBytes(32);
    public byte[] Aes2 { get; } = RandomNumberGenerator.GetBytes(32);
    private readonly RSAParameters _rsa = TestKeys.RsaKey(0);
    public const string Ns = "interop";

    public static readonly Dictionary<string, string> Context = new()
    {
        ["purpose"] = "interop", ["B"] = "upper", ["a"] = "lower", ["ключ"] = "значение", ["\uFF5E"] = "tilde", ["\U0001F600"] = "grin",
    };

    public JsonObject AesJson(string name, byte[] key) =>
        new() { ["type"] = "aes", ["namespace"] = Ns, ["name"] = name, ["keyHex"] = Convert.ToHexString(key).ToLowerInvariant() };

    public JsonObject RsaJson(bool publicKey, bool privateKey)
    {
        using var rsa = TestKeys.Import(_rsa, true);
        var o = new JsonObject { ["type"] = "rsa", ["namespace"] = Ns, ["name"] = "rsa" };
        if (publicKey) o["publicKeyPem"] = rsa.ExportRSAPublicKeyPem();
        if (privateKey) o["privateKeyPem"] = rsa.ExportPkcs8PrivateKeyPem();
        return o;
    }

    public IKeyring Aes(string name, byte[] key) => new RawAesKeyring(Ns, name, key);
    public IKeyring RsaPublic() => TestKeys.RsaEncryptOnly(0, "rsa", Ns);
    public IKeyring RsaPrivate() => TestKeys.RsaDecryptOnly(0, "rsa", Ns);

    public static string WriteJson(TempDir dir, string name, JsonNode node)
    {
        var path = dir.File(name);
        File.WriteAllText(path, node.ToJsonString());
        return path;
    }

    public static JsonObject ContextJson(IReadOnlyDictionary<string, string> context) =>
        new(context.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
}

/// <summary>Messages written by EncryptionTools, read by the official SDK.</summary>
[Trait("Category", "Interop")]
public class InteropSdkReadsOursTests
{
    private readonly InteropKeys _keys = new();

    public static TheoryData<string> Cases => new() { "empty", "exact-multiple", "multi-mib", "signed" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_sdk_decrypts_our_message(string shape)
    {
        using var dir = new TempDir();
        var (size, frame, signed, context, decryptWith) = shape switch
        {
            "empty" => (0, 4096, false, new Dictionary<string, string>(), _keys.AesJson("aes-1", _keys.Aes1)),
            "exact-multiple" => (3 * 4096, 4096, false, InteropKeys.Context, _keys.RsaJson(false, true)),
            "multi-mib" => (5 * 1024 * 1024 + 7, 65536, false, InteropKeys.Context, _keys.AesJson("aes-2", _keys.Aes2)),
            _ => (1024 * 1024 + 1, 4096, true, InteropKeys.Context, _keys.AesJson("aes-1", _keys.Aes1)),
        };
        var plaintext = RandomNumberGenerator.GetBytes(size);
        var keyrings = shape == "empty"
            ? new List<IKeyring> { _keys.Aes("aes-1", _keys.Aes1) }
            : [_keys.Aes("aes-1", _keys.Aes1), _keys.RsaPublic(), _keys.Aes("aes-2", _keys.Aes2)];
        FileRoute.EncryptFile(dir.Write("plain.bin", plaintext), dir.File("ours.enc"), keyrings, new EncryptOptions
        {
            EncryptionContext = context, FrameLength = frame, Suite = signed ? AlgorithmSuite.CommitKeyEcdsaP384 : AlgorithmSuite.CommitKey,
        });

        var (exit, stdout, stderr) = Esdk.Run("decrypt", "--keyrings", InteropKeys.WriteJson(dir, "k.json", new JsonArray(decryptWith)),
            "--in", dir.File("ours.enc"), "--out", dir.File("sdk.out"), "--expect-ctx", InteropKeys.WriteJson(dir, "ctx.json", InteropKeys.ContextJson(context)));
        Assert.True(exit == 0, $"the SDK failed ({exit}): {stderr}");
        Assert.True(plaintext.AsSpan().SequenceEqual(File.ReadAllBytes(dir.File("sdk.out"))), "the SDK's plaintext differs");

        var summary = JsonNode.Parse(stdout)!;
        Assert.Equal(signed ? 0x0578 : 0x0478, (int)summary["suiteId"]!);
        Assert.Equal(frame, (int)summary["frameLength"]!);
        var sdkContext = summary["encryptionContext"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!);
        Assert.Equal(signed, sdkContext.Remove("aws-crypto-public-key"));
        Assert.Equal(context.OrderBy(kv => kv.Key, StringComparer.Ordinal), sdkContext.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("body byte")]
    [InlineData("signature")]
    public void The_sdk_rejects_our_damaged_message(string damage)
    {
        using var dir = new TempDir();
        var message = Crypt.Encrypt(RandomNumberGenerator.GetBytes(20_000), [_keys.Aes("aes-1", _keys.Aes1)], new EncryptOptions
        {
            FrameLength = 4096, EncryptionContext = InteropKeys.Context,
            Suite = damage == "signature" ? AlgorithmSuite.CommitKeyEcdsaP384 : AlgorithmSuite.CommitKey,
        });
        var l = MessageLayout.Parse(message);
        if (damage == "body byte") message[l.Frames[2].Content.Offset + 100] ^= 0x01;
        if (damage == "signature") message[l.Signature!.Value.End - 2] ^= 0x01;

        var (exit, stdout, stderr) = Esdk.Run("decrypt", "--keyrings", InteropKeys.WriteJson(dir, "k.json", new JsonArray(_keys.AesJson("aes-1", _keys.Aes1))),
            "--in", dir.Write("bad.enc", message), "--out", dir.File("sdk.out"));
        Assert.True(exit == 1, $"the SDK exited {exit} on a damaged message: {stdout} {stderr}");
        Assert.False(File.Exists(dir.File("sdk.out")), "the SDK left partial output");
    }
}

/// <summary>Messages written by the official SDK, read by EncryptionTools.</summary>
[Trait("Category", "Interop")]
public class InteropWeReadSdkTests
{
    private readonly InteropKeys _keys = new();

    private (byte[] Message, byte[] Plaintext) SdkEncrypt(TempDir dir, int size, int frame, string suite, IReadOnlyDictionary<string, string> context, params JsonObject[] keyrings)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);
        var args = new List<string>
        {
            "encrypt", "--keyrings", InteropKeys.WriteJson(dir, "k.json", new JsonArray(keyrings)),
            "--in", dir.Write("plain.bin", plaintext), "--out", dir.File("sdk.enc"), "--frame", frame.ToString(), "--suite", suite,
        };
        if (context.Count > 0) args.AddRange(["--ctx", InteropKeys.WriteJson(dir, "ctx.json", InteropKeys.ContextJson(context))]);
        var (exit, _, stderr) = Esdk.Run([.. args]);
        Assert.True(exit == 0, $"the SDK failed to encrypt ({exit}): {stderr}");
        return (File.ReadAllBytes(dir.File("sdk.enc")), plaintext);
    }

    private static void AssertRejectsDamage(byte[] message, IKeyring keyring)
    {
        var l = MessageLayout.Parse(message);
        var body = (byte[])message.Clone();
        body[l.Frames[0].Tag.Offset] ^= 0x20;
        Must.FailTyped(() => Crypt.Decrypt(body, [keyring]), "sdk body byte", typeof(MessageTamperedException));
        Must.FailTyped(() => Crypt.Decrypt(message[..^1], [keyring]), "sdk truncated", typeof(MessageTruncatedException));
        if (l.Signature is { } sig)
        {
            var s = (byte[])message.Clone();
            s[sig.End - 1] ^= 0x01;
            Must.FailTyped(() => Crypt.Decrypt(s, [keyring]), "sdk signature", typeof(MessageTamperedException));
        }
    }

    [Fact]
    public void We_decrypt_an_empty_sdk_message()
    {
        using var dir = new TempDir();
        var (m, _) = SdkEncrypt(dir, 0, 4096, "0478", new Dictionary<string, string>(), _keys.AesJson("aes-1", _keys.Aes1));
        var keyring = _keys.Aes("aes-1", _keys.Aes1);
        Assert.Empty(Crypt.Decrypt(m, [keyring]));
        Assert.Equal(0, MessageLayout.Parse(m).Context.Length);
        AssertRejectsDamage(m, keyring);
    }

    [Fact]
    public void We_decrypt_a_signed_sdk_message_of_exact_frames_with_each_of_its_keys()
    {
        using var dir = new TempDir();
        var (m, plaintext) = SdkEncrypt(dir, 3 * 4096, 4096, "0578", InteropKeys.Context,
            _keys.AesJson("aes-1", _keys.Aes1), _keys.RsaJson(true, false), _keys.AesJson("aes-2", _keys.Aes2));
        var layout = MessageLayout.Parse(m);
        Assert.Equal(Spec.Suite0578, layout.SuiteId);
        Assert.Equal(3, layout.Edks.Count);
        Assert.Equal(0, layout.Frames[^1].Content.Length); // the SDK ends exact multiples with an empty final frame

        foreach (var (keyring, name) in new[] { (_keys.Aes("aes-1", _keys.Aes1), "aes-1"), (_keys.RsaPrivate(), "rsa"), (_keys.Aes("aes-2", _keys.Aes2), "aes-2") })
        {
            using var output = new MemoryStream();
            var r = MessageDecryptor.Decrypt(new MemoryStream(m), output, [keyring], new DecryptOptions { RequiredEncryptionContext = InteropKeys.Context });
            Assert.Equal(plaintext, output.ToArray());
            Assert.Equal(name, EdkNames.KeyName(r.DecryptedWith));
            Assert.True(r.Header.EncryptionContext.ContainsKey("aws-crypto-public-key"));
        }
        AssertRejectsDamage(m, _keys.Aes("aes-1", _keys.Aes1));
    }

    [Fact]
    public void We_decrypt_a_multi_mib_signed_sdk_message_from_a_file()
    {
        using var dir = new TempDir();
        var (m, plaintext) = SdkEncrypt(dir, 5 * 1024 * 1024 + 3, 4096, "0578", InteropKeys.Context,
            _keys.RsaJson(true, false), _keys.AesJson("aes-2", _keys.Aes2));
        FileRoute.DecryptFile(dir.File("sdk.enc"), dir.File("ours.out"), [_keys.RsaPrivate()]);
        Assert.True(plaintext.AsSpan().SequenceEqual(File.ReadAllBytes(dir.File("ours.out"))));
        AssertRejectsDamage(m, _keys.Aes("aes-2", _keys.Aes2));
    }

    [Fact]
    public void We_decrypt_a_message_in_the_sdks_default_suite_which_is_signed()
    {
        using var dir = new TempDir();
        var (m, plaintext) = SdkEncrypt(dir, 70_000, 4096, "default", InteropKeys.Context, _keys.AesJson("aes-1", _keys.Aes1));
        Assert.Equal(Spec.Suite0578, MessageLayout.Parse(m).SuiteId);
        var keyring = _keys.Aes("aes-1", _keys.Aes1);
        FileRoute.DecryptFile(dir.File("sdk.enc"), dir.File("ours.out"), [keyring]);
        Assert.True(plaintext.AsSpan().SequenceEqual(File.ReadAllBytes(dir.File("ours.out"))));
        AssertRejectsDamage(m, keyring);
    }

    [Fact]
    public void We_decrypt_an_unsigned_sdk_message_of_exact_frames()
    {
        using var dir = new TempDir();
        var (m, plaintext) = SdkEncrypt(dir, 4 * 65536, 65536, "0478", InteropKeys.Context, _keys.AesJson("aes-2", _keys.Aes2));
        Assert.Equal(5, MessageLayout.Parse(m).Frames.Count);
        var keyring = _keys.Aes("aes-2", _keys.Aes2);
        Assert.True(plaintext.AsSpan().SequenceEqual(Crypt.Decrypt(m, [keyring])));
        AssertRejectsDamage(m, keyring);
    }
}
