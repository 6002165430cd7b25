using EncryptionTools.Tests.Kms;

namespace EncryptionTools.Tests.Cli;

/// <summary>
/// Each AWS KMS failure from the CLI: its documented exit code, its catalog id on stderr (also with --json), and no
/// output left behind (no destination, no temporary file), in a bounded time. Real processes on the local endpoint.
/// </summary>
public class CliKmsFailureTests
{
    // The documented exit codes (docs/enctools.md, about_EncryptionTools_Errors).
    private const int Failure = 1, InvalidData = 4, AccessDenied = 5;

    private sealed record Case(string Id, int Code, Func<string> Arn, Action<string>? After = null, Dictionary<string, string?>? Env = null);

    private static Case For(string kind, string action) => kind switch
    {
        "denied" => new("KmsAccessDenied", AccessDenied, () => KmsCli.Endpoint.CreateKey(policy: KmsEndpoint.DenyPolicy(action))),
        "disabled" => new("KmsKeyDisabled", AccessDenied, () => KmsCli.Endpoint.CreateKey(), a => KmsCli.Endpoint.Disable(a)),
        "pending-deletion" => new("KmsKeyInvalidState", AccessDenied, () => KmsCli.Endpoint.CreateKey(), a => KmsCli.Endpoint.ScheduleDeletion(a)),
        "throttled" => new("KmsThrottled", Failure, () => KmsCli.Endpoint.CreateKey("throttle: every data call is throttled")),
        "not-found" => new("KmsKeyNotFound", 3, () => "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"),
        "unreachable" => new("KmsEndpointUnreachable", Failure, () => "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111",
            Env: new() { ["AWS_ENDPOINT_URL_KMS"] = $"http://127.0.0.1:{KmsEndpoint.ClosedPort()}" }),
        "no-credentials" => new("KmsCredentialsMissing", AccessDenied, () => "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111",
            Env: new() { ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [InlineData("denied")]
    [InlineData("disabled")]
    [InlineData("pending-deletion")]
    [InlineData("throttled")]
    [InlineData("not-found")]
    [InlineData("unreachable")]
    [InlineData("no-credentials")]
    public void Encrypt_with_a_failing_kms_key_exits_with_its_id_and_leaves_no_output(string kind)
    {
        using var dir = new TempDir();
        var c = For(kind, "kms:GenerateDataKey");
        var env = KmsCli.Env(dir, c.Env);
        var arn = c.Arn();
        c.After?.Invoke(arn);
        var plain = dir.Write("a.txt", "secret"u8.ToArray());
        var before = KmsCli.Tree(dir.Path);

        foreach (var args in new[] { new[] { "encrypt", plain, "--key", arn, "--json" }, ["encrypt", plain, "--key", arn, "-o", dir.File("x.enc")] })
        {
            var r = KmsCli.RunBytes(env, null, args);
            Assert.Equal(c.Code, r.Code);
            KmsCli.AssertError(r.Err, c.Id);
            Assert.True(r.Elapsed < TimeSpan.FromSeconds(45), $"{kind}: took {r.Elapsed}");
            Assert.Equal(before, KmsCli.Tree(dir.Path));
        }
        // The unreachable endpoint is named, so the operator can see where the call went.
        if (kind == "unreachable") Assert.Contains(env["AWS_ENDPOINT_URL_KMS"]!.Replace("http://", ""), KmsCli.Run(env, "encrypt", plain, "--key", arn).Err);

        // From stdin to stdout: nothing on stdout.
        var piped = KmsCli.RunBytes(env, "secret"u8.ToArray(), "encrypt", "-", "-o", "-", "--key", arn);
        Assert.Equal(c.Code, piped.Code);
        KmsCli.AssertError(piped.Err, c.Id);
        Assert.Empty(piped.Out);
    }

    [Theory]
    [InlineData("denied")]
    [InlineData("disabled")]
    [InlineData("pending-deletion")]
    [InlineData("throttled")]
    [InlineData("unreachable")]
    public void Decrypt_with_a_failing_kms_key_exits_with_its_code_names_the_kms_error_and_leaves_no_output(string kind)
    {
        using var dir = new TempDir();
        var c = For(kind, "kms:Decrypt");
        var good = KmsCli.Env(dir);
        // A key that works for encryption, then fails: denied by a policy set afterwards, disabled, throttled...
        var arn = KmsCli.Endpoint.CreateKey();
        var plain = dir.Write("a.txt", "secret"u8.ToArray());
        var enc = KmsCli.Run(good, "encrypt", plain, "--key", arn);
        Assert.True(enc.Code == 0, enc.Err);
        switch (kind)
        {
            case "denied": KmsCli.SetPolicy(arn, KmsEndpoint.DenyPolicy("kms:Decrypt")); break;
            case "disabled": KmsCli.Endpoint.Disable(arn); break;
            case "pending-deletion": KmsCli.Endpoint.ScheduleDeletion(arn); break;
            case "throttled": KmsCli.SetDescription(arn, "throttle now"); break;
        }
        var env = KmsCli.Env(dir, c.Env);
        var before = KmsCli.Tree(dir.Path);

        var r = KmsCli.RunBytes(env, null, "decrypt", plain + ".enc", "-o", dir.File("out.txt"), "--key", arn, "--json");
        Assert.True(r.Elapsed < TimeSpan.FromSeconds(45), $"{kind}: took {r.Elapsed}");
        Assert.Equal(c.Code, r.Code);
        Assert.Contains(c.Id, r.Err);
        Assert.Contains(arn, r.Err);
        Assert.Equal(before, KmsCli.Tree(dir.Path));

        var piped = KmsCli.RunBytes(env, File.ReadAllBytes(plain + ".enc"), "decrypt", "-", "-o", "-", "--key", arn);
        Assert.Equal(c.Code, piped.Code);
        Assert.Contains(c.Id, piped.Err);
        Assert.Empty(piped.Out);
    }

    [Fact]
    public void A_wrong_context_on_a_kms_edk_is_refused_as_invalid_data()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var arn = KmsCli.Endpoint.CreateKey();
        var plain = dir.Write("a.txt", "secret"u8.ToArray());
        Assert.Equal(0, KmsCli.Run(env, "encrypt", plain, "--key", arn, "--context", "dept=hr").Code);
        var enc = File.ReadAllBytes(plain + ".enc");

        // Change one byte of the context value in the header ("hr" -> "hs"): KMS refuses the EDK for that context.
        var at = IndexOf(enc, "dept"u8.ToArray()) + 4;
        Assert.True(at > 4);
        var hr = IndexOf(enc[at..], "hr"u8.ToArray()) + at;
        enc[hr + 1] = (byte)'s';
        var tampered = dir.Write("t.enc", enc);
        var before = KmsCli.Tree(dir.Path);
        var r = KmsCli.Run(env, "decrypt", tampered, "-o", dir.File("out.txt"), "--key", arn);
        Assert.NotEqual(0, r.Code);
        Assert.True(r.Code is InvalidData or AccessDenied, r.Err);
        Assert.Contains("KmsInvalidCiphertext", r.Err);
        Assert.Equal(before, KmsCli.Tree(dir.Path));
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }
}
