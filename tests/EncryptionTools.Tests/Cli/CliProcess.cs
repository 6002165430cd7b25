using System.Diagnostics;
using EncryptionTools.Tests.Module;

namespace EncryptionTools.Tests.Cli;

/// <summary>Runs the real enctools program as a separate process.</summary>
internal static class CliProcess
{
    public static string Dll
    {
        get
        {
            var path = Path.Combine(ModuleLayout.RepoRoot, "src", "enctools", "bin", "Release", "net8.0", "enctools.dll");
            Assert.True(File.Exists(path), "Build enctools in Release first: " + path);
            return path;
        }
    }

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "enctools did not finish in 60 s");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
