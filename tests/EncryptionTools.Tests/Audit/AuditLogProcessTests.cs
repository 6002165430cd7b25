using System.Diagnostics;
using System.Security.Cryptography;
using EncryptionTools.Engine.Audit;

namespace EncryptionTools.Tests.Audit;

/// <summary>
/// Appenders in separate processes (F# Interactive from the SDK loading the engine assembly) and this process at the
/// same time: the lock file serializes them and the chain stays whole.
/// </summary>
public sealed class AuditLogProcessTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AppendersInSeveralProcessesKeepTheChainValid()
    {
        const int processes = 3, each = 20;
        var key = RandomNumberGenerator.GetBytes(32);
        var logDir = _dir.File("audit");
        var script = _dir.File("append.fsx");
        var engine = typeof(AuditLog).Assembly.Location.Replace("\\", "\\\\", StringComparison.Ordinal);
        File.WriteAllText(script, $$"""
            #r "{{engine}}"
            open EncryptionTools.Engine.Audit
            let args = fsi.CommandLineArgs
            let log = AuditLog(args.[1], System.ReadOnlySpan<byte>(System.Convert.FromHexString(args.[2])))
            for i in 1 .. int args.[3] do
                log.Append(AuditEntry(Action = "kms:Decrypt", Result = AuditResult.Succeeded, Principal = "user:" + args.[4], Command = "fsi")) |> ignore
            printfn "appended"
            """);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var children = Enumerable.Range(0, processes).Select(p =>
        {
            var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "fsi", "--quiet", script, logDir, Convert.ToHexString(key), each.ToString(System.Globalization.CultureInfo.InvariantCulture), "proc" + p })
                start.ArgumentList.Add(a);
            return Process.Start(start)!;
        }).ToList();
        var log = new AuditLog(logDir, key);
        // This process appends for as long as the children run, so its appends interleave with theirs.
        var hostAppends = 0;
        var watch = Stopwatch.StartNew();
        while ((hostAppends < each || children.Any(c => !c.HasExited)) && watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            log.Append(new AuditEntry { Action = "kms:Encrypt", Result = AuditResult.Succeeded, Principal = "user:host" });
            hostAppends++;
            Thread.Sleep(20);
        }
        foreach (var child in children)
        {
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await child.WaitForExitAsync(timeout.Token);
            Assert.True(child.ExitCode == 0, $"child failed: {await stdout} {await stderr}");
            child.Dispose();
        }
        var v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Equal(processes * each + hostAppends, v.RecordCount);
        var events = log.Query().ToList();
        Assert.Equal(hostAppends, events.Count(e => e.Principal == "user:host"));
        for (var p = 0; p < processes; p++) Assert.Equal(each, events.Count(e => e.Principal == "user:proc" + p));
        Assert.Equal(processes + 1, events.Select(e => e.ProcessId).Distinct().Count());
    }
}
