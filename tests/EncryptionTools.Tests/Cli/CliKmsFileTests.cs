using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EncryptionTools.Tests.Kms;

namespace EncryptionTools.Tests.Cli;

/// <summary>
/// Runs enctools as a real process against the local KMS endpoint: the AWS SDK's standard chain (static credentials,
/// AWS_REGION, AWS_ENDPOINT_URL_KMS) from <see cref="KmsEndpoint.ClientEnvironment"/>, its own HOME, no store of the
/// test runner's.
/// </summary>
internal static class KmsCli
{
    public static KmsEndpoint Endpoint => KmsEndpoint.Instance;

    /// <summary>The environment of a KMS process: the endpoint's, HOME inside <paramref name="dir"/>, nothing of the runner's store or KMS allow-list.</summary>
    public static Dictionary<string, string?> Env(TempDir dir, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?>(Endpoint.ClientEnvironment)
        {
            ["HOME"] = dir.File("home"),
            ["XDG_DATA_HOME"] = null,
            ["ENCRYPTIONTOOLS_STORE"] = null,
            ["ENCTOOLS_KMS_KEY_IDS"] = null,
            ["AWS_CONFIG_FILE"] = dir.File("home/.aws/config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = dir.File("home/.aws/credentials"),
        };
        Directory.CreateDirectory(dir.File("home"));
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) env[k] = v;
        return env;
    }

    public static (int Code, string Out, string Err) Run(IDictionary<string, string?> env, params string[] args)
    {
        var r = RunBytes(env, null, args);
        return (r.Code, Encoding.UTF8.GetString(r.Out), r.Err);
    }

    /// <summary>Runs enctools with <paramref name="stdin"/> (null: none); stdout as bytes.</summary>
    public static (int Code, byte[] Out, string Err, TimeSpan Elapsed) RunBytes(IDictionary<string, string?> env, byte[]? stdin, params string[] args)
    {
        var native = CliProcess.Native;
        var start = new ProcessStartInfo(native ?? "dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        if (native is null) start.ArgumentList.Add(CliProcess.Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env)
        {
            if (v is null) start.Environment.Remove(k);
            else start.Environment[k] = v;
        }
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(90_000), "enctools did not finish in 90 s");
        copy.Wait();
        return (process.ExitCode, stdout.ToArray(), stderr.Result, watch.Elapsed);
    }

    /// <summary>A store made on purpose at <paramref name="store"/> with a key aliased alias/local.</summary>
    public static void LocalStore(IDictionary<string, string?> env, string store)
    {
        var init = Run(env, "store", "init", store);
        Assert.True(init.Code == 0, init.Err);
        var key = Run(env, "key", "create", "--alias", "alias/local", "--store", store);
        Assert.True(key.Code == 0, key.Err);
    }

    /// <summary>Replaces a key's policy (after the key was used, so a file exists that the policy then refuses).</summary>
    public static void SetPolicy(string arn, string policy) =>
        Endpoint.Admin.PutKeyPolicyAsync(new Amazon.KeyManagementService.Model.PutKeyPolicyRequest
        {
            KeyId = KmsEndpoint.KeyId(arn), PolicyName = "default", Policy = policy,
        }).GetAwaiter().GetResult();

    /// <summary>Changes a key's description ("throttle" in it makes the endpoint throttle every data call).</summary>
    public static void SetDescription(string arn, string description) =>
        Endpoint.Admin.UpdateKeyDescriptionAsync(new Amazon.KeyManagementService.Model.UpdateKeyDescriptionRequest
        {
            KeyId = KmsEndpoint.KeyId(arn), Description = description,
        }).GetAwaiter().GetResult();

    /// <summary>Every path under <paramref name="root"/>, sorted (to show that nothing was left or created).</summary>
    public static List<string> Tree(string root) => Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    /// <summary>The provider ids and key names of a file's EDKs, from <c>enctools info --json</c>.</summary>
    public static List<(string Provider, string Name)> Edks(IDictionary<string, string?> env, string file, params string[] extra)
    {
        var info = Run(env, ["info", file, "--json", .. extra]);
        Assert.True(info.Code == 0, info.Err);
        using var doc = JsonDocument.Parse(info.Out);
        return [.. doc.RootElement[0].GetProperty("EncryptedDataKeys").EnumerateArray()
            .Select(e => (e.GetProperty("ProviderId").GetString()!, e.GetProperty("KeyName").GetString()!))];
    }

