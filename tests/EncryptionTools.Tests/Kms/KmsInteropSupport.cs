using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.KeyManagementService.Model;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Tests.Engine;

namespace EncryptionTools.Tests.Kms;

/// <summary>One run of tests/interop/esdk.mjs: its exit code, output, and the KMS calls its keyrings made (--kms-log).</summary>
internal sealed record JsRun(int Exit, string Stdout, string Stderr, IReadOnlyList<JsKmsCall> KmsCalls)
{
    public string Describe() => $"exit {Exit}: {Stderr.Trim()}";

    /// <summary>The decrypt summary's encryption context (with the SDK-added aws-crypto-public-key of a signed suite).</summary>
    public Dictionary<string, string> Context() =>
        JsonNode.Parse(Stdout)!["encryptionContext"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!, StringComparer.Ordinal);

    public int SuiteId => (int)JsonNode.Parse(Stdout)!["suiteId"]!;
}

/// <summary>A KMS call the JS SDK's keyring made: the request's key id and context, the key KMS answered with, or its error.</summary>
internal sealed record JsKmsCall(string Operation, string KeyId, IReadOnlyDictionary<string, string> EncryptionContext, string? ResponseKeyId, string? Error);

/// <summary>An EDK of a message as its header holds it.</summary>
internal sealed record HeaderEdk(string ProviderId, string ProviderInfo, byte[] Ciphertext);

