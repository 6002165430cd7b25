using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EncryptionTools.Tests.Cli;

/// <summary><c>enctools data ...</c> as a real process: base64 messages on stdin, arguments and stdout, documented exit codes.</summary>
public class CliDataTests
{
    // The documented exit codes (docs/enctools.md).
    private const int InvalidData = 4, AccessDenied = 5, ContextMismatch = 7;

    /// <summary>Runs enctools with <paramref name="stdin"/> written to its standard input; stdout as bytes.</summary>
    private static (int Code, byte[] Out, string Err) Run(IDictionary<string, string> environment, byte[] stdin, params string[] args)
    {
        var native = CliProcess.Native;
        var start = new ProcessStartInfo(native ?? "dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        if (native is null) start.ArgumentList.Add(CliProcess.Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(60_000), "enctools did not finish in 60 s");
        copy.Wait();
        return (process.ExitCode, stdout.ToArray(), stderr.Result);
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes).Trim();

    [Fact]
    public void Encrypts_stdin_to_base64_and_decrypts_it_back_from_an_argument_or_stdin()
    {
        using var dir = new TempDir();
        var env = CliProcess.WithNewStore(dir.File("store"));
        Assert.Equal(0, CliProcess.Run(env, "key", "create", "--alias", "alias/app").Code);
        foreach (var plaintext in new[] { "x"u8.ToArray(), Array.Empty<byte>(), RandomNumberGenerator.GetBytes(300_000) })
        {
            var enc = Run(env, plaintext, "data", "encrypt", "--key", "alias/app", "--context", "app=billing");
            Assert.True(enc.Code == 0, enc.Err);
            var base64 = Text(enc.Out);
            Assert.Equal(0x02, Convert.FromBase64String(base64)[0]);

            if (base64.Length < 100_000) // one argument holds at most 128 KiB on Linux
            {
                var fromArgument = Run(env, [], "data", "decrypt", base64, "--expect-context", "app=billing");
                Assert.True(fromArgument.Code == 0, fromArgument.Err);
                Assert.Equal(plaintext, fromArgument.Out);
            }
            var fromStdin = Run(env, Encoding.ASCII.GetBytes(base64 + "\n"), "data", "decrypt", "-", "--base64", "--expect-context", "app=billing");
            Assert.Equal(Convert.ToBase64String(plaintext), Text(fromStdin.Out));
        }
    }

    [Fact]
    public void A_wrong_context_bad_base64_or_a_tampered_message_writes_nothing_with_its_exit_code()
    {
        using var dir = new TempDir();
        var env = CliProcess.WithNewStore(dir.File("store"));
        Assert.Equal(0, CliProcess.Run(env, "key", "create", "--alias", "alias/app").Code);
        var base64 = Text(Run(env, "secret"u8.ToArray(), "data", "encrypt", "--key", "alias/app", "-c", "app=billing").Out);

        var mismatch = Run(env, [], "data", "decrypt", base64, "--expect-context", "app=payroll");
        Assert.Equal(ContextMismatch, mismatch.Code);
        Assert.Empty(mismatch.Out);
        Assert.Contains("EncryptionContextMismatch", mismatch.Err, StringComparison.Ordinal);

        var junk = Run(env, [], "data", "decrypt", "not base64!");
        Assert.Equal(InvalidData, junk.Code);
        Assert.Contains("NotAnEncryptedMessage", junk.Err, StringComparison.Ordinal);

        var bytes = Convert.FromBase64String(base64);
        bytes[^20] ^= 1;
        var tampered = Run(env, [], "data", "decrypt", Convert.ToBase64String(bytes));
        Assert.Equal(InvalidData, tampered.Code);
        Assert.Empty(tampered.Out);
        Assert.DoesNotContain("secret", tampered.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_data_key_and_a_reencryption_round_trip_through_json_and_text()
    {
        using var dir = new TempDir();
        var env = CliProcess.WithNewStore(dir.File("store"));
        Assert.Equal(0, CliProcess.Run(env, "key", "create", "--alias", "alias/app").Code);
        Assert.Equal(0, CliProcess.Run(env, "key", "create", "--alias", "alias/new").Code);

        var dk = Run(env, [], "data", "datakey", "--key", "alias/app", "--context", "purpose=cache", "--json");
        Assert.True(dk.Code == 0, dk.Err);
        using var json = JsonDocument.Parse(dk.Out);
        var plaintext = json.RootElement.GetProperty("Plaintext").GetString()!;
        Assert.Equal(32, Convert.FromBase64String(plaintext).Length);
        Assert.Equal("cache", json.RootElement.GetProperty("EncryptionContext").GetProperty("purpose").GetString());
        var blob = json.RootElement.GetProperty("CiphertextBlob").GetString()!;
        Assert.Equal(plaintext, Text(Run(env, [], "data", "decrypt", blob, "--base64").Out));

        var blind = Run(env, [], "data", "datakey", "--key", "alias/app", "--without-plaintext");
        Assert.True(blind.Code == 0, blind.Err);
        Assert.DoesNotContain("Plaintext:", Text(blind.Out), StringComparison.Ordinal);
        Assert.Contains("CiphertextBlob: ", Text(blind.Out), StringComparison.Ordinal);

        var moved = Run(env, [], "data", "reencrypt", blob, "--key", "alias/new");
        Assert.True(moved.Code == 0, moved.Err);
        var back = Run(env, [], "data", "decrypt", Text(moved.Out), "--key", "alias/new", "--base64", "--expect-context", "purpose=cache");
        Assert.Equal(plaintext, Text(back.Out));
        Assert.Equal(AccessDenied, Run(env, [], "data", "decrypt", Text(moved.Out), "--key", "alias/app").Code);
    }
}
