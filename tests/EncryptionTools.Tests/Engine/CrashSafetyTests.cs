using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Files;
using Xunit.Abstractions;

namespace EncryptionTools.Tests.Engine;

/// <summary>
/// A process killed while the product's file route (the route of Protect-File, Unprotect-File and the CLI) works on
/// several files at once, at random points of staging and group publishing: every source is intact, every output is
/// whole (it decrypts to its source) or absent, every output's key use is in the audit log, at most nameless or
/// dead-writer temporaries remain, and the next run in the directory completes and leaves nothing else. The writer
/// is tests/EncryptionTools.TestHost in its own process, with a real key store.
/// </summary>
public class CrashSafetyTests(ITestOutputHelper output)
{
    private const string Alias = "alias/crash";
    private const int Files = 12;
    private const int KillsPerMode = 4;

    private static string HostDll
    {
        get
        {
            var path = Path.Combine(RepoPaths.Root, "tests", "EncryptionTools.TestHost", "bin", RepoPaths.Configuration, "net10.0", "EncryptionTools.TestHost.dll");
            if (!File.Exists(path)) Assert.Fail($"TestHost not built at {path}; the test project's ProjectReference should build it.");
            return path;
        }
    }

    public enum Mode { EncryptBeside, EncryptInPlace, DecryptBeside }

    /// <summary>A store with one key, and <see cref="Files"/> files of different sizes (several groups, files of many frames).</summary>
    private sealed class Scene : IDisposable
    {
        public Scene(Mode mode)
        {
            Store = new LocalKeyStore(Dir.File("store"), new LocalKeyStoreOptions());
            Store.NewKey(new NewKeyRequest { Alias = Alias });
            Directory.CreateDirectory(Data);
            for (var i = 0; i < Files; i++)
            {
                var plain = Path.Combine(Data, $"f{i:D2}.bin");
                Originals[plain] = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(16 * 1024, 512 * 1024));
                File.WriteAllBytes(plain, Originals[plain]);
            }
            if (mode != Mode.DecryptBeside) return;
            using (var route = new FileOperations(Store))
                Assert.All(route.Protect(Originals.Keys.ToList(), new FileKeys { KeyIds = [Alias] }, new ProtectRequest { Keyrings = [], FrameLength = 4096 }), o => Assert.True(o.Succeeded));
            foreach (var plain in Originals.Keys)
            {
                Ciphertexts[plain + FileOperations.DefaultSuffix] = File.ReadAllBytes(plain + FileOperations.DefaultSuffix);
                File.Delete(plain);
            }
        }

        public TempDir Dir { get; } = new();
        public string Data => Dir.File("data");
        public LocalKeyStore Store { get; }
        /// <summary>Each plaintext file and its bytes.</summary>
        public Dictionary<string, byte[]> Originals { get; } = new(StringComparer.Ordinal);
        /// <summary>Decryption: each encrypted input and its bytes.</summary>
        public Dictionary<string, byte[]> Ciphertexts { get; } = new(StringComparer.Ordinal);

        public byte[] Decrypt(string path)
        {
            using var keyring = Store.CreateDecryptKeyring();
            return FilesSupport.DecryptFileToBytes(path, [keyring]);
        }

