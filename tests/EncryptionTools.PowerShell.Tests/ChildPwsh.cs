using System.Diagnostics;
using System.Text.Json;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>Runs a script in a child pwsh: the pinned 7.6.10 of the repository's tool manifest (`dotnet pwsh`).</summary>
internal static class ChildPwsh
{
    private static readonly Lazy<bool> Restored = new(() =>
    {
        var (code, output) = Exec(["tool", "restore"], null, TimeSpan.FromMinutes(3));
        if (code != 0) throw new InvalidOperationException("dotnet tool restore failed (the pinned pwsh): " + output);
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    public sealed record Result(int ExitCode, string Output)
    {
        /// <summary>The script's last output line, parsed; a failure shows the whole output.</summary>
        public JsonElement Json()
        {
            Assert.True(ExitCode == 0, $"pwsh exited with {ExitCode}:\n{Output}");
            var last = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
            Assert.True(last is not null, "No JSON from pwsh:\n" + Output);
            return JsonDocument.Parse(last!).RootElement.Clone();
        }
    }

    /// <summary>
    /// Runs <paramref name="script"/> with $root set and the location there, after Import-Module of the built module
    /// (unless <paramref name="import"/> is false); ENCRYPTIONTOOLS_STORE points into $root, so nothing touches the
    /// user's store; <paramref name="env"/> is added to the environment.
    /// </summary>
    public static Result Run(string script, string root, bool import = true, IReadOnlyDictionary<string, string?>? env = null)
    {
        _ = Restored.Value;
        var file = Path.Combine(root, "child-" + Guid.NewGuid().ToString("N")[..8] + ".ps1");
        var prelude = $"$ErrorActionPreference = 'Stop'\n$root = '{root.Replace("'", "''")}'\nSet-Location -LiteralPath $root\n" +
            (import ? $"Import-Module '{ModuleRunspace.ModulePath.Replace("'", "''")}'\n" : "");
        File.WriteAllText(file, prelude + script);
        var environment = new Dictionary<string, string?>(env ?? new Dictionary<string, string?>()) { ["ENCRYPTIONTOOLS_STORE"] = Path.Combine(root, "store") };
        var (code, output) = Exec(["pwsh", "-NoProfile", "-NonInteractive", "-File", file], environment, TimeSpan.FromMinutes(2));
        return new Result(code, output);
    }

    private static (int Code, string Output) Exec(string[] args, IReadOnlyDictionary<string, string?>? env, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = DocumentedExample.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in {timeout}.");
        }
        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }
}