    /// <summary>The stderr line of the error: "enctools: ID: ...".</summary>
    public static void AssertError(string stderr, string id) =>
        Assert.True(stderr.Contains($"enctools: {id}: ", StringComparison.Ordinal), $"expected error id {id}; stderr: {stderr}");
}

/// <summary>enctools encrypt/decrypt/rewrap/info with AWS KMS keys beside local ones, as real processes on the local endpoint.</summary>
public class CliKmsFileTests
{
    private const int AccessDenied = 5;

    [Fact]
    public void A_file_for_a_kms_key_and_a_local_key_decrypts_with_each_alone()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var store = dir.File("store");
        KmsCli.LocalStore(env, store);
        var arn = KmsCli.Endpoint.CreateKey();
        var plain = dir.Write("payroll.txt", "Quarterly payroll"u8.ToArray());

        var enc = KmsCli.Run(env, "encrypt", plain, "--key", arn, "--key", "alias/local", "--context", "dept=hr", "--store", store);
        Assert.True(enc.Code == 0, enc.Err);
        var edks = KmsCli.Edks(env, plain + ".enc", "--store", store);
        Assert.Contains(("aws-kms", arn), edks);
        Assert.Equal(2, edks.Count);
        var text = KmsCli.Run(env, "info", plain + ".enc", "--store", store);
        Assert.True(text.Code == 0, text.Err);
        Assert.Contains($"aws-kms / {arn}  => AWS KMS key", text.Out);

        // The KMS key alone: no store at all (a store path that does not exist stays missing).
        var missing = dir.File("no-store");
        var byKms = KmsCli.Run(env, "decrypt", plain + ".enc", "-o", dir.File("by-kms.txt"), "--key", arn, "--expect-context", "dept=hr", "--store", missing);
        Assert.True(byKms.Code == 0, byKms.Err);
        Assert.Equal("Quarterly payroll", File.ReadAllText(dir.File("by-kms.txt")));
        Assert.False(Directory.Exists(missing));

        // The local key alone: KMS is not called (an unreachable endpoint does not matter).
        var offline = KmsCli.Env(dir, new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_KMS"] = $"http://127.0.0.1:{KmsEndpoint.ClosedPort()}" });
        var byLocal = KmsCli.Run(offline, "decrypt", plain + ".enc", "-o", dir.File("by-local.txt"), "--key", "alias/local", "--store", store);
        Assert.True(byLocal.Code == 0, byLocal.Err);
        Assert.Equal("Quarterly payroll", File.ReadAllText(dir.File("by-local.txt")));
    }