        public void Dispose() => Dir.Dispose();
    }

    /// <summary>Starts the host; each "published" line it prints is collected as it comes (<paramref name="reader"/>
    /// ends once its output is drained).</summary>
    private static Process StartHost(Scene scene, Mode mode, int pauseMs, ConcurrentQueue<string> published, out Thread reader,
        StrongBox<int>? publishing = null, bool hold = false)
    {
        var psi = new ProcessStartInfo(RepoPaths.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(HostDll);
        psi.ArgumentList.Add(mode == Mode.DecryptBeside ? "unprotect" : "protect");
        psi.ArgumentList.Add(scene.Dir.File("store"));
        psi.ArgumentList.Add(Alias);
        psi.ArgumentList.Add(pauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (mode == Mode.EncryptInPlace) psi.ArgumentList.Add("--in-place");
        if (hold) psi.ArgumentList.Add("--hold");
        foreach (var input in mode == Mode.DecryptBeside ? scene.Ciphertexts.Keys : scene.Originals.Keys) psi.ArgumentList.Add(input);
        var host = new Process { StartInfo = psi };
        host.Start();
        // A thread of its own reads the host's lines: the thread pool's async reads can lag by more than the host's pause
        // while parallel tests keep the pool busy, and a "publishing" line seen late puts every kill after the batch.
        reader = new Thread(() =>
        {
            while (host.StandardOutput.ReadLine() is { } line)
            {
                if (line.StartsWith("published ", StringComparison.Ordinal)) published.Enqueue(line["published ".Length..]);
                else if (line == "publishing" && publishing is not null) Interlocked.Increment(ref publishing.Value);
            }
        }) { IsBackground = true, Name = "crash host stdout" };
        reader.Start();
        return host;
    }

    [Theory]
    [InlineData(Mode.EncryptBeside)]
    [InlineData(Mode.EncryptInPlace)]
    [InlineData(Mode.DecryptBeside)]
    public void Killed_at_random_points_of_a_batch_loses_nothing_and_publishes_nothing_partial(Mode mode)
    {
        var killedMidway = 0;
        for (var round = 0; round < KillsPerMode; round++)
        {
            using var scene = new Scene(mode);
            var published = new ConcurrentQueue<string>();
            var publishing = new StrongBox<int>();
            // The first round kills at a random time (staging, publishing or between groups); the others once a group
            // is publishing (its outputs durable and audited). Rounds 1 and 2 hold the host in that pause, so their kill
            // surely lands before any rename of the group, however busy the machine; the last round's host pauses
            // 150 ms, and its kill lands around and after the renames.
            var group = round == 0 ? 0 : 1;
            var hold = round is > 0 and < KillsPerMode - 1;
            var delay = round == 0 ? RandomNumberGenerator.GetInt32(50, 900)
                : hold ? RandomNumberGenerator.GetInt32(0, 100) : RandomNumberGenerator.GetInt32(100, 220);
            using var host = StartHost(scene, mode, pauseMs: 15, published, out var reader, publishing, hold);
            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref publishing.Value) < group && !host.HasExited && clock.Elapsed < TimeSpan.FromSeconds(90)) Thread.Sleep(2);
            Thread.Sleep(delay);
            var exited = host.HasExited;
            if (!exited)
            {
                // While the writer lives, its lock protects any named temporary from another run's sweep.
                Assert.Equal(0, AtomicFile.CleanupStale(scene.Data));
                host.Kill(entireProcessTree: true);
                Assert.True(host.WaitForExit(30_000), "the killed host did not exit");
            }
            else
            {
                host.WaitForExit();
                Assert.True(host.ExitCode == 0, $"the host failed ({host.ExitCode}): {host.StandardError.ReadToEnd()}");
            }
            Assert.True(reader.Join(30_000), "the host's output was not drained");
            var outputs = CheckAfterKill(scene, mode, published.ToList());
            output.WriteLine($"{mode} round {round}: kill at group {group} + {delay} ms, at {clock.Elapsed.TotalSeconds:F1} s: {(exited ? "finished first" : "killed")}, {published.Count} reported, {outputs} of {Files} outputs whole");
            if (!exited && outputs < Files) killedMidway++;
            NextRunCompletes(scene, mode);
        }
        Assert.True(killedMidway >= 2, $"{killedMidway} kills landed before the batch finished; the held rounds must");
    }

    [Fact]
    public void The_host_left_alone_writes_messages_that_decrypt()
    {
        using var scene = new Scene(Mode.EncryptBeside);
        var published = new ConcurrentQueue<string>();
        using (var host = StartHost(scene, Mode.EncryptBeside, pauseMs: 0, published, out var reader))
        {
            Assert.True(host.WaitForExit(90_000));
            Assert.True(reader.Join(30_000), "the host's output was not drained");
            Assert.True(host.ExitCode == 0, host.StandardError.ReadToEnd());
        }
        Assert.Equal(Files, CheckAfterKill(scene, Mode.EncryptBeside, published.ToList()));
        Assert.Equal(Files, published.Count);
    }

    /// <summary>
    /// What a kill may leave: sources intact (or, in place, replaced by a whole message of the same plaintext), each
    /// output whole or absent, each output's key use audited, and otherwise only temporaries that the sweep removes.
    /// Returns the number of whole outputs.
    /// </summary>
    private static int CheckAfterKill(Scene scene, Mode mode, IReadOnlyList<string> published)
    {
        var audited = scene.Store.QueryAudit().Where(e => e.FilePath is not null).Select(e => e.FilePath!).ToHashSet(StringComparer.Ordinal);
        var expected = new List<string>();
        var whole = 0;
        foreach (var (plain, original) in scene.Originals)
        {
            switch (mode)
            {
                case Mode.EncryptBeside:
                    Assert.Equal(original, File.ReadAllBytes(plain)); // the source is never touched
                    expected.Add(plain);
                    if (File.Exists(plain + FileOperations.DefaultSuffix))
                    {
                        Assert.Equal(original, scene.Decrypt(plain + FileOperations.DefaultSuffix));
                        Assert.Contains(plain, audited);
                        expected.Add(plain + FileOperations.DefaultSuffix);
                        whole++;
                    }
                    break;
                case Mode.EncryptInPlace:
                    expected.Add(plain);
                    var now = File.ReadAllBytes(plain);
                    if (now.AsSpan().SequenceEqual(original)) break; // not replaced yet: the plaintext is still there
                    Assert.Equal(original, scene.Decrypt(plain)); // replaced only by a whole, verified message
                    Assert.Contains(plain, audited);
                    whole++;
                    break;
                case Mode.DecryptBeside:
                    var cipher = plain + FileOperations.DefaultSuffix;
                    Assert.Equal(scene.Ciphertexts[cipher], File.ReadAllBytes(cipher));
                    expected.Add(cipher);
                    if (File.Exists(plain))
                    {
                        Assert.Equal(original, File.ReadAllBytes(plain)); // only authenticated plaintext, all of it
                        Assert.Contains(cipher, audited);
                        expected.Add(plain);
                        whole++;
                    }
                    break;
            }
        }
        // Every result the host reported had its file whole and durable already.
        foreach (var path in published)
        {
            Assert.True(File.Exists(path), $"{path} was reported published but does not exist");
            if (mode == Mode.DecryptBeside) Assert.Equal(scene.Originals[path], File.ReadAllBytes(path));
        }
        // Nothing else, but temporaries of the dead writer that the sweep removes (nameless ones left nothing at all).
        var temps = NamedTemporaries(scene.Data);
        Assert.Equal(expected.Order(StringComparer.Ordinal), Listing(scene.Data).Except(temps).Order(StringComparer.Ordinal));
        Assert.Equal(temps.Count, AtomicFile.CleanupStale(scene.Data));
        Assert.Equal(expected.Order(StringComparer.Ordinal), Listing(scene.Data).Order(StringComparer.Ordinal));
        return whole;
    }

    /// <summary>The next run over the same files completes (forced where outputs exist), and leaves exactly the expected files.</summary>
    private static void NextRunCompletes(Scene scene, Mode mode)
    {
        using var route = new FileOperations(scene.Store);
        var outcomes = mode switch
        {
            Mode.EncryptBeside => route.Protect(scene.Originals.Keys.ToList(), new FileKeys { KeyIds = [Alias] }, new ProtectRequest { Keyrings = [], Force = true }),
            // Files already encrypted in place are skipped (they are messages); the rest are encrypted now.
            Mode.EncryptInPlace => route.Protect(scene.Originals.Keys.ToList(), new FileKeys { KeyIds = [Alias] }, new ProtectRequest { Keyrings = [], InPlace = true }),
            _ => route.Unprotect(scene.Ciphertexts.Keys.ToList(), null, new UnprotectRequest { Keyrings = [], Force = true }),
        };
        Assert.All(outcomes.ToList(), o => Assert.True(o.Succeeded, o.Error?.Message));
        foreach (var (plain, original) in scene.Originals)
        {
            var result = mode switch { Mode.EncryptBeside => plain + FileOperations.DefaultSuffix, Mode.EncryptInPlace => plain, _ => plain };
            Assert.Equal(original, mode == Mode.DecryptBeside ? File.ReadAllBytes(result) : scene.Decrypt(result));
        }
        Assert.Empty(NamedTemporaries(scene.Data));
        Assert.Equal(mode == Mode.EncryptInPlace ? Files : 2 * Files, Listing(scene.Data).Count);
    }

    private static List<string> Listing(string dir) => Directory.GetFileSystemEntries(dir).ToList();

    private static List<string> NamedTemporaries(string dir) =>
        Directory.GetFiles(dir, "*" + AtomicFile.TempSuffix).Where(f => Path.GetFileName(f).StartsWith('.')).ToList();
}
