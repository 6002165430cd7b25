using System.Diagnostics;
using System.Security.Cryptography;
using EncryptionTools.Tests.Cli;

namespace EncryptionTools.Tests.Edges;

/// <summary>
/// The CLI refuses what it does not understand before doing any work: a mistyped option is not a file name, a
/// repeated context key is not "the last one wins", bytes that are not UTF-8 are not U+FFFD. Each case checks exit code
/// 2, the usage message, and that no file (output, store, temporary) appeared.
/// </summary>
public class StrictArgumentsTests
{
    private static string[] Entries(TempDir dir) => Directory.GetFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private static (TempDir Dir, Dictionary<string, string> Env, string Plain) Setup()
    {
        var dir = new TempDir();
        var plain = dir.Write("pay.csv", "id,amount\n1,100\n"u8.ToArray());
        return (dir, new Dictionary<string, string> { ["ENCRYPTIONTOOLS_STORE"] = dir.File("store") }, plain);
    }

    [Fact]
    public void Mistyped_options_exit_2_with_a_hint_and_encrypt_nothing()
    {
        var (dir, env, plain) = Setup();
        using var _ = dir;
        var before = Entries(dir);
        var r = CliProcess.Run(env, "encrypt", plain, "--kye", "alias/hr", "--contex", "dept=hr");
        Assert.Equal(2, r.Code);
        Assert.Contains("enctools: Usage: '--kye' is not an option of 'enctools encrypt'. Did you mean '--key'?", r.Err, StringComparison.Ordinal);
        Assert.Contains("'--contex' is not an option", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("not found", r.Err, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("", r.Out);
        Assert.Equal(before, Entries(dir)); // no pay.csv.enc, no store
    }

    [Fact]
    public void Rewrap_does_not_take_a_short_option_it_lacks_as_a_file()
    {
        var (dir, env, _) = Setup();
        using var __ = dir;
        var r = CliProcess.Run(env, "rewrap", "-r", dir.File("x.enc"));
        Assert.Equal(2, r.Code);
        Assert.Contains("'-r' is not an option of 'enctools rewrap'", r.Err, StringComparison.Ordinal);
        Assert.Equal(["pay.csv"], Entries(dir));
    }

    [Fact]
    public void Double_dash_ends_the_options_for_names_that_start_with_a_dash()
    {
        var (dir, env, _) = Setup();
        using var __ = dir;
        var key = dir.Write("k.key", RandomNumberGenerator.GetBytes(32));
        dir.Write("-r", "dash"u8.ToArray());
        var option = RunIn(dir.Path, env, "encrypt", "--key-file", key, "-r"); // without "--", -r is --recursive: no file given
        Assert.Equal(2, option.Code);
        Assert.False(File.Exists(dir.File("-r.enc")));
        var r = RunIn(dir.Path, env, "encrypt", "--key-file", key, "--", "-r");
        Assert.True(r.Code == 0, r.Err);
        Assert.True(File.Exists(dir.File("-r.enc")));
        var back = RunIn(dir.Path, env, "decrypt", "--key-file", key, "-o", dir.File("round"), "--", "-r.enc");
        Assert.True(back.Code == 0, back.Err);
        Assert.Equal("dash", File.ReadAllText(dir.File("round")));
    }

    [Fact]
    public void A_repeated_context_key_is_an_error_not_the_last_value()
    {
        var (dir, env, plain) = Setup();
        using var __ = dir;
        var key = dir.Write("k.key", RandomNumberGenerator.GetBytes(32));
        var r = CliProcess.Run(env, "encrypt", plain, "--key-file", key, "--context", "dept=hr", "--context", "dept=it");
        Assert.Equal(2, r.Code);
        Assert.Contains("InvalidEncryptionContext", r.Err, StringComparison.Ordinal);
        Assert.Contains("'dept' is given more than once", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(plain + ".enc"));
        // Keys that differ in case are different keys, as in KMS.
        Assert.Equal(0, CliProcess.Run(env, "encrypt", plain, "--key-file", key, "--context", "dept=hr", "--context", "Dept=it").Code);
        var expect = CliProcess.Run(env, "decrypt", plain + ".enc", "--key-file", key, "--expect-context", "dept=hr", "--expect-context", "dept=hr", "-o", dir.File("o"));
        Assert.Equal(2, expect.Code);
        Assert.False(File.Exists(dir.File("o")));
    }

    [Fact]
    public void Arguments_that_are_not_UTF8_are_refused_not_turned_into_U_FFFD()
    {
        if (!OperatingSystem.IsLinux()) return; // only Linux hands the program raw argument bytes
        var (dir, env, plain) = Setup();
        using var __ = dir;
        var key = dir.Write("k.key", RandomNumberGenerator.GetBytes(32));
        // The shell builds the bytes (0xFF is never UTF-8); .NET could not pass them.
        var r = RunIn(dir.Path, env, "encrypt", plain, "--key-file", key, "--context", "dept=\\377hr", "--shell-printf");
        Assert.Equal(2, r.Code);
        Assert.Contains("is not valid UTF-8", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(plain + ".enc"));
    }

    [Fact]
    public void An_at_sign_name_is_a_file_not_a_response_file()
    {
        var (dir, env, _) = Setup();
        using var __ = dir;
        var key = dir.Write("k.key", RandomNumberGenerator.GetBytes(32));
        dir.Write("@list", "not arguments"u8.ToArray());
        var r = RunIn(dir.Path, env, "encrypt", "--key-file", key, "@list");
        Assert.True(r.Code == 0, r.Err);
        Assert.True(File.Exists(dir.File("@list.enc")));
    }

    /// <summary>
    /// Runs enctools in <paramref name="cwd"/> through /bin/sh, so relative names are the test's; with a last argument
    /// "--shell-printf", every argument is passed through printf '%b' (so "\377" becomes the byte 0xFF).
    /// </summary>
    private static (int Code, string Out, string Err) RunIn(string cwd, IDictionary<string, string> env, params string[] args)
    {
        var printf = args.Length > 0 && args[^1] == "--shell-printf";
        if (printf) args = args[..^1];
        var native = CliProcess.Native;
        string[] program = native is null ? ["dotnet", CliProcess.Dll] : [native];
        var script = "exec " + string.Join(' ', program.Select(Sh)) + " "
            + string.Join(' ', args.Select(a => printf ? $"\"$(printf '%b' {Sh(a)})\"" : Sh(a)));
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var (k, v) in env) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000));
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Sh(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
