using System.Diagnostics;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

/// <summary>Real separate processes (tests/EncryptionTools.StoreHost) writing one store: no lost update, and crash safety.</summary>
[CollectionDefinition("StoreHost processes")]
public sealed class StoreHostCollection;

[Collection("StoreHost processes")]
public class MultiProcessTests
{
    internal static string HostDll()
    {
        // .../tests/EncryptionTools.Tests/bin/<Configuration>/<tfm>/ → .../tests/EncryptionTools.StoreHost/bin/<Configuration>/<tfm>/
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = baseDir.Name;
        var configuration = baseDir.Parent!.Name;
        var tests = baseDir.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(tests, "EncryptionTools.StoreHost", "bin", configuration, tfm, "EncryptionTools.StoreHost.dll");
        Assert.True(File.Exists(dll), "StoreHost not built: " + dll);
        return dll;
    }

    internal static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(HostDll());
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>Key ids a host reported as created; a line cut by a kill is ignored.</summary>
    internal static List<string> Reported(string output) =>
        output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("created ", StringComparison.Ordinal))
            .Select(l => l["created ".Length..]).Where(id => Guid.TryParse(id, out _) && id.Length == 36).ToList();

    private static void AssertAllPresent(string location, IEnumerable<string> expected, string when)
    {
        using var store = new LocalKeyStore(location); // a fresh provider: nothing cached
        // Killed before the store existed: no key can have been reported, and reading a missing store is StoreNotFound.
        var present = store.GetStoreInfo().Exists ? store.GetKeys().Select(k => k.KeyId).ToHashSet() : [];
        var missing = expected.Where(id => !present.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} key(s) reported created were lost {when}: {string.Join(", ", missing.Take(3))}");
    }

    [Fact]
    public async Task Four_processes_each_create_250_keys_in_one_store_and_all_1000_are_there()
    {
        using var dir = new TempDir();
        var location = Path.Combine(dir.Path, "store"); // created by whichever process wins the race
        var hosts = Enumerable.Range(0, 4).Select(_ => Start("create", location, "250")).ToList();
        var outputs = hosts.Select(h => h.StandardOutput.ReadToEndAsync()).ToList();
        var errors = hosts.Select(h => h.StandardError.ReadToEndAsync()).ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        foreach (var host in hosts) await host.WaitForExitAsync(timeout.Token);
        var stderr = await Task.WhenAll(errors);
        var stdout = await Task.WhenAll(outputs);
        var diagnosis = string.Join("\n", hosts.Select((h, i) =>
            $"host {i}: exit {h.ExitCode}, {Reported(stdout[i]).Count} key(s) reported, stderr: {stderr[i].Trim()}"));
        Assert.True(hosts.All(h => h.ExitCode == 0), diagnosis);
        var reported = stdout.SelectMany(Reported).ToList();
        Assert.True(reported.Count == 1000, diagnosis);
        Assert.Equal(1000, reported.Distinct().Count());
        using var store = new LocalKeyStore(location);
        var keys = store.GetKeys();
        Assert.Equal(1000, keys.Count);
        Assert.Equal(reported.Order(), keys.Select(k => k.KeyId).Order());
    }

    [Fact]
    public void Processes_rotating_one_key_at_once_lose_no_version()
    {
        using var dir = new TempDir();
        var location = Path.Combine(dir.Path, "store");
        string id;
        using (var store = new LocalKeyStore(location)) id = store.NewKey(new NewKeyRequest()).KeyId;
        var hosts = Enumerable.Range(0, 3).Select(_ => Start("rotate", location, id, "20")).ToList();
        foreach (var host in hosts) { host.StandardOutput.ReadToEnd(); host.WaitForExit(); Assert.Equal(0, host.ExitCode); }
        using var check = new LocalKeyStore(location);
        var key = check.GetKey(id);
        Assert.Equal(61, key.CurrentVersion);
        Assert.Equal(Enumerable.Range(1, 61), key.Versions.Select(v => v.Version));
    }

    [Fact]
    public void Killing_a_writer_at_every_stage_of_a_write_never_breaks_the_store_or_loses_a_key()
    {
        using var dir = new TempDir();
        var location = Path.Combine(dir.Path, "store");
        var created = new List<string>();
        var stages = new (string Stage, int Nth)[]
        {
            ("init-marker-written", 1), ("init-root-written", 1), ("init-data-written", 1), // while the store is being created
            ("data-before-write", 1), ("data-temp-written", 1), ("data-after-write", 1),
            ("data-before-write", 3), ("data-temp-written", 4), ("data-after-write", 5),
        };
        foreach (var (stage, nth) in stages)
        {
            var host = Start("crash", location, "10", stage, nth.ToString());
            var output = host.StandardOutput.ReadToEnd();
            host.WaitForExit();
            Assert.NotEqual(0, host.ExitCode); // it was killed
            created.AddRange(Reported(output));
            AssertAllPresent(location, created, $"after a kill at {stage} #{nth}"); // loads (empty if killed before the store existed)
        }
        Assert.True(created.Count > 0);
        // The next write cleans the temporary files the killed writers left.
        using (var store = new LocalKeyStore(location)) store.NewKey(new NewKeyRequest());
        Assert.Empty(Directory.GetFiles(location, "*.etpart"));
    }

    [Fact]
    public async Task Killing_writers_at_random_moments_never_breaks_the_store_or_loses_a_key()
    {
        using var dir = new TempDir();
        var location = Path.Combine(dir.Path, "store");
        var created = new List<string>();
        var random = new Random(20261122);
        for (var round = 0; round < 10; round++)
        {
            var host = Start("create", location, "100000");
            var lines = new List<string>();
            var firstKey = new TaskCompletionSource();
            host.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (lines) lines.Add(e.Data);
                firstKey.TrySetResult();
            };
            host.BeginOutputReadLine();
            if (round < 3)
                await Task.Delay(60 + 70 * round); // during start-up and the creation of the store
            else
            {
                // Deep inside a run of writes: some time after the first key, whatever this machine's start-up time.
                await Task.WhenAny(firstKey.Task, Task.Delay(TimeSpan.FromSeconds(20)));
                await Task.Delay(random.Next(300));
            }
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
            lock (lines) created.AddRange(Reported(string.Join('\n', lines)));
            AssertAllPresent(location, created, $"after random kill {round}");
        }
        Assert.True(created.Count > 0, "no key was created before the kills: the delays are too short for this machine");
        AssertAllPresent(location, created, "at the end");
    }

    [Theory]
    [InlineData("descriptor-before-write", 1)] // before the new descriptor: still the File store
    [InlineData("rekey-descriptor-written", 1)] // new root key committed, data still under the previous one
    [InlineData("rekey-data-written", 1)] // data re-sealed, the previous root key not yet dropped
    public void Killing_a_protection_change_at_any_stage_loses_no_key_and_keeps_the_audit_log_verifiable(string stage, int nth)
    {
        using var dir = new TempDir();
        var location = Path.Combine(dir.Path, "store");
        var ids = new List<string>();
        using (var store = new LocalKeyStore(location))
            for (var i = 0; i < 3; i++) ids.Add(store.NewKey(new NewKeyRequest()).KeyId);
        var host = Start("protect", location, stage, nth.ToString());
        host.StandardOutput.ReadToEnd();
        host.WaitForExit();
        Assert.NotEqual(0, host.ExitCode); // it was killed

        var options = new LocalKeyStoreOptions
        {
            PasswordIterationFloor = 1000,
            GetEnvironment = n => n == LocalKeyStore.PasswordEnvironmentVariable ? "host password" : null,
        };
        using (var reopened = new LocalKeyStore(location, options))
        {
            Assert.Equal(ids.Order(), reopened.GetKeys().Select(k => k.KeyId).Order());
            var verification = reopened.VerifyAuditLog();
            Assert.True(verification.IsValid, verification.ToString());
            ids.Add(reopened.NewKey(new NewKeyRequest()).KeyId); // the next write finishes the change
        }
        UnlockedRootKeys.Remove(location);
        Assert.DoesNotContain("previousRoot", File.ReadAllText(Path.Combine(location, StoreFiles.DescriptorFile)), StringComparison.Ordinal);
        using var last = new LocalKeyStore(location, options);
        Assert.Equal(ids.Order(), last.GetKeys().Select(k => k.KeyId).Order());
        Assert.True(last.VerifyAuditLog().IsValid);
        UnlockedRootKeys.Remove(location);
    }
}
