using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EncryptionTools.Tests.Engine;
using Xunit.Abstractions;

namespace EncryptionTools.Tests.Cli;

/// <summary>
/// <c>enctools encrypt|decrypt - -o -</c> through real pipes: the bytes on stdout are the message or the plaintext and
/// nothing else, failures are told by the exit code, and only authenticated plaintext is ever released.
/// </summary>
public class CliPipeTests(ITestOutputHelper log)
{
    /// <summary>Peak RSS allowed for 10 MiB through the pipe: as for hostile headers, 64 MiB for the AOT CLI.</summary>
    private static long BudgetKiB => CliProcess.Native is null ? 160 * 1024 : 64 * 1024;

    /// <summary>Runs enctools with <paramref name="stdin"/> (a file) on its stdin and its stdout into <paramref name="stdout"/>; peak RSS through GNU time.</summary>
    internal static (int Code, string Err, long PeakKiB) Pipe(IDictionary<string, string>? env, string? stdin, string stdout, params string[] args)
    {
        var native = CliProcess.Native;
        var program = native ?? "dotnet";
        string[] programArgs = native is null ? [CliProcess.Dll, .. args] : args;
        var report = Path.GetTempFileName();
        try
        {
            var viaTime = File.Exists("/usr/bin/time");
            var start = new ProcessStartInfo(viaTime ? "/usr/bin/time" : program)
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            if (viaTime) foreach (var a in new[] { "-f", "%M", "-o", report, program }) start.ArgumentList.Add(a);
            foreach (var a in programArgs) start.ArgumentList.Add(a);
            foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
            using var process = Process.Start(start)!;
            var feed = Task.Run(() =>
            {
                try
                {
                    if (stdin is not null)
                        using (var input = File.OpenRead(stdin)) input.CopyTo(process.StandardInput.BaseStream);
                }
                catch (IOException) { /* the process stopped reading (it failed): its exit code says so */ }
                finally
                {
                    try { process.StandardInput.Close(); } catch (IOException) { }
                }
            });
            var drain = Task.Run(() =>
            {
                using var output = File.Create(stdout);
                process.StandardOutput.BaseStream.CopyTo(output);
            });
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(120_000), "enctools did not finish in 120 s");
            feed.Wait();
            drain.Wait();
            var peak = viaTime ? long.Parse(File.ReadAllLines(report).Last(l => l.Trim().Length > 0).Trim()) : 0;
            return (process.ExitCode, stderr.Result, peak);
        }
        finally
        {
            File.Delete(report);
        }
    }

    private static Dictionary<string, string> StoreWithKey(TempDir dir)
    {
        var env = CliProcess.WithNewStore(dir.File("store"));
        var create = CliProcess.Run(env, "key", "create", "--alias", "alias/app");
        Assert.True(create.Code == 0, create.Err);
        return env;
    }

    /// <summary>Runs a shell pipeline (bash -c) so both ends are real pipes between two enctools processes.</summary>
    private static (int Code, byte[] Out, string Err) Shell(IDictionary<string, string> env, string script)
    {
        var enctools = CliProcess.Native is { } native ? $"'{native}'" : $"dotnet '{CliProcess.Dll}'";
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("set -o pipefail; " + script.Replace("enctools", enctools, StringComparison.Ordinal));
        foreach (var (k, v) in env) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var output = new MemoryStream();
        var drain = process.StandardOutput.BaseStream.CopyToAsync(output);
        var err = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000));
        drain.Wait();
        return (process.ExitCode, output.ToArray(), err.Result);
    }

    [Fact]
    public void Printf_through_encrypt_and_decrypt_prints_the_input()
    {
        using var dir = new TempDir();
        var env = StoreWithKey(dir);
        var r = Shell(env, "printf x | enctools encrypt - -o - --key alias/app | enctools decrypt - -o -");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("x"u8.ToArray(), r.Out);
        Assert.Equal("", r.Err);
    }

    [Fact]
    public void Empty_input_round_trips_to_empty_output_with_exit_0()
    {
        using var dir = new TempDir();
        var env = StoreWithKey(dir);
        var empty = dir.Write("empty", []);
        var enc = Pipe(env, empty, dir.File("empty.enc"), "encrypt", "-", "-o", "-", "--key", "alias/app");
        Assert.True(enc.Code == 0, enc.Err);
        Assert.True(new FileInfo(dir.File("empty.enc")).Length > 0);
        var dec = Pipe(env, dir.File("empty.enc"), dir.File("empty.out"), "decrypt", "-", "-o", "-");
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal(0, new FileInfo(dir.File("empty.out")).Length);
        // an empty stdin is not a message: an error, and nothing on stdout
        var bad = Pipe(env, empty, dir.File("none.out"), "decrypt", "-", "-o", "-");
        Assert.Equal(4, bad.Code);
        Assert.Equal(0, new FileInfo(dir.File("none.out")).Length);
    }

    [Fact]
    public void Ten_MiB_streams_through_both_pipes_in_bounded_memory()
    {
        using var dir = new TempDir();
        var env = StoreWithKey(dir);
        var plain = dir.Write("plain", RandomNumberGenerator.GetBytes(10 * 1024 * 1024));
        var enc = Pipe(env, plain, dir.File("plain.enc"), "encrypt", "-", "-o", "-", "--key", "alias/app");
        var dec = Pipe(env, dir.File("plain.enc"), dir.File("plain.out"), "decrypt", "-", "-o", "-");
        log.WriteLine($"10 MiB: encrypt peak RSS {enc.PeakKiB:N0} KiB, decrypt peak RSS {dec.PeakKiB:N0} KiB (budget {BudgetKiB:N0} KiB)");
        Assert.True(enc.Code == 0, enc.Err);
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(dir.File("plain.out")));
        Assert.True(enc.PeakKiB <= BudgetKiB, $"encrypt peak RSS {enc.PeakKiB:N0} KiB > {BudgetKiB:N0} KiB");
        Assert.True(dec.PeakKiB <= BudgetKiB, $"decrypt peak RSS {dec.PeakKiB:N0} KiB > {BudgetKiB:N0} KiB");
        // the file written from stdin is the same message the file route reads
        var toFile = Pipe(env, plain, dir.File("stdout-of-file-encrypt"), "encrypt", "-", "-o", dir.File("viafile.enc"), "--key", "alias/app");
        Assert.True(toFile.Code == 0, toFile.Err);
        var back = CliProcess.Run(env, "decrypt", dir.File("viafile.enc"), "-o", dir.File("viafile.out"));
        Assert.True(back.Code == 0, back.Err);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(dir.File("viafile.out")));
    }

    /// <summary>Truncated or tampered: non-zero exit, and stdout holds at most a prefix of whole authenticated frames.</summary>
    [Theory]
    [InlineData("truncated", false)]
    [InlineData("tampered", false)]
    [InlineData("truncated", true)]
    [InlineData("tampered", true)]
    public void A_damaged_message_exits_non_zero_and_releases_no_unauthenticated_frame(string damage, bool buffer)
    {
        using var dir = new TempDir();
        var env = StoreWithKey(dir);
        const int frame = 4096;
        var plaintext = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var plain = dir.Write("plain", plaintext);
        var enc = Pipe(env, plain, dir.File("m.enc"), "encrypt", "-", "-o", "-", "--key", "alias/app", "--frame-length", frame.ToString());
        Assert.True(enc.Code == 0, enc.Err);
        var message = File.ReadAllBytes(dir.File("m.enc"));
        var damaged = damage == "truncated" ? message[..(message.Length * 3 / 4)] : (byte[])message.Clone();
        if (damage == "tampered") damaged[message.Length * 3 / 4] ^= 0x01; // inside a frame's ciphertext or tag, 3/4 through
        var input = dir.Write("damaged.enc", damaged);
        string[] args = buffer ? ["decrypt", "-", "-o", "-", "--buffer"] : ["decrypt", "-", "-o", "-"];
        var dec = Pipe(env, input, dir.File("out"), args);
        var released = File.ReadAllBytes(dir.File("out"));
        log.WriteLine($"{damage}{(buffer ? " --buffer" : "")}: exit {dec.Code}, {released.Length:N0} of {plaintext.Length:N0} bytes released; {dec.Err.Trim()}");
        Assert.NotEqual(0, dec.Code);
        Assert.Contains(damage == "truncated" ? "MessageTruncated" : "MessageTampered", dec.Err, StringComparison.Ordinal);
        if (buffer)
        {
            Assert.Empty(released);
            return;
        }
        // Whole frames of the true plaintext only, and none from the damaged point on.
        Assert.Equal(0, released.Length % frame);
        Assert.True(released.Length < plaintext.Length * 3 / 4, $"{released.Length} bytes released");
        Assert.Equal(plaintext[..released.Length], released);
    }

    [Fact]
    public void Buffer_releases_the_whole_plaintext_after_verification_even_past_memory()
    {
        using var dir = new TempDir();
        var env = StoreWithKey(dir);
        var plain = dir.Write("plain", RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17));
        Assert.Equal(0, Pipe(env, plain, dir.File("m.enc"), "encrypt", "-", "-o", "-", "--key", "alias/app").Code);
        var dec = Pipe(env, dir.File("m.enc"), dir.File("out"), "decrypt", "-", "-o", "-", "--buffer");
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(dir.File("out")));
    }

    [Fact]
    public void Errors_go_to_stderr_and_stdout_stays_empty()
    {
        using var dir = new TempDir();
        var env = StoreWithKey(dir);
        var plain = dir.Write("plain", "hello"u8.ToArray());
        var noKey = Pipe(env, plain, dir.File("out1"), "encrypt", "-", "-o", "-", "--key", "alias/missing");
        Assert.NotEqual(0, noKey.Code);
        Assert.StartsWith("enctools: ", noKey.Err, StringComparison.Ordinal);
        Assert.Empty(File.ReadAllBytes(dir.File("out1")));
        var noDestination = Pipe(env, plain, dir.File("out2"), "encrypt", "-", "--key", "alias/app");
        Assert.Equal(2, noDestination.Code);
        Assert.Empty(File.ReadAllBytes(dir.File("out2")));
        var wrongContext = Pipe(env, plain, dir.File("m.enc"), "encrypt", "-", "-o", "-", "--key", "alias/app", "-c", "a=b");
        Assert.Equal(0, wrongContext.Code);
        var mismatch = Pipe(env, dir.File("m.enc"), dir.File("out3"), "decrypt", "-", "-o", "-", "--expect-context", "a=c");
        Assert.Equal(7, mismatch.Code);
        Assert.Empty(File.ReadAllBytes(dir.File("out3")));
        var several = Pipe(env, plain, dir.File("out4"), "encrypt", "-", plain, "-o", "-", "--key", "alias/app");
        Assert.Equal(2, several.Code);
        Assert.Empty(File.ReadAllBytes(dir.File("out4")));
    }

    [Fact]
    public void The_JS_SDK_reads_what_we_pipe_out_and_we_read_what_it_writes()
    {
        using var dir = new TempDir();
        var keys = new InteropKeys();
        var keyFile = dir.Write("k1.key", keys.Aes1);
        var keyrings = InteropKeys.WriteJson(dir, "keyrings.json", new JsonArray(keys.AesJson("k1", keys.Aes1)));
        var plaintext = RandomNumberGenerator.GetBytes(200_000);
        var plain = dir.Write("plain", plaintext);
        string[] raw = ["--key-file", keyFile, "--key-namespace", InteropKeys.Ns, "--key-name", "k1"];
        var enc = Pipe(null, plain, dir.File("ours.enc"), ["encrypt", "-", "-o", "-", "-c", "purpose=pipe", .. raw]);
        Assert.True(enc.Code == 0, enc.Err);
        var js = Esdk.Run("decrypt", "--keyrings", keyrings, "--in", dir.File("ours.enc"), "--out", dir.File("js.out"));
        Assert.True(js.Exit == 0, js.Stderr);
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("js.out")));
        Assert.Contains("\"purpose\":\"pipe\"", js.Stdout, StringComparison.Ordinal);

        var jsEnc = Esdk.Run("encrypt", "--keyrings", keyrings, "--in", plain, "--out", dir.File("theirs.enc"));
        Assert.True(jsEnc.Exit == 0, jsEnc.Stderr);
        var dec = Pipe(null, dir.File("theirs.enc"), dir.File("ours.out"), ["decrypt", "-", "-o", "-", .. raw]);
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("ours.out")));
    }
}
