using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Engine;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Operations;

/// <summary>
/// Protect-EncData's messages are standard: the official AWS Encryption SDK for JavaScript (raw AES and raw RSA keyrings
/// holding the store's exported keys) decrypts them once base64-decoded, and we decrypt its messages given as base64.
/// </summary>
public class DataInteropTests
{
    private static readonly Dictionary<string, string> Context = new(StringComparer.Ordinal) { ["app"] = "billing", ["ключ"] = "значение" };

    private sealed class World : IDisposable
    {
        public TestStore Store { get; } = new();
        public EncKeyExport Aes { get; }
        public EncKeyExport Rsa { get; }

        public World()
        {
            Aes = Store.Store.ExportKey(Store.Store.NewKey(new NewKeyRequest { Alias = "alias/app", Exportable = true }).KeyId);
            Rsa = Store.Store.ExportKey(Store.Store.NewKey(new NewKeyRequest { Alias = "alias/rsa", KeySpec = KeySpec.RSA_3072, Exportable = true }).KeyId);
        }

        public JsonObject AesJson => new() { ["type"] = "aes", ["namespace"] = Aes.KeyNamespace, ["name"] = Aes.KeyName, ["keyHex"] = Convert.ToHexString(Aes.KeyMaterial!).ToLowerInvariant() };

        public JsonObject RsaJson(bool withPrivate)
        {
            var o = new JsonObject { ["type"] = "rsa", ["namespace"] = Rsa.KeyNamespace, ["name"] = Rsa.KeyName, ["publicKeyPem"] = Rsa.PublicKeyPem };
            if (withPrivate) o["privateKeyPem"] = Rsa.PrivateKeyPem;
            return o;
        }

        public string Write(string name, JsonNode node)
        {
            var path = Store.Dir.File(name);
            File.WriteAllText(path, node.ToJsonString());
            return path;
        }

        public void Dispose() => Store.Dispose();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(27)]
    [InlineData(200_000)]
    public void The_JS_SDK_decrypts_base64_decoded_output_with_the_AES_key_or_the_RSA_key_alone(int size)
    {
        using var w = new World();
        using var ops = new FileOperations(w.Store.Store);
        var plaintext = RandomNumberGenerator.GetBytes(size);
        var base64 = Convert.ToBase64String(new DataOperations(ops).Encrypt(new MemoryStream(plaintext), new FileKeys { KeyIds = ["alias/app", "alias/rsa"] }, Context));

        var cipher = w.Store.Dir.Write("m.bin", Convert.FromBase64String(base64));
        var ctx = w.Write("ctx.json", InteropKeys.ContextJson(Context));
        foreach (var (name, keyring) in new[] { ("aes", (JsonNode)new JsonArray(w.AesJson)), ("rsa", new JsonArray(w.RsaJson(withPrivate: true))) })
        {
            var output = w.Store.Dir.File("js-" + name + ".out");
            var (exit, _, stderr) = Esdk.Run("decrypt", "--keyrings", w.Write(name + ".json", keyring), "--in", cipher, "--out", output, "--expect-ctx", ctx);
            Assert.True(exit == 0, $"{name}: {stderr}");
            Assert.Equal(plaintext, File.ReadAllBytes(output));
        }
    }

    [Theory]
    [InlineData("0478", "aes")]
    [InlineData("0578", "aes")]
    [InlineData("0478", "rsa")]
    public void We_decrypt_the_JS_SDKs_messages_given_as_base64(string suite, string keyring)
    {
        using var w = new World();
        var plaintext = RandomNumberGenerator.GetBytes(10_000);
        var plain = w.Store.Dir.Write("p.bin", plaintext);
        var cipher = w.Store.Dir.File("js.bin");
        var keys = keyring == "aes" ? new JsonArray(w.AesJson) : new JsonArray(w.RsaJson(withPrivate: false));
        var (exit, _, stderr) = Esdk.Run("encrypt", "--keyrings", w.Write("k.json", keys), "--in", plain, "--out", cipher,
            "--ctx", w.Write("ctx.json", InteropKeys.ContextJson(Context)), "--suite", suite, "--frame", "4096");
        Assert.True(exit == 0, stderr);

        var base64 = Convert.ToBase64String(File.ReadAllBytes(cipher), Base64FormattingOptions.InsertLineBreaks);
        using var ops = new FileOperations(w.Store.Store);
        using var back = new DataOperations(ops).Decrypt(DataOperations.FromBase64(base64), null, Context);
        Assert.Equal(plaintext, back.ToArray());

        var tampered = File.ReadAllBytes(cipher);
        tampered[^40] ^= 1;
        Assert.ThrowsAny<EncryptionTools.Engine.EncryptionToolsException>(() => new DataOperations(ops).Decrypt(tampered, null, null));
    }
}
