using System.Diagnostics;
using EncryptionTools.Tests.Module;

namespace EncryptionTools.Tests.Cli;

/// <summary>
/// Runs the real enctools program as a separate process: the Native AOT executable that ENCTOOLS_CLI names (CI sets it
/// to the shipped out/enctools/enctools), else the IL build under <c>dotnet</c>.
/// </summary>
internal static class CliProcess
{
    /// <summary>The native executable under test, or null when the tests run the IL build.</summary>
    public static string? Native
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("ENCTOOLS_CLI");
            if (string.IsNullOrEmpty(path)) return null;
            path = Path.GetFullPath(path);
            Assert.True(File.Exists(path), "ENCTOOLS_CLI names no file: " + path + " (run bash build.sh first)");
            return path;
        }
    }

    public static string Dll
    {
        get
        {
            var path = Path.Combine(ModuleLayout.RepoRoot, "src", "enctools", "bin", "Release", "net8.0", "enctools.dll");
            Assert.True(File.Exists(path), "Build enctools in Release first: " + path);
            return path;
        }
    }

    /// <summary>An environment whose ENCRYPTIONTOOLS_STORE names a store made on purpose (use-only commands create none).</summary>
    public static Dictionary<string, string> WithNewStore(string store)
    {
        var init = Run("store", "init", store);
        Assert.True(init.Code == 0, "enctools store init failed: " + init.Err);
        return new Dictionary<string, string> { ["ENCRYPTIONTOOLS_STORE"] = store };
    }

    public static (int Code, string Out, string Err) Run(params string[] args) => Run(null, args);

    public static (int Code, string Out, string Err) Run(IDictionary<string, string>? environment, params string[] args)
    {
        var native = Native;
        var start = new ProcessStartInfo(native ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (native is null) start.ArgumentList.Add(Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "enctools did not finish in 60 s");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
