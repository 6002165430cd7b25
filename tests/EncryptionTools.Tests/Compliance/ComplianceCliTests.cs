using System.Text.Json;
using EncryptionTools.Engine.Compliance;
using EncryptionTools.Tests.Cli;

namespace EncryptionTools.Tests.Compliance;

/// <summary>enctools compliance as a separate process: exit codes, --json, --sarif, --profile errors.</summary>
public sealed class ComplianceCliTests : IDisposable
{
    private readonly ComplianceFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void NotCompliantExitsTenAndWritesJsonAndSarif()
    {
        var key = _f.NewKey();
        _f.Encrypted("a.bin", key.KeyId);
        var plain = _f.Plain("b.txt");
        var sarif = Path.Combine(_f.Store.Dir.Path, "out.sarif");
        var (code, stdout, stderr) = CliProcess.Run("compliance", _f.Tree, "--store", _f.Store.Location, "--json", "--sarif", sarif);
        Assert.True(code == ComplianceCommandExit, $"exit {code}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        var finding = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("ET1001", finding.GetProperty("ruleId").GetString());
        Assert.Equal(plain, finding.GetProperty("target").GetString());
        Assert.Equal($"Protect-File -LiteralPath '{plain}' -InPlace -StorePath '{_f.Store.Location}'", finding.GetProperty("remediation").GetString());
        var summary = json.RootElement.GetProperty("summary");
        Assert.False(summary.GetProperty("compliant").GetBoolean());
        Assert.Equal(2, summary.GetProperty("filesScanned").GetInt64());
        using var log = JsonDocument.Parse(File.ReadAllBytes(sarif));
        Assert.Equal("2.1.0", log.RootElement.GetProperty("version").GetString());
        Assert.Equal(1, log.RootElement.GetProperty("runs")[0].GetProperty("results").GetArrayLength());
    }

    [Fact]
    public void CompliantExitsZero()
    {
        var key = _f.NewKey();
        _f.Encrypted("a.bin", key.KeyId);
        var (code, stdout, stderr) = CliProcess.Run("compliance", _f.Tree, "--store", _f.Store.Location, "--minimum-severity", "High", "--exclude-rule", "ET4001");
        Assert.True(code == 0, $"exit {code}: {stdout} {stderr}");
        Assert.Contains("Compliant: 0 finding(s)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void APathIsCheckedForItsFilesOnlyUnlessTheStoreIsAskedFor()
    {
        var key = _f.NewKey();
        _f.Encrypted("a.bin", key.KeyId);
        static string[] Evaluated(string stdout)
        {
            using var json = JsonDocument.Parse(stdout);
            return json.RootElement.GetProperty("summary").GetProperty("rulesEvaluated").EnumerateArray().Select(e => e.GetString()!).ToArray();
        }

        var files = CliProcess.Run("compliance", _f.Tree, "--store", _f.Store.Location, "--json");
        Assert.True(files.Code is 0 or ComplianceCommandExit, files.Err);
        Assert.NotEmpty(Evaluated(files.Out));
        Assert.All(Evaluated(files.Out), id => Assert.StartsWith("ET1", id, StringComparison.Ordinal));

        var all = CliProcess.Run("compliance", _f.Tree, "--store", _f.Store.Location, "--json", "--include-store");
        Assert.True(all.Code is 0 or ComplianceCommandExit, all.Err);
        Assert.Contains(Evaluated(all.Out), id => id.StartsWith("ET2", StringComparison.Ordinal));
        Assert.Contains(Evaluated(all.Out), id => id.StartsWith("ET4", StringComparison.Ordinal));
    }

    [Fact]
    public void ABadProfileIsAUsageErrorNamingTheField()
    {
        var profile = Path.Combine(_f.Store.Dir.Path, "p.psd1");
        File.WriteAllText(profile, "@{\n  MaximumKeyAgeDays = 'old'\n}\n");
        var (code, _, stderr) = CliProcess.Run("compliance", _f.Tree, "--store", _f.Store.Location, "--profile", profile);
        Assert.Equal(2, code);
        Assert.Contains("ComplianceProfileInvalid", stderr, StringComparison.Ordinal);
        Assert.Contains("line 2: MaximumKeyAgeDays", stderr, StringComparison.Ordinal);
    }

    private const int ComplianceCommandExit = 10;
}