    [Fact]
    public void An_alias_arn_encrypts_and_the_edk_names_the_key_arn()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var arn = KmsCli.Endpoint.CreateKey();
        var alias = KmsCli.Endpoint.CreateAlias(arn, "alias/cli-" + Guid.NewGuid().ToString("N")[..8]);
        var plain = dir.Write("a.txt", "alias arn"u8.ToArray());
        var enc = KmsCli.Run(env, "encrypt", plain, "--key", alias, "--store", dir.File("none"));
        Assert.True(enc.Code == 0, enc.Err);
        var dec = KmsCli.Run(env, "decrypt", plain + ".enc", "-o", dir.File("out.txt"), "--key", arn, "--store", dir.File("none"));
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal("alias arn", File.ReadAllText(dir.File("out.txt")));
        Assert.False(Directory.Exists(dir.File("none")));
    }

    [Fact]
    public void Decryption_is_strict_by_default_and_ENCTOOLS_KMS_KEY_IDS_or_discovery_allow_the_key()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var arn = KmsCli.Endpoint.CreateKey();
        var other = KmsCli.Endpoint.CreateKey();
        var plain = dir.Write("a.txt", "strict"u8.ToArray());
        Assert.Equal(0, KmsCli.Run(env, "encrypt", plain, "--key", arn).Code);
        var enc = plain + ".enc";
        var output = dir.File("out.txt");
        var before = KmsCli.Tree(dir.Path);

        // No key named, none listed: KMS is never called, and the error names the key and why.
        var strict = KmsCli.Run(env, "decrypt", enc, "-o", output, "--json");
        Assert.Equal(AccessDenied, strict.Code);
        Assert.Contains("KmsKeyNotAllowed", strict.Err);
        Assert.Contains(arn, strict.Err);
        Assert.DoesNotContain("Decrypted", strict.Out);
        Assert.Equal(before, KmsCli.Tree(dir.Path));

        // Another KMS key named: still not allowed.
        var wrong = KmsCli.Run(env, "decrypt", enc, "-o", output, "--key", other);
        Assert.Equal(AccessDenied, wrong.Code);
        Assert.Contains("KmsKeyNotAllowed", wrong.Err);
        Assert.Equal(before, KmsCli.Tree(dir.Path));

        // The runbook's allow-list.
        var listed = KmsCli.Run(KmsCli.Env(dir, new Dictionary<string, string?> { ["ENCTOOLS_KMS_KEY_IDS"] = other + "," + arn }), "decrypt", enc, "-o", output);
        Assert.True(listed.Code == 0, listed.Err);
        Assert.Equal("strict", File.ReadAllText(output));
        File.Delete(output);

        // Discovery for the key's account (and partition), but not for another account or partition.
        var discovered = KmsCli.Run(env, "decrypt", enc, "-o", output, "--kms-discovery-account", "123456789012");
        Assert.True(discovered.Code == 0, discovered.Err);
        File.Delete(output);
        foreach (var filter in new[] { new[] { "--kms-discovery-account", "111122223333" }, ["--kms-discovery-account", "123456789012", "--kms-discovery-partition", "aws-cn"] })
        {
            var refused = KmsCli.Run(env, ["decrypt", enc, "-o", output, .. filter]);
            Assert.Equal(AccessDenied, refused.Code);
            Assert.Contains("KmsKeyNotAllowed", refused.Err);
            Assert.False(File.Exists(output));
        }
    }

    [Theory]
    [InlineData("--kms-discovery-account", "12345")]
    [InlineData("--kms-discovery-account", "12345678901x")]
    [InlineData("--kms-discovery-partition", "aws")]
    public void A_bad_discovery_filter_is_a_usage_error_before_any_work(string option, string value)
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var enc = dir.Write("a.txt.enc", [1, 2, 3]);
        var before = KmsCli.Tree(dir.Path);
        foreach (var command in new[] { new[] { "decrypt", enc, "-o", dir.File("out") }, ["rewrap", enc], ["data", "decrypt", "AQID"], ["data", "reencrypt", "AQID", "--key", "alias/x"] })
        {
            var r = KmsCli.Run(env, [.. command, option, value, "--json"]);
            Assert.Equal(2, r.Code);
            KmsCli.AssertError(r.Err, "KmsInvalidKeyIdentifier");
            Assert.Equal(before, KmsCli.Tree(dir.Path));
        }
    }

    [Fact]
    public void Stdin_to_stdout_streams_with_a_kms_key_both_ways()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var arn = KmsCli.Endpoint.CreateKey();
        var plaintext = new byte[300_000];
        new Random(7).NextBytes(plaintext);

        var enc = KmsCli.RunBytes(env, plaintext, "encrypt", "-", "-o", "-", "--key", arn, "--context", "stream=yes");
        Assert.True(enc.Code == 0, enc.Err);
        Assert.Equal(0x02, enc.Out[0]);
        var dec = KmsCli.RunBytes(env, enc.Out, "decrypt", "-", "-o", "-", "--key", arn, "--expect-context", "stream=yes");
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal(plaintext, dec.Out);
        Assert.Empty(KmsCli.Tree(dir.File("home")));
    }

    [Fact]
    public void Rewrap_adds_a_kms_key_to_a_local_file_and_removes_it_again_header_only()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var store = dir.File("store");
        KmsCli.LocalStore(env, store);
        var arn = KmsCli.Endpoint.CreateKey();
        var plain = dir.Write("a.txt", "rewrap me"u8.ToArray());
        Assert.Equal(0, KmsCli.Run(env, "encrypt", plain, "--key", "alias/local", "--store", store).Code);
        var enc = plain + ".enc";

        var add = KmsCli.Run(env, "rewrap", enc, "--add-key", arn, "--store", store, "--json");
        Assert.True(add.Code == 0, add.Err);
        Assert.Contains(("aws-kms", arn), KmsCli.Edks(env, enc, "--store", store));
        var byKms = KmsCli.Run(env, "decrypt", enc, "-o", dir.File("k.txt"), "--key", arn, "--store", dir.File("none"));
        Assert.True(byKms.Code == 0, byKms.Err);
        Assert.Equal("rewrap me", File.ReadAllText(dir.File("k.txt")));

        // The local key's EDK removed: the KMS key alone opens the file, the store's key no longer does.
        var dropLocal = KmsCli.Run(env, "rewrap", enc, "--remove-key", "alias/local", "--store", store);
        Assert.True(dropLocal.Code == 0, dropLocal.Err);
        Assert.Equal([("aws-kms", arn)], KmsCli.Edks(env, enc, "--store", store));
        Assert.NotEqual(0, KmsCli.Run(env, "decrypt", enc, "-o", dir.File("l.txt"), "--key", "alias/local", "--store", store).Code);
        Assert.False(File.Exists(dir.File("l.txt")));

        // Unwrapping the data key from the KMS EDK is a decryption, strict as ever: a rewrap that does not name the KMS
        // key (nor allows it by ENCTOOLS_KMS_KEY_IDS or discovery) is refused and the file left as it was.
        var unchanged = File.ReadAllBytes(enc);
        var refused = KmsCli.Run(env, "rewrap", enc, "--add-key", "alias/local", "--store", store);
        Assert.Equal(AccessDenied, refused.Code);
        Assert.Contains("KmsKeyNotAllowed", refused.Err);
        Assert.Equal(unchanged, File.ReadAllBytes(enc));
        var discovered = KmsCli.Run(env, "rewrap", enc, "--add-key", "alias/local", "--kms-discovery-account", "123456789012", "--store", store);
        Assert.True(discovered.Code == 0, discovered.Err);

        // And back: the KMS EDK removed (naming it also lets it unwrap the data key); the local key alone remains.
        var back = KmsCli.Run(env, "rewrap", enc, "--remove-key", arn, "--store", store);
        Assert.True(back.Code == 0, back.Err);
        var edks = KmsCli.Edks(env, enc, "--store", store);
        Assert.DoesNotContain(edks, e => e.Provider == "aws-kms");
        var byLocal = KmsCli.Run(env, "decrypt", enc, "-o", dir.File("l.txt"), "--key", "alias/local", "--store", store);
        Assert.True(byLocal.Code == 0, byLocal.Err);
        Assert.Equal("rewrap me", File.ReadAllText(dir.File("l.txt")));
    }

    [Fact]
    public void Kms_only_use_in_a_process_with_another_home_creates_no_store_anywhere()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir); // HOME is an empty directory; no ENCRYPTIONTOOLS_STORE, no --store
        var arn = KmsCli.Endpoint.CreateKey();
        var plain = dir.Write("a.txt", "no store"u8.ToArray());

        var enc = KmsCli.Run(env, "encrypt", plain, "--key", arn, "--json");
        Assert.True(enc.Code == 0, enc.Err);
        using (var doc = JsonDocument.Parse(enc.Out)) Assert.Equal("Encrypted", doc.RootElement[0].GetProperty("Action").GetString());
        var dec = KmsCli.Run(env, "decrypt", plain + ".enc", "-o", dir.File("out.txt"), "--key", arn);
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal("no store", File.ReadAllText(dir.File("out.txt")));
        var add = KmsCli.Run(KmsCli.Env(dir, new Dictionary<string, string?> { ["ENCTOOLS_KMS_KEY_IDS"] = arn }), "rewrap", plain + ".enc", "--add-key", KmsCli.Endpoint.CreateKey());
        Assert.True(add.Code == 0, add.Err);

        Assert.Empty(KmsCli.Tree(dir.File("home")));
        Assert.DoesNotContain("Created a new key store", enc.Err + dec.Err + add.Err);
    }
}
