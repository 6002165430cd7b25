using System.Security.Cryptography;
using System.Text.Json;
using EncryptionTools.Tests.Compliance;

namespace EncryptionTools.Tests.Cli;

/// <summary>
/// enctools reports failures in its own words: error ids of the catalog (the module's ids), CLI commands and flags
/// in the advice, never an exception type name or a cmdlet parameter.
/// </summary>
public class CliSpeaksCliTests
{
    private static (TempDir Dir, Dictionary<string, string> Env, string Encrypted) EncryptedFile()
    {
        var dir = new TempDir();
        var env = CliProcess.WithNewStore(dir.File("store"));
        Assert.Equal(0, CliProcess.Run(env, "key", "create", "--alias", "alias/hr").Code);
        var plain = dir.Write("pay.csv", "a,b\n1,2\n"u8.ToArray());
        var enc = CliProcess.Run(env, "encrypt", plain, "-k", "alias/hr", "-c", "dept=hr");
        Assert.True(enc.Code == 0, enc.Err);
        return (dir, env, plain + ".enc");
    }

    [Fact]
    public void InfoOnAMissingFileSaysNotFound()
    {
        using var dir = new TempDir();
        var env = CliProcess.WithNewStore(dir.File("store"));
        var r = CliProcess.Run(env, "info", dir.File("missing.enc"));
        Assert.Equal(3, r.Code);
        Assert.StartsWith("enctools: SourceNotFound: ", r.Err);
        Assert.Contains("does not exist", r.Err);
        Assert.DoesNotContain("Exception", r.Err);
    }

    [Fact]
    public void InfoAndRewrapOfADirectorySayItIsADirectory()
    {
        var (dir, env, _) = EncryptedFile();
        using var _dir = dir;
        var folder = Directory.CreateDirectory(dir.File("folder")).FullName;
        foreach (var args in new[] { new[] { "rewrap", folder, "-k", "alias/hr" }, new[] { "info", folder } })
        {
            var r = CliProcess.Run(env, args);
            Assert.Equal(2, r.Code);
            Assert.StartsWith("enctools: SourceIsDirectory: ", r.Err);
            Assert.Contains("is a directory", r.Err);
            Assert.DoesNotContain("AccessDenied", r.Err);
            Assert.DoesNotContain("Exception", r.Err);
            Assert.Equal("", r.Out.Trim());
        }
    }

    [Fact]
    public void RewrapOfAnUpToDateFilePrintsTextUnlessJson()
    {
        var (dir, env, encrypted) = EncryptedFile();
        using var _dir = dir;
        var text = CliProcess.Run(env, "rewrap", encrypted);
        Assert.True(text.Code == 0, text.Err);
        Assert.StartsWith("unchanged " + encrypted + ": ", text.Out);
        Assert.DoesNotContain("{", text.Out);

        var json = CliProcess.Run(env, "rewrap", encrypted, "--json");
        Assert.Equal(0, json.Code);
        var only = Assert.Single(JsonDocument.Parse(json.Out).RootElement.EnumerateArray());
        Assert.Equal("Unchanged", only.GetProperty("Method").GetString());
    }

    [Fact]
    public void AWrongExpectedContextIsReportedEvenWhenTheDestinationExists()
    {
        var (dir, env, encrypted) = EncryptedFile();
        using var _dir = dir;
        var destination = dir.File("pay.csv"); // the default destination, still there
        var before = File.ReadAllBytes(destination);
        var r = CliProcess.Run(env, "decrypt", encrypted, "--expect-context", "dept=it");
        Assert.Equal(7, r.Code);
        Assert.StartsWith("enctools: EncryptionContextMismatch: ", r.Err);
        Assert.DoesNotContain("DestinationExists", r.Err);
        Assert.Equal(before, File.ReadAllBytes(destination));

        // The right context with the destination present is still DestinationExists, in CLI words.
        var exists = CliProcess.Run(env, "decrypt", encrypted, "--expect-context", "dept=hr");
        Assert.Equal(6, exists.Code);
        Assert.StartsWith("enctools: DestinationExists: ", exists.Err);
        Assert.Contains("--force", exists.Err);
        Assert.DoesNotContain("-Force", exists.Err);
    }

