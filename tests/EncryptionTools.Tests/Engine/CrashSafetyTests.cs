using System.Diagnostics;
using System.Security.Cryptography;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Engine;

/// <summary>
/// A process killed while FileCrypto writes leaves nothing under the final name, at most its temporary file, and
/// the next run in that directory removes it. The writer is tests/EncryptionTools.TestHost in its own process.
/// </summary>
public class CrashSafetyTests
{
    private const int MiB = 1024 * 1024;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    private static string HostDll
    {
        get
        {
            var path = Path.Combine(RepoPaths.Root, "tests", "EncryptionTools.TestHost", "bin", RepoPaths.Configuration, "net10.0", "EncryptionTools.TestHost.dll");
            if (!File.Exists(path)) Assert.Fail($"TestHost not built at {path}; the test project's ProjectReference should build it.");
            return path;
        }
    }

    private Process StartHost(params string[] args)
    {
        var psi = new ProcessStartInfo(RepoPaths.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(HostDll);
        psi.ArgumentList.Add(args[0]);
        psi.ArgumentList.Add(Convert.ToHexString(_key));
        foreach (var a in args[1..]) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private RawAesKeyring Keyring() => new("testhost", "key", _key);

    private static string[] Listing(string dir) =>
        Directory.GetFileSystemEntries(dir).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Waits until the host's temporary file exists and holds at least <paramref name="minBytes"/>; returns its path.</summary>
    private static string WaitForGrowingTemp(Process host, string dir, string finalName, long minBytes)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            var temp = Directory.GetFiles(dir, "." + finalName + ".*" + AtomicFile.TempSuffix).SingleOrDefault();
            if (temp is not null && new FileInfo(temp).Length >= minBytes) return temp;
            if (host.HasExited)
                Assert.Fail($"the host exited ({host.ExitCode}) before it was killed: {host.StandardError.ReadToEnd()}");
            Thread.Sleep(10);
        }
        host.Kill(entireProcessTree: true);
        Assert.Fail("the host's temporary file did not appear and grow within 60 s");
        return null!;
    }

    private static void Kill(Process host)
    {
        host.Kill(entireProcessTree: true);
        Assert.True(host.WaitForExit(30_000), "the killed host did not exit");
    }

    [Fact]
    public void Killed_while_encrypting_leaves_only_the_temp_file_which_the_next_run_removes()
    {
        using var dir = new TempDir();
        dir.Write("plain.bin", RandomNumberGenerator.GetBytes(32 * MiB));
        using var host = StartHost("encrypt", dir.File("plain.bin"), dir.File("out.enc"), "--slow");
        var temp = WaitForGrowingTemp(host, dir.Path, "out.enc", 2 * MiB);

        // While the writer lives, its lock protects the temp file from the sweep.
        Assert.Equal(0, AtomicFile.CleanupStale(dir.Path));
        Assert.True(File.Exists(temp));

        Kill(host);
        Assert.False(File.Exists(dir.File("out.enc")), "a partial message appeared under the final name");
        Assert.Equal([Path.GetFileName(temp), "plain.bin"], Listing(dir.Path));
        Assert.True(new FileInfo(temp).Length < 32 * MiB, "the kill landed after the whole message was written");

        Assert.Equal(1, AtomicFile.CleanupStale(dir.Path));
        Assert.Equal(["plain.bin"], Listing(dir.Path));
    }

    [Fact]
    public void Killed_while_decrypting_leaves_only_the_temp_file_which_the_next_run_removes()
    {
        using var dir = new TempDir();
        var plaintext = RandomNumberGenerator.GetBytes(32 * MiB);
        dir.Write("plain.bin", plaintext);
        using (var keyring = Keyring())
            FileCrypto.EncryptFile(dir.File("plain.bin"), dir.File("data.enc"), [keyring], new EncryptOptions { FrameLength = 4096 });
        using var host = StartHost("decrypt", dir.File("data.enc"), dir.File("out.bin"), "--slow");
        var temp = WaitForGrowingTemp(host, dir.Path, "out.bin", 2 * MiB);

        Kill(host);
        Assert.False(File.Exists(dir.File("out.bin")), "partial plaintext appeared under the final name");
        Assert.Equal([Path.GetFileName(temp), "data.enc", "plain.bin"], Listing(dir.Path));

        // The next FileCrypto call into the directory sweeps the dead writer's file before it writes.
        using (var keyring = Keyring())
            FileCrypto.DecryptFile(dir.File("data.enc"), dir.File("again.bin"), [keyring]);
        Assert.Equal(["again.bin", "data.enc", "plain.bin"], Listing(dir.Path));
        Assert.True(plaintext.AsSpan().SequenceEqual(File.ReadAllBytes(dir.File("again.bin"))));
    }

    [Fact]
    public void The_host_left_alone_writes_a_message_that_decrypts()
    {
        using var dir = new TempDir();
        var plaintext = RandomNumberGenerator.GetBytes(3 * MiB + 1);
        dir.Write("plain.bin", plaintext);
        using (var host = StartHost("encrypt", dir.File("plain.bin"), dir.File("out.enc")))
        {
            Assert.True(host.WaitForExit(60_000));
            Assert.True(host.ExitCode == 0, host.StandardError.ReadToEnd());
        }
        using var keyring = Keyring();
        FileCrypto.DecryptFile(dir.File("out.enc"), dir.File("back.bin"), [keyring]);
        Assert.True(plaintext.AsSpan().SequenceEqual(File.ReadAllBytes(dir.File("back.bin"))));
        Assert.Equal(["back.bin", "out.enc", "plain.bin"], Listing(dir.Path));
    }
}