/// <summary>
/// The official AWS Encryption SDK for JavaScript's AWS KMS keyrings (KmsKeyringNode, the MRK-aware keyrings), run as
/// a process against the local KMS endpoint. The process gets only <see cref="KmsEndpoint.ClientEnvironment"/>'s AWS
/// settings (static test credentials, region, AWS_ENDPOINT_URL_KMS); the keyring entries also name the endpoint.
/// </summary>
internal static class KmsJs
{
    /// <summary>The encryption context of the interop messages: mixed case, non-ASCII and a surrogate pair, so both sides
    /// must agree on the serialized order and bytes the context that KMS binds.</summary>
    public static readonly IReadOnlyDictionary<string, string> Context = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["purpose"] = "kms-interop", ["B"] = "upper", ["a"] = "lower", ["ключ"] = "значение", ["\U0001F600"] = "grin",
    };

    public const string Account = "123456789012";

    private static KmsEndpoint Kms => KmsEndpoint.Instance;

    private static string InteropDir => Path.Combine(RepoPaths.Root, "tests", "interop");

    /// <summary>KmsKeyringNode for encryption (generator, then the other keys) or strict decryption (every key listed).</summary>
    public static JsonObject Keyring(string? generatorKeyId, params string[] keyIds) => Keyring(generatorKeyId, keyIds, mrkAware: false);

    /// <summary>The MRK-aware strict multi-keyring (the ESDK specification's AWS KMS keyring, one per key).</summary>
    public static JsonObject MrkKeyring(string? generatorKeyId, params string[] keyIds) => Keyring(generatorKeyId, keyIds, mrkAware: true);

    /// <summary>KmsKeyringNode in discovery mode with the ESDK's account-and-partition filter (decrypt only).</summary>
    public static JsonObject Discovery(string partition = "aws", params string[] accountIds)
    {
        var o = new JsonObject { ["type"] = "aws-kms-discovery", ["endpoint"] = Kms.Url };
        if (accountIds.Length > 0)
        {
            o["accountIds"] = new JsonArray([.. accountIds.Select(a => (JsonNode?)JsonValue.Create(a))]);
            o["partition"] = partition;
        }
        return o;
    }

    /// <summary>The MRK-aware discovery multi-keyring for us-east-1 with a filter of this account.</summary>
    public static JsonObject MrkDiscovery(params string[] accountIds)
    {
        var o = Discovery("aws", accountIds);
        o["mrkAware"] = true;
        o["regions"] = new JsonArray(KmsEndpoint.Region);
        return o;
    }

    private static JsonObject Keyring(string? generatorKeyId, string[] keyIds, bool mrkAware)
    {
        var o = new JsonObject { ["type"] = "aws-kms", ["endpoint"] = Kms.Url };
        if (generatorKeyId is not null) o["generatorKeyId"] = generatorKeyId;
        if (keyIds.Length > 0) o["keyIds"] = new JsonArray([.. keyIds.Select(k => (JsonNode?)JsonValue.Create(k))]);
        if (mrkAware) o["mrkAware"] = true;
        return o;
    }

    /// <summary>Encrypts <paramref name="plain"/> with the SDK; suite "0478", "0578" or "default" (the SDK's own: 0578).</summary>
    public static JsRun Encrypt(TempDir dir, string plain, string cipherOut, string suite, IReadOnlyDictionary<string, string> context,
        params JsonObject[] keyrings)
    {
        var args = new List<string> { "encrypt", "--keyrings", Write(dir, new JsonArray(keyrings)), "--in", plain, "--out", cipherOut, "--suite", suite, "--frame", "4096" };
        if (context.Count > 0) args.AddRange(["--ctx", Write(dir, InteropKeys.ContextJson(context))]);
        return Run(dir, args);
    }

    /// <summary>Decrypts with the SDK; <paramref name="expectContext"/> pairs must be in the message's context.</summary>
    public static JsRun Decrypt(TempDir dir, string cipher, string plainOut, IReadOnlyDictionary<string, string>? expectContext, params JsonObject[] keyrings)
    {
        var args = new List<string> { "decrypt", "--keyrings", Write(dir, new JsonArray(keyrings)), "--in", cipher, "--out", plainOut };
        if (expectContext is { Count: > 0 }) args.AddRange(["--expect-ctx", Write(dir, InteropKeys.ContextJson(expectContext))]);
        return Run(dir, args);
    }

    /// <summary>Runs esdk.mjs with the endpoint's client environment (plus <paramref name="environment"/>'s changes) and a --kms-log.</summary>
    public static JsRun Run(TempDir dir, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        if (!Directory.Exists(Path.Combine(InteropDir, "node_modules", "@aws-crypto", "client-node")))
            Assert.Fail($"The interop harness is not installed: run `npm ci --prefix tests/interop` in {RepoPaths.Root}.");
        var log = dir.File("kms-log-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = InteropDir };
        psi.ArgumentList.Add(Path.Combine(InteropDir, "esdk.mjs"));
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--kms-log");
        psi.ArgumentList.Add(log);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(name);
        foreach (var (name, value) in Kms.ClientEnvironment.Concat(environment ?? new Dictionary<string, string?>()))
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }
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
                Assert.Fail($"esdk.mjs {string.Join(' ', psi.ArgumentList)} did not finish in 120 s");
            }
            var calls = File.Exists(log) ? ReadLog(log) : [];
            return new JsRun(process.ExitCode, stdout.Result, stderr.Result, calls);
        }
    }

    private static List<JsKmsCall> ReadLog(string path) =>
        [.. JsonNode.Parse(File.ReadAllText(path))!.AsArray().Select(n => new JsKmsCall(
            (string)n!["operation"]!, (string)n["keyId"]!,
            n["encryptionContext"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!, StringComparer.Ordinal),
            (string?)n["responseKeyId"], (string?)n["error"]))];

    private static string Write(TempDir dir, JsonNode node) =>
        InteropKeys.WriteJson(dir, "js-" + Guid.NewGuid().ToString("N")[..8] + ".json", node);

    // ------------------------------------------------------------------ what a message holds

    /// <summary>The message's AWS KMS EDKs, in header order.</summary>
    public static List<HeaderEdk> KmsEdks(string path) =>
        [.. FileCrypto.ReadHeader(path).EncryptedDataKeys.Where(e => e.ProviderId == "aws-kms")
            .Select(e => new HeaderEdk(e.ProviderId, Encoding.UTF8.GetString(e.ProviderInfo), e.Ciphertext))];

    public static IReadOnlyDictionary<string, string> HeaderContext(string path) => FileCrypto.ReadHeader(path).EncryptionContext;

    /// <summary>
    /// Asks KMS itself to decrypt an EDK's ciphertext under <paramref name="context"/> (what a keyring must pass): the
    /// plaintext data key and the key KMS used, or the KMS error code.
    /// </summary>
    public static (byte[]? DataKey, string? KeyId, string? Error) KmsDecrypt(HeaderEdk edk, IReadOnlyDictionary<string, string> context)
    {
        try
        {
            var r = Kms.Admin.DecryptAsync(new DecryptRequest
            {
                KeyId = edk.ProviderInfo,
                CiphertextBlob = new MemoryStream(edk.Ciphertext),
                EncryptionContext = new Dictionary<string, string>(context),
            }).GetAwaiter().GetResult();
            return (r.Plaintext.ToArray(), r.KeyId, null);
        }
        catch (Amazon.KeyManagementService.AmazonKeyManagementServiceException ex)
        {
            return (null, null, ex.ErrorCode);
        }
    }

    /// <summary>
    /// Checks what the ESDK's AWS KMS keyring requires of a message's KMS EDKs: provider id "aws-kms", provider info the
    /// key ARN (never an alias), ciphertext a KMS blob bound to the message's whole encryption context (KMS decrypts it
    /// under that context and reports the same key, and refuses it under a changed or empty one), and every EDK
    /// wrapping one data key.
    /// </summary>
    public static void AssertKmsEdks(string path, params string[] keyArns)
    {
        var edks = KmsEdks(path);
        Assert.Equal(keyArns, edks.Select(e => e.ProviderInfo));
        var context = HeaderContext(path);
        byte[]? dataKey = null;
        foreach (var edk in edks)
        {
            Assert.Equal("aws-kms", edk.ProviderId);
            var (plain, keyId, error) = KmsDecrypt(edk, context);
            Assert.True(error is null, $"KMS refused the EDK of {edk.ProviderInfo} under the message's context: {error}");
            Assert.Equal(edk.ProviderInfo, keyId);
            Assert.Equal(32, plain!.Length);
            if (dataKey is null) dataKey = plain;
            else Assert.Equal(dataKey, plain);

            var changed = new Dictionary<string, string>(context) { ["purpose"] = "something else" };
            Assert.Equal("InvalidCiphertextException", KmsDecrypt(edk, changed).Error);
            if (context.Count > 0) Assert.Equal("InvalidCiphertextException", KmsDecrypt(edk, new Dictionary<string, string>()).Error);
        }
    }

    /// <summary>A copy of <paramref name="path"/> with one byte flipped at <paramref name="offset"/> (from the end when negative).</summary>
    public static string Flip(TempDir dir, string path, int offset, string name)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[offset < 0 ? bytes.Length + offset : offset] ^= 0x01;
        return dir.Write(name, bytes);
    }

    /// <summary>The offset of a context value's first byte in the header (changing it keeps the header well formed).</summary>
    public static int ContextValueOffset(string path, string value)
    {
        var bytes = File.ReadAllBytes(path);
        var context = MessageLayout.Parse(bytes).Context;
        var at = bytes.AsSpan(context.Offset, context.Length).IndexOf(Encoding.UTF8.GetBytes(value));
        Assert.True(at >= 0, $"'{value}' is not in the header's context");
        return context.Offset + at;
    }

    /// <summary>
    /// Where to flip a byte for <paramref name="damage"/>: "edk" (the first KMS EDK's ciphertext), "context" (the value
    /// "kms-interop" in the header's context), "body" (a frame's content) or "signature".
    /// </summary>
    public static int DamageOffset(string path, string damage)
    {
        var (edk, body, signature) = DamagePoints(path);
        return damage switch
        {
            "edk" => edk,
            "context" => ContextValueOffset(path, "kms-interop"),
            "body" => body,
            "signature" => signature ?? throw new ArgumentException("the message is not signed"),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
    }

    /// <summary>Offsets to damage in a message: a byte of the first KMS EDK's ciphertext, of a body frame, and of the signature.</summary>
    public static (int EdkCiphertext, int Body, int? Signature) DamagePoints(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var layout = MessageLayout.Parse(bytes);
        var edk = layout.Edks.First(e => Encoding.UTF8.GetString(e.ProviderId.Of(bytes)) == "aws-kms");
        var frame = layout.Frames[0];
        return (edk.Ciphertext.Offset + edk.Ciphertext.Length / 2, frame.Content.Length > 0 ? frame.Content.Offset + frame.Content.Length / 2 : frame.Tag.Offset,
            layout.Signature is { } s ? s.End - 2 : null);
    }
}
