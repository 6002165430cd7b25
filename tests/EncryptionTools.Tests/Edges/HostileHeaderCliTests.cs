using EncryptionTools.Engine.Format;
using EncryptionTools.Tests.Cli;
using Xunit.Abstractions;

namespace EncryptionTools.Tests.Edges;

/// <summary>
/// The CLI on hostile headers as a user meets them: a 50 MB header (256 EDKs of three 65,535-byte fields) and the
/// largest header within the limit, both full of terminal escapes. Exit codes, bounded and escaped text, no output
/// file, and the process's peak memory.
/// </summary>
public class HostileHeaderCliTests(ITestOutputHelper log)
{
    /// <summary>Peak RSS allowed: the required 64 MiB for the shipped (Native AOT) CLI; the IL build also carries the JIT.</summary>
    private static long BudgetKiB => CliProcess.Native is null ? 160 * 1024 : 64 * 1024;

    // The store is made once per test, beside the files; "nothing left behind" is checked for everything else.
    private static Dictionary<string, string> Env(TempDir dir) => Directory.Exists(dir.File("store"))
        ? new Dictionary<string, string> { ["ENCRYPTIONTOOLS_STORE"] = dir.File("store") }
        : CliProcess.WithNewStore(dir.File("store"));

    private static IEnumerable<string?> EntriesBesideTheStore(TempDir dir) =>
        Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Where(n => n != "store");

    private static void AssertNoRawControls(string text)
    {
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\u0007', text);
        Assert.DoesNotContain('\u0000', text);
        Assert.DoesNotContain('\r', text);
    }

    [Theory]
    [InlineData("decrypt")]
    [InlineData("info")]
    public void A_50_MB_header_is_refused_with_little_memory_and_a_short_message(string command)
    {
        using var dir = new TempDir();
        var file = dir.Write("huge.enc", HostileHeaders.Message(256));
        string[] args = command == "decrypt" ? ["decrypt", file, "-o", dir.File("out")] : ["info", file];
        var r = PeakMemory.Run(Env(dir), args);
        log.WriteLine($"enctools {command} on a {new FileInfo(file).Length:N0}-byte header: exit {r.Code}, peak RSS {r.PeakKiB:N0} KiB, stderr {r.Err.Length} chars, stdout {r.Out.Length} chars");
        Assert.Equal(4, r.Code);
        Assert.Contains("enctools: MessageLimitExceeded:", r.Err, StringComparison.Ordinal);
        Assert.True(r.Err.Length + r.Out.Length < 4096, r.Err);
        AssertNoRawControls(r.Err + r.Out);
        Assert.True(r.PeakKiB <= BudgetKiB, $"peak RSS {r.PeakKiB:N0} KiB > {BudgetKiB:N0} KiB");
        Assert.False(File.Exists(dir.File("out")));
        Assert.Equal(["huge.enc"], EntriesBesideTheStore(dir));
    }

    [Fact]
    public void The_largest_header_within_the_limit_costs_at_most_64_MiB_and_a_few_KiB_of_text()
    {
        using var dir = new TempDir();
        var edks = HostileHeaders.EdksWithin(MessageLimits.DefaultMaxHeaderLength);
        var file = dir.Write("atlimit.enc", HostileHeaders.Message(edks));

        var decrypt = PeakMemory.Run(Env(dir), "decrypt", file, "-o", dir.File("out"));
        log.WriteLine($"decrypt, {edks} EDKs, {HostileHeaders.HeaderLength(edks):N0}-byte header: exit {decrypt.Code}, peak RSS {decrypt.PeakKiB:N0} KiB, stderr {decrypt.Err.Length} chars");
        Assert.Equal(5, decrypt.Code);
        Assert.Contains("enctools: NoDecryptableKey:", decrypt.Err, StringComparison.Ordinal);
        Assert.Contains($"None of the message's {edks} encrypted data key(s)", decrypt.Err, StringComparison.Ordinal);
        Assert.True(decrypt.Err.Length <= 8 * 1024, $"{decrypt.Err.Length} characters on stderr");
        Assert.Contains("\\x1B]0;pwned\\x07\\x0D\\x00\\x1B[2J", decrypt.Err, StringComparison.Ordinal);
        AssertNoRawControls(decrypt.Err + decrypt.Out);
        Assert.True(decrypt.PeakKiB <= BudgetKiB, $"peak RSS {decrypt.PeakKiB:N0} KiB > {BudgetKiB:N0} KiB");
        Assert.False(File.Exists(dir.File("out")));

        var info = PeakMemory.Run(Env(dir), "info", file);
        log.WriteLine($"info: exit {info.Code}, peak RSS {info.PeakKiB:N0} KiB, stdout {info.Out.Length} chars");
        Assert.Equal(0, info.Code);
        Assert.True(info.Out.Length <= 16 * 1024, $"{info.Out.Length} characters on stdout");
        Assert.Contains("\\x1B]0;pwned\\x07", info.Out, StringComparison.Ordinal);
        AssertNoRawControls(info.Out + info.Err);
        Assert.True(info.PeakKiB <= BudgetKiB, $"peak RSS {info.PeakKiB:N0} KiB > {BudgetKiB:N0} KiB");
        Assert.Equal(["atlimit.enc"], EntriesBesideTheStore(dir));
    }

    [Fact]
    public void The_limit_is_set_by_ENCRYPTIONTOOLS_MAX_HEADER_SIZE_and_a_bad_value_is_an_error()
    {
        using var dir = new TempDir();
        var file = dir.Write("two.enc", HostileHeaders.Message(2)); // about 384 KiB of header
        var env = Env(dir);
        env["ENCRYPTIONTOOLS_MAX_HEADER_SIZE"] = "256K";
        var refused = CliProcess.Run(env, "info", file);
        Assert.Equal(4, refused.Code);
        Assert.Contains("limit of 262144 bytes", refused.Err, StringComparison.Ordinal);
        env["ENCRYPTIONTOOLS_MAX_HEADER_SIZE"] = "lots";
        var bad = CliProcess.Run(env, "info", file);
        Assert.Equal(2, bad.Code);
        Assert.Contains("InvalidMaxHeaderSize", bad.Err, StringComparison.Ordinal);
        env.Remove("ENCRYPTIONTOOLS_MAX_HEADER_SIZE");
        Assert.Equal(0, CliProcess.Run(env, "info", file).Code);
    }
}