    [Fact]
    public void MessagesNameCliCommandsAndFlagsNotCmdlets()
    {
        var (dir, env, encrypted) = EncryptedFile();
        using var _dir = dir;

        var missingKey = CliProcess.Run(env, "key", "show", "alias/nope");
        Assert.Equal(3, missingKey.Code);
        Assert.Contains("enctools key list", missingKey.Err);
        Assert.DoesNotContain("Get-EncKey", missingKey.Err);

        var folder = Directory.CreateDirectory(dir.File("folder")).FullName;
        var directory = CliProcess.Run(env, "encrypt", folder, "-k", "alias/hr");
        Assert.Contains("--recursive", directory.Err);
        Assert.DoesNotContain("-Recurse", directory.Err);

        var skipped = CliProcess.Run(env, "encrypt", encrypted, "-k", "alias/hr", "-o", dir.File("again.enc"));
        Assert.Contains("--force", skipped.Err);
        Assert.DoesNotContain("-Force", skipped.Err);

        Assert.Equal(0, CliProcess.Run(env, "key", "disable", "alias/hr").Code);
        var disabled = CliProcess.Run(env, "decrypt", encrypted, "-o", dir.File("out.csv"));
        Assert.Equal(5, disabled.Code);
        Assert.Contains("enctools key enable", disabled.Err);
        Assert.DoesNotContain("Enable-EncKey", disabled.Err);

        var locked = dir.File("readonly.txt");
        File.WriteAllText(locked, "x");
        File.SetAttributes(locked, FileAttributes.ReadOnly);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(locked, UnixFileMode.UserRead);
        Assert.Equal(0, CliProcess.Run(env, "key", "enable", "alias/hr").Code);
        var readOnly = CliProcess.Run(env, "encrypt", locked, "--in-place", "-k", "alias/hr");
        Assert.Contains("SourceReadOnly", readOnly.Err);
        Assert.Contains("--output or --suffix", readOnly.Err);
        Assert.DoesNotContain("-Destination", readOnly.Err);
    }

    /// <summary>A platform exception gets the module's id, not its .NET type name.</summary>
    [Fact]
    public void AMissingKeyFileIsPathNotFoundAsInTheModule()
    {
        using var dir = new TempDir();
        var plain = dir.Write("a.txt", RandomNumberGenerator.GetBytes(10));
        var r = CliProcess.Run("encrypt", plain, "--key-file", dir.File("none.key"));
        Assert.Equal(3, r.Code);
        Assert.StartsWith("enctools: PathNotFound: ", r.Err);
        Assert.DoesNotContain("FileNotFoundException", r.Err);
    }

    /// <summary>compliance's fix lines are enctools commands where the CLI can do the fix, and say PowerShell where not.</summary>
    [Fact]
    public void ComplianceFixLinesAreCliCommandsWhereTheCliCanFix()
    {
        using var f = new ComplianceFixture();
        f.NewKey(rotation: false); // rotation off: a key rule whose fix (Set-EncKey) the CLI has no command for
        var plain = f.Plain("it's plain.txt");
        var r = CliProcess.Run("compliance", f.Tree, "--store", f.Store.Location, "--include-store");
        Assert.True(r.Code == 10, $"exit {r.Code}: {r.Err}");
        Assert.Contains($"  fix: enctools encrypt '{plain.Replace("'", "'\\''")}' --in-place --store {f.Store.Location}\n", r.Out.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("fix: Protect-File", r.Out);
        Assert.Contains("  fix (PowerShell): Set-EncKey -KeyId ", r.Out);
    }
}
