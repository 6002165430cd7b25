using System.Diagnostics;
using EncryptionTools.Tests.Cli;

namespace EncryptionTools.Tests.Edges;

/// <summary>
/// Runs enctools as <see cref="CliProcess"/> does and measures the process's peak resident set (the kernel's
/// maxrss, through GNU time's %M); without /usr/bin/time, the last VmHWM read from /proc while it ran (a lower bound).
/// </summary>
internal static class PeakMemory
{
    public static (int Code, string Out, string Err, long PeakKiB) Run(IDictionary<string, string>? environment, params string[] args)
    {
        var native = CliProcess.Native;
        var program = native ?? "dotnet";
        var programArgs = native is null ? [CliProcess.Dll, .. args] : args;
        var report = Path.GetTempFileName();
        try
        {
            var viaTime = File.Exists("/usr/bin/time");
            var start = new ProcessStartInfo(viaTime ? "/usr/bin/time" : program) { RedirectStandardOutput = true, RedirectStandardError = true };
            if (viaTime) foreach (var a in new[] { "-f", "%M", "-o", report, program }) start.ArgumentList.Add(a);
            foreach (var a in programArgs) start.ArgumentList.Add(a);
            foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            long polled = 0;
            while (!process.WaitForExit(5))
            {
                try
                {
                    foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
                        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                            polled = Math.Max(polled, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
                }
                catch (IOException) { }
            }
            Assert.True(process.WaitForExit(60_000));
            var peak = viaTime ? long.Parse(File.ReadAllLines(report).Last(l => l.Trim().Length > 0).Trim()) : polled;
            return (process.ExitCode, stdout.Result, stderr.Result, peak);
        }
        finally
        {
            File.Delete(report);
        }
    }
}
