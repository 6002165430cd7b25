using System.Diagnostics;
using Xunit;

namespace EncryptionTools.HelpGen.Tests;

public class CommandLineTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Valid_docs_exit_0_and_write_maml_and_about_files()
    {
        using var dir = new TempDir();
        string docs = Samples.CopyDocs(dir);
        string output = dir.Combine("en-US");
        var (code, stdout, stderr) = Run("--docs", docs, "--out", output, "--module", "EncryptionTools");
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("2 cmdlet page(s), 1 about topic(s)", stdout);
        Assert.Equal(["Get-Sample", "Set-Sample"], MamlReader.ReadCommandNames(Path.Combine(output, "EncryptionTools.dll-Help.xml")));
        Assert.True(File.Exists(Path.Combine(output, "about_Sample.help.txt")));
    }

    [Fact]
    public void Malformed_page_exits_1_naming_file_and_problem()
    {
        using var dir = new TempDir();
        string docs = Samples.CopyDocs(dir);
        string page = Path.Combine(docs, "Set-Sample.md");
        File.WriteAllText(page, File.ReadAllText(page).Replace("### Example 1: Change one sample", "### Example 1: Change one sample\n\nNo code.\n\n## NOTES_X"));
        var (code, _, stderr) = Run("--docs", docs, "--out", dir.Combine("en-US"), "--module", "EncryptionTools");
        Assert.Equal(1, code);
        Assert.Contains(page + ":", stderr);
        Assert.Contains("unknown section '## NOTES_X'", stderr);
        Assert.Contains("nothing was written", stderr);
        Assert.False(Directory.Exists(dir.Combine("en-US")));
    }

    [Theory]
    [InlineData(new string[0], "--docs, --out and --module are all required")]
    [InlineData(new[] { "--docs", "d", "--out" }, "--out needs a value")]
    [InlineData(new[] { "--docs", "d", "--out", "o", "--module", "M", "--bogus" }, "unknown argument '--bogus'")]
    public void Bad_arguments_exit_2_with_usage(string[] args, string message)
    {
        var (code, _, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Contains("Usage: HelpGen", stderr);
    }

    [Fact]
    public void Missing_docs_folder_exits_1()
    {
        using var dir = new TempDir();
        var (code, _, stderr) = Run("--docs", dir.Combine("nope"), "--out", dir.Combine("o"), "--module", "EncryptionTools");
        Assert.Equal(1, code);
        Assert.Contains("does not exist", stderr);
    }

    [Fact]
    public void Module_page_and_readme_are_skipped()
    {
        using var dir = new TempDir();
        string docs = Samples.CopyDocs(dir);
        dir.Write("docs/EncryptionTools.md", "---\nModule Name: EncryptionTools\nModule Guid: 00000000-0000-0000-0000-000000000000\nDownload Help Link: \nHelp Version: 1.0.0\nLocale: en-US\n---\n\n# EncryptionTools Module\n## Description\nText.\n");
        dir.Write("docs/README.md", "# Docs\nHow to edit these pages.\n");
        dir.Write("docs/performance.md", "# Performance\nNot a cmdlet page.\n");
        Assert.Equal(PageKind.Ignored, HelpGenerator.Classify(Path.Combine(docs, "performance.md")));
        Assert.Equal(PageKind.Module, HelpGenerator.Classify(Path.Combine(docs, "EncryptionTools.md")));
        var (code, stdout, stderr) = Run("--docs", docs, "--out", dir.Combine("en-US"), "--module", "EncryptionTools");
        Assert.True(code == 0, stderr);
        Assert.Contains("2 cmdlet page(s)", stdout);
    }

    [Fact]
    public void Real_process_exit_codes()
    {
        // The built tool, run as a separate process: proves Main returns Run's code to the shell.
        string dll = Path.Combine(AppContext.BaseDirectory, "HelpGen.dll");
        Assert.True(File.Exists(dll), dll);
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

        using var dir = new TempDir();
        string docs = Samples.CopyDocs(dir);
        Assert.Equal(0, Exec(dotnet, dll, "--docs", docs, "--out", dir.Combine("ok"), "--module", "EncryptionTools").Code);

        File.WriteAllText(Path.Combine(docs, "Get-Sample.md"), "# Get-Sample\n");
        var bad = Exec(dotnet, dll, "--docs", docs, "--out", dir.Combine("bad"), "--module", "EncryptionTools");
        Assert.Equal(1, bad.Code);
        Assert.Contains("Get-Sample.md:1: missing YAML front matter", bad.Err);
    }

    private static (int Code, string Err) Exec(string fileName, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "HelpGen did not finish in 60 s");
        return (p.ExitCode, err.Result);
    }
}
