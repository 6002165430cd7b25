using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.IO;
using EncryptionTools.Tests.Cli;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.Adversarial;

/// <summary>
/// Another local user (nobody) attacks root's files through what lies beside them in a shared sticky directory:
/// planted journal links, forged and oversized journals, device nodes and FIFOs, links and hard links. Root then runs
/// the real enctools. Each case checks the exact id, that the root-only directory did not change, and what is left.
/// </summary>
[Collection("Sidecar attacks")] // real processes and large files: one at a time on a shared machine
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SidecarAttackTests : IDisposable
{
    private readonly SidecarArena _arena = new();

    public void Dispose() => _arena.Dispose();

    /// <summary>A store with keys alias/a and alias/b, and a root-owned 2 MiB file encrypted under alias/a (big enough to get a header reserve, so a rewrap is in place).</summary>
    private (string Cipher, string PlainHash) Victim(string name = "x", long size = 2 << 20, string mode = "600")
    {
        if (!Directory.Exists(_arena.Store))
        {
            Assert.Equal(0, _arena.Cli("key", "create", "--alias", "alias/a").Code);
            Assert.Equal(0, _arena.Cli("key", "create", "--alias", "alias/b").Code);
        }
        var plain = FilesSupport.WriteRandom(Path.Combine(_arena.Root, name), size);
        var hash = FilesSupport.Sha256(plain);
        var cipher = _arena.SharedFile(name + ".enc");
        var enc = _arena.Cli("encrypt", plain, "-o", cipher, "--key", "alias/a");
        Assert.True(enc.Code == 0, enc.Err);
        File.Delete(plain);
        File.SetUnixFileMode(cipher, (UnixFileMode)Convert.ToInt32(mode, 8));
        return (cipher, hash);
    }

    /// <summary>A journal in the format the product wrote before journals were authenticated (a checksum anyone can compute).</summary>
    private static byte[] UnauthenticatedJournal(string targetName, byte[] messageId, long fileLength, byte[] oldHeader, byte[] newHeader)
    {
        using var ms = new MemoryStream();
        ms.Write("ETRWJNL1"u8);
        var name = Encoding.UTF8.GetBytes(targetName);
        Span<byte> n = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(n, (ushort)name.Length);
        ms.Write(n[..2]);
        ms.Write(name);
        ms.Write(messageId);
        BinaryPrimitives.WriteInt64BigEndian(n, fileLength);
        ms.Write(n);
        BinaryPrimitives.WriteInt32BigEndian(n, oldHeader.Length);
        ms.Write(n[..4]);
        ms.Write(SHA256.HashData(oldHeader));
        ms.Write(oldHeader);
        ms.Write(newHeader);
        ms.Write(SHA256.HashData(ms.ToArray()));
        return ms.ToArray();
    }

    private string DecryptToHash(string cipher, out string err)
    {
        var output = Path.Combine(_arena.Root, "out-" + Guid.NewGuid().ToString("N")[..8]);
        var result = _arena.Cli("decrypt", cipher, "-o", output);
        err = result.Err;
        Assert.True(result.Code == 0, $"decrypt failed ({result.Code}): {result.Err}");
        var hash = FilesSupport.Sha256(output);
        File.Delete(output);
        return hash;
    }

    [RootFact]
    public void Rewrap_never_creates_or_overwrites_through_a_journal_link_another_user_planted()
    {
        var (x, xHash) = Victim("x");
        var (y, yHash) = Victim("y");
        // One link aims at a new file in the root-only directory, the other at root's canary there.
        SidecarArena.AsNobody("ln", "-s", Path.Combine(_arena.Secret, "created-by-root"), _arena.SharedFile(".x.enc.etjournal"));
        SidecarArena.AsNobody("ln", "-s", Path.Combine(_arena.Secret, "canary"), _arena.SharedFile(".y.enc.etjournal"));

        var rewrap = _arena.Cli("rewrap", x, y, "--add-key", "alias/b");

        _arena.AssertSecretUntouched();
        Assert.True(rewrap.Code == 0, rewrap.Err);
        Assert.Contains("[RewrapJournalNotTrusted]", rewrap.Err);
        // The rewrap still happened (as a whole-file rewrite, the journal's name being taken), and alias/b opens the files.
        Assert.Equal(xHash, HashWith(x, "alias/b"));
        Assert.Equal(yHash, HashWith(y, "alias/b"));
        // Nothing of ours left behind; the attacker's links are theirs and stay.
        Assert.Equal([".x.enc.etjournal", ".y.enc.etjournal", "x.enc", "y.enc"], _arena.SharedListing());
    }

    private string HashWith(string cipher, string key)
    {
        var output = Path.Combine(_arena.Root, "out-" + Guid.NewGuid().ToString("N")[..8]);
        var result = _arena.Cli("decrypt", cipher, "-o", output, "--key", key);
        Assert.True(result.Code == 0, $"decrypt with {key} failed ({result.Code}): {result.Err}");
        var hash = FilesSupport.Sha256(output);
        File.Delete(output);
        return hash;
    }

    [RootFact]
    public void A_journal_forged_by_another_user_is_reported_and_never_applied_by_decrypt_or_rewrap()
    {
        // The file is world-readable, so the attacker knows its header; the directory lets them add an entry beside it.
        var (x, xHash) = Victim("x", mode: "644");
        var before = FilesSupport.Sha256(x);
        var length = FilesSupport.HeaderLength(x);
        var oldHeader = File.ReadAllBytes(x)[..length];
        var newHeader = (byte[])oldHeader.Clone();
        for (var i = length / 3; i < length - 40; i += 7) newHeader[i] ^= 0x5A; // a header that destroys the file
        _arena.PlantAsNobody(_arena.SharedFile(".x.enc.etjournal"),
            UnauthenticatedJournal("x.enc", oldHeader[3..35], new FileInfo(x).Length, oldHeader, newHeader));

        Assert.Equal(xHash, DecryptToHash(x, out var err));
        Assert.Contains("[RewrapJournalNotTrusted]", err);
        Assert.Equal(before, FilesSupport.Sha256(x));

        var rewrap = _arena.Cli("rewrap", x, "--add-key", "alias/b");
        Assert.True(rewrap.Code == 0, rewrap.Err);
        Assert.Contains("[RewrapJournalNotTrusted]", rewrap.Err);
        Assert.Equal(xHash, HashWith(x, "alias/a"));
        Assert.Equal(xHash, HashWith(x, "alias/b"));
        _arena.AssertSecretUntouched();
        Assert.Equal([".x.enc.etjournal", "x.enc"], _arena.SharedListing());
    }

    [RootFact]
    public void A_journal_longer_than_its_file_does_not_break_decryption()
    {
        var (x, xHash) = Victim("x", size: 100_000);
        var fileLength = new FileInfo(x).Length;
        var oversized = RandomNumberGenerator.GetBytes((int)fileLength + 4096);
        var messageId = File.ReadAllBytes(x)[3..35];
        _arena.PlantAsNobody(_arena.SharedFile(".x.enc.etjournal"), UnauthenticatedJournal("x.enc", messageId, fileLength, oversized, oversized));
        var before = FilesSupport.Sha256(x);

        for (var run = 0; run < 2; run++) // every later decrypt, not just the first
        {
            Assert.Equal(xHash, DecryptToHash(x, out var err));
            Assert.Contains("[RewrapJournalNotTrusted]", err);
        }
        Assert.Equal(before, FilesSupport.Sha256(x));
        _arena.AssertSecretUntouched();
        Assert.Equal([".x.enc.etjournal", "x.enc"], _arena.SharedListing());
    }

    [RootFact]
    public void Force_never_replaces_a_device_node_or_a_fifo()
    {
        Victim("x", size: 10_000);
        var plain = _arena.SharedFile("p.txt");
        File.WriteAllText(plain, "plain text");
        var device = _arena.SharedFile("null");
        var fifo = _arena.SharedFile("fifo");
        Assert.Equal(0, SidecarArena.Exec(TimeSpan.FromSeconds(10), "mknod", ["-m", "666", device, "c", "1", "3"]).Code);
        Assert.Equal(0, SidecarArena.Exec(TimeSpan.FromSeconds(10), "mkfifo", ["-m", "666", fifo]).Code);

        var toDevice = _arena.CliWithin(TimeSpan.FromSeconds(30), "encrypt", plain, "-o", device, "--force", "--key", "alias/a");
        var toFifo = _arena.CliWithin(TimeSpan.FromSeconds(30), "decrypt", _arena.SharedFile("x.enc"), "-o", fifo, "--force");

        Assert.Equal(2, toDevice.Code);
        Assert.Contains("DestinationNotRegularFile", toDevice.Err);
        Assert.Equal(2, toFifo.Code);
        Assert.Contains("DestinationNotRegularFile", toFifo.Err);
        Assert.Equal(UnixFileType.CharacterDevice, UnixFile.Stat(device, followLinks: false)!.Value.Type);
        Assert.Equal(UnixFileType.Fifo, UnixFile.Stat(fifo, followLinks: false)!.Value.Type);
        _arena.AssertSecretUntouched();
        Assert.Equal(["fifo", "null", "p.txt", "x.enc"], _arena.SharedListing());
    }

    [RootFact]
    public void A_fifo_or_device_source_is_refused_at_once_and_never_read()
    {
        Victim("x", size: 10_000);
        var fifo = _arena.SharedFile("fifo");
        var device = _arena.SharedFile("zero");
        Assert.Equal(0, SidecarArena.Exec(TimeSpan.FromSeconds(10), "mkfifo", ["-m", "666", fifo]).Code);
        Assert.Equal(0, SidecarArena.Exec(TimeSpan.FromSeconds(10), "mknod", ["-m", "666", device, "c", "1", "5"]).Code);

        foreach (var (command, source) in new[] { ("encrypt", fifo), ("decrypt", fifo), ("encrypt", device) })
        {
            var watch = Stopwatch.StartNew();
            var run = _arena.CliWithin(TimeSpan.FromSeconds(20), command, source, "-o", _arena.SharedFile("out.bin"), "--key", "alias/a");
            Assert.True(run.Code == 2, $"{command} {source}: exit {run.Code}: {run.Err}");
            Assert.Contains("SourceNotRegularFile", run.Err);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15));
        }
        _arena.AssertSecretUntouched();
        Assert.Equal(["fifo", "x.enc", "zero"], _arena.SharedListing());
    }

    [RootFact]
    public void A_directory_walk_skips_a_fifo_with_a_warning_and_encrypts_the_rest()
    {
        Victim("x", size: 10);
        var tree = Directory.CreateDirectory(_arena.SharedFile("tree")).FullName;
        var plain = FilesSupport.WriteRandom(Path.Combine(tree, "a.txt"), 20_000);
        Assert.Equal(0, SidecarArena.Exec(TimeSpan.FromSeconds(10), "mkfifo", ["-m", "666", Path.Combine(tree, "pipe")]).Code);

        var run = _arena.CliWithin(TimeSpan.FromSeconds(30), "encrypt", "-r", tree, "--key", "alias/a");

        Assert.True(run.Code == 0, run.Err);
        Assert.Contains("FIFO", run.Err);
        Assert.Equal(FilesSupport.Sha256(plain), HashWith(plain + ".enc", "alias/a"));
        Assert.Equal(UnixFileType.Fifo, UnixFile.Stat(Path.Combine(tree, "pipe"), followLinks: false)!.Value.Type);
        Assert.Equal(["a.txt", "a.txt.enc", "pipe"], Directory.GetFileSystemEntries(tree).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray());
        _arena.AssertSecretUntouched();
    }

    [RootFact]
    public void A_symlinked_source_is_encrypted_from_its_target_and_in_place_is_refused()
    {
        var real = FilesSupport.WriteRandom(_arena.SharedFile("real.txt"), 300_000);
        var link = _arena.SharedFile("link.txt");
        File.CreateSymbolicLink(link, real);
        Victim("x", size: 10); // the store and its keys

        var enc = _arena.Cli("encrypt", link, "--key", "alias/a");
        Assert.True(enc.Code == 0, enc.Err);
        Assert.Null(new FileInfo(link + ".enc").LinkTarget);
        Assert.Equal(FilesSupport.Sha256(real), HashWith(link + ".enc", "alias/a"));

        var inPlace = _arena.Cli("encrypt", link, "--in-place", "--force", "--key", "alias/a");
        Assert.Equal(2, inPlace.Code);
        Assert.Contains("SourceIsLink", inPlace.Err);
        Assert.Equal(real, File.ResolveLinkTarget(link, false)!.FullName);
        _arena.AssertSecretUntouched();
        Assert.Equal(["link.txt", "link.txt.enc", "real.txt", "x.enc"], _arena.SharedListing());
    }

    [RootFact]
    public void In_place_encryption_of_a_hard_linked_file_is_refused_and_forced_only_with_a_warning()
    {
        Victim("x", size: 10);
        var a = FilesSupport.WriteRandom(_arena.SharedFile("a.txt"), 50_000);
        var b = _arena.SharedFile("b.txt");
        Assert.Equal(0, SidecarArena.Exec(TimeSpan.FromSeconds(10), "ln", [a, b]).Code);
        var plainHash = FilesSupport.Sha256(a);

        var refused = _arena.Cli("encrypt", a, "--in-place", "--key", "alias/a");
        Assert.Equal(1, refused.Code);
        Assert.Contains("SourceHasHardLinks", refused.Err);
        Assert.Equal(plainHash, FilesSupport.Sha256(a));

        var forced = _arena.Cli("encrypt", a, "--in-place", "--force", "--key", "alias/a");
        Assert.True(forced.Code == 0, forced.Err);
        Assert.Contains("[SourceHardLinksRemain]", forced.Err);
        Assert.Equal(plainHash, FilesSupport.Sha256(b)); // as the warning says
        Assert.Equal(plainHash, HashWith(a, "alias/a"));
        _arena.AssertSecretUntouched();
        Assert.Equal(["a.txt", "b.txt", "x.enc"], _arena.SharedListing());
    }

    [RootFact]
    public void A_decrypt_killed_mid_file_leaves_no_plaintext_behind()
    {
        var (x, _) = Victim("big", size: 768L << 20);
        var start = new ProcessStartInfo(CliProcess.Native ?? "dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        if (CliProcess.Native is null) start.ArgumentList.Add(CliProcess.Dll);
        foreach (var a in new[] { "decrypt", x, "--store", _arena.Store }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        try
        {
            // Wait until the output (any file it has open in the shared directory other than the source) holds 8 MiB.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            var written = 0L;
            while (written < 8 << 20)
            {
                if (process.HasExited)
                    Assert.Fail($"the decrypt finished (exit {process.ExitCode}) before it could be killed: {process.StandardOutput.ReadToEnd()}{process.StandardError.ReadToEnd()}");
                Assert.True(DateTime.UtcNow < deadline, "the decrypt never started writing");
                written = OutputPosition(process.Id, x);
                Thread.Sleep(5);
            }
            process.Kill();
            process.WaitForExit();
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
        Assert.Equal(["big.enc"], _arena.SharedListing());
        _arena.AssertSecretUntouched();
    }

    /// <summary>The length of the file a process has open in the shared directory, other than <paramref name="source"/>; 0 when none.</summary>
    private long OutputPosition(int pid, string source)
    {
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                string? target;
                try { target = new FileInfo(fd).LinkTarget; } catch (IOException) { continue; }
                if (target is null || !target.StartsWith(_arena.Shared + "/", StringComparison.Ordinal) || target == source) continue;
                if (UnixFile.Stat(fd, followLinks: true) is { } written) return written.Length; // through /proc: an unnamed file too
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* the process is ending */ }
        return 0;
    }
}
