using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.Engine;

/// <summary>The file route's promise: the output appears whole under its final name, or nothing appears and no temporary file is left.</summary>
public class OutputSafetyTests
{
    private const int Size = 3 * 1024 * 1024 + 5;

    private static string[] Listing(TempDir dir) =>
        Directory.GetFileSystemEntries(dir.Path).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

    private static (TempDir Dir, string Cipher, byte[] Message, MessageLayout Layout) EncryptedFile(RawKeyringHolder k, bool signed = false)
    {
        var dir = new TempDir();
        var message = Crypt.Encrypt(RandomNumberGenerator.GetBytes(Size), [k.Keyring],
            new EncryptOptions { FrameLength = 4096, Suite = signed ? AlgorithmSuite.CommitKeyEcdsaP384 : AlgorithmSuite.CommitKey });
        return (dir, dir.Write("data.enc", message), message, MessageLayout.Parse(message));
    }

    private sealed class RawKeyringHolder : IDisposable
    {
        public EncryptionTools.Engine.Keyrings.RawAesKeyring Keyring { get; } = Crypt.AesKeyring();
        public void Dispose() => Keyring.Dispose();
    }

    public static TheoryData<string> Damage => new() { "last frame", "first frame", "truncated", "signature" };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Failed_decryption_leaves_neither_destination_nor_temp_file(string damage)
    {
        using var k = new RawKeyringHolder();
        var (dir, cipher, m, l) = EncryptedFile(k, signed: damage == "signature");
        using var _ = dir;
        switch (damage)
        {
            case "last frame": m[l.Frames[^1].Tag.Offset] ^= 1; break;
            case "first frame": m[l.Frames[0].Content.Offset] ^= 1; break;
            case "truncated": m = m[..^1]; break;
            case "signature": m[l.Signature!.Value.End - 1] ^= 1; break;
        }
        File.WriteAllBytes(cipher, m);
        long written = 0;
        var options = new DecryptOptions { Progress = new SyncProgress(v => written = v) };
        Must.FailTyped(() => FileRoute.DecryptFile(cipher, dir.File("data.bin"), [k.Keyring], options), damage,
            typeof(MessageTamperedException), typeof(MessageTruncatedException));
        Assert.Equal(["data.enc"], Listing(dir));
        // The writer releases batches in order, so a bad last frame is found after earlier plaintext reached the temp file.
        if (damage == "last frame") Assert.True(written > 0, "no plaintext reached the temporary file, so its removal was not tested");
    }

    [Fact]
    public void Failed_decryption_over_an_existing_file_with_overwrite_keeps_the_old_file()
    {
        using var k = new RawKeyringHolder();
        var (dir, cipher, m, l) = EncryptedFile(k);
        using var _ = dir;
        m[l.Frames[^1].Content.Offset] ^= 0x40;
        File.WriteAllBytes(cipher, m);
        var old = dir.Write("data.bin", "the previous contents"u8.ToArray());
        Must.FailTyped(() => FileRoute.DecryptFile(cipher, old, [k.Keyring], overwrite: true), "overwrite", typeof(MessageTamperedException));
        Assert.Equal("the previous contents"u8.ToArray(), File.ReadAllBytes(old));
        Assert.Equal(["data.bin", "data.enc"], Listing(dir));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Cancelling_from_the_progress_callback_leaves_nothing(bool decrypt)
    {
        using var k = new RawKeyringHolder();
        using var dir = new TempDir();
        var plaintext = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var src = dir.Write("plain.bin", plaintext);
        if (decrypt)
        {
            FileRoute.EncryptFile(src, dir.File("data.enc"), [k.Keyring], new EncryptOptions { FrameLength = 4096 });
            File.Delete(src);
        }
        using var cts = new CancellationTokenSource();
        var reports = new List<long>();
        var progress = new SyncProgress(v => { reports.Add(v); cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            if (decrypt) FileRoute.DecryptFile(dir.File("data.enc"), dir.File("out.bin"), [k.Keyring], new DecryptOptions { Progress = progress }, cancellationToken: cts.Token);
            else FileRoute.EncryptFile(src, dir.File("out.enc"), [k.Keyring], new EncryptOptions { Progress = progress, FrameLength = 4096 }, cancellationToken: cts.Token);
        });
        Assert.NotEmpty(reports);
        Assert.True(reports[0] < plaintext.Length, "cancelled mid-file, not after the end");
        Assert.Equal([decrypt ? "data.enc" : "plain.bin"], Listing(dir));
    }

    [Fact]
    public void Existing_destination_without_overwrite_is_refused_and_untouched()
    {
        using var k = new RawKeyringHolder();
        using var dir = new TempDir();
        var src = dir.Write("plain.bin", RandomNumberGenerator.GetBytes(100_000));
        FileRoute.EncryptFile(src, dir.File("data.enc"), [k.Keyring]);
        var original = File.ReadAllBytes(dir.File("data.enc"));
        var precious = dir.Write("precious.bin", "keep me"u8.ToArray());
        var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(precious, stamp);
        File.SetLastWriteTimeUtc(dir.File("data.enc"), stamp);

        var e1 = Assert.Throws<DestinationExistsException>(() => FileRoute.EncryptFile(src, dir.File("data.enc"), [k.Keyring]));
        var e2 = Assert.Throws<DestinationExistsException>(() => FileRoute.DecryptFile(dir.File("data.enc"), precious, [k.Keyring]));
        Assert.Equal(dir.File("data.enc"), e1.Path);
        Assert.Equal(precious, e2.Path);
        Assert.Equal(original, File.ReadAllBytes(dir.File("data.enc")));
        Assert.Equal("keep me"u8.ToArray(), File.ReadAllBytes(precious));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(precious));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(dir.File("data.enc")));
        Assert.Equal(["data.enc", "plain.bin", "precious.bin"], Listing(dir));

        FileRoute.DecryptFile(dir.File("data.enc"), precious, [k.Keyring], overwrite: true);
        Assert.Equal(File.ReadAllBytes(src), File.ReadAllBytes(precious));
        Assert.Equal(["data.enc", "plain.bin", "precious.bin"], Listing(dir));
    }

    [Fact]
    public void A_directory_as_destination_is_refused_and_kept()
    {
        using var k = new RawKeyringHolder();
        using var dir = new TempDir();
        var src = dir.Write("plain.bin", [1, 2, 3]);
        // The route writes into a destination directory: the file it would write there is itself a directory.
        var target = Path.Combine(dir.File("target"), "plain.bin.enc");
        Directory.CreateDirectory(target);
        File.WriteAllBytes(Path.Combine(target, "inside.txt"), [9]);
        Assert.Throws<InvalidDestinationException>(() => FileRoute.EncryptFile(src, dir.File("target"), [k.Keyring]));
        Must.FailTyped(() => FileRoute.EncryptFile(src, dir.File("target"), [k.Keyring], overwrite: true), "directory", typeof(InvalidDestinationException));
        Assert.Equal([9], File.ReadAllBytes(Path.Combine(target, "inside.txt")));
        Assert.Equal(["plain.bin", "target"], Listing(dir));
        Assert.Equal(["inside.txt"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
    }

    [Fact]
    public void Source_as_destination_and_missing_source_are_refused()
    {
        using var k = new RawKeyringHolder();
        using var dir = new TempDir();
        var src = dir.Write("plain.bin", [1, 2, 3]);
        var same = Assert.ThrowsAny<EncryptionToolsException>(() => FileRoute.EncryptFile(src, src, [k.Keyring], overwrite: true));
        Assert.Equal("SourceIsDestination", same.ErrorId);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(src));
        var missing = Assert.ThrowsAny<EncryptionToolsException>(() => FileRoute.DecryptFile(dir.File("nope.enc"), dir.File("out"), [k.Keyring]));
        Assert.Equal("SourceNotFound", missing.ErrorId);
        Assert.Equal(["plain.bin"], Listing(dir));
    }

    [Fact]
    public void CleanupStale_removes_dead_temp_files_but_not_a_live_writers()
    {
        using var dir = new TempDir();
        var stale = dir.Write(".report.pdf.0123456789ab" + AtomicFile.TempSuffix, RandomNumberGenerator.GetBytes(1000));
        var unrelated = new[] { dir.Write("notes.etpart", [1]), dir.Write(".hidden", [2]), dir.Write("report.pdf", [3]) };

        using (var live = AtomicFile.Create(dir.File("live.txt"), overwrite: false))
        {
            // Create itself swept the directory: the dead writer's file is gone already.
            Assert.False(File.Exists(stale));
            live.Stream.Write(RandomNumberGenerator.GetBytes(5000));
            live.Stream.Flush();
            var again = dir.Write(".other.bin.aaaaaaaaaaaa" + AtomicFile.TempSuffix, [7]);

            Assert.Equal(1, AtomicFile.CleanupStale(dir.Path));
            Assert.False(File.Exists(again));
            Assert.True(File.Exists(live.TempPath), "a live writer's temp file was removed");
            Assert.StartsWith(".live.txt.", Path.GetFileName(live.TempPath));
            Assert.EndsWith(AtomicFile.TempSuffix, live.TempPath);
            Assert.False(File.Exists(dir.File("live.txt")));
            live.Commit();
        }
        Assert.Equal(5000, new FileInfo(dir.File("live.txt")).Length);
        Assert.All(unrelated, p => Assert.True(File.Exists(p)));
        Assert.Equal(0, AtomicFile.CleanupStale(dir.Path));
        Assert.Equal([".hidden", "live.txt", "notes.etpart", "report.pdf"], Listing(dir));
    }

    [Fact]
    public void A_flushed_group_publishes_every_file_and_a_live_writers_file_survives_until_published()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("sub"));
        var names = new[] { "a.bin", "b.bin", Path.Combine("sub", "c.bin") };
        var contents = names.Select(_ => RandomNumberGenerator.GetBytes(3000)).ToArray();
        var files = names.Select(n => AtomicFile.Create(dir.File(n), overwrite: false)).ToList();
        try
        {
            for (var i = 0; i < files.Count; i++) files[i].Stream.Write(contents[i]);
            Assert.All(AtomicFile.FlushToDisk(files), Assert.Null);
            Assert.Equal(0, AtomicFile.CleanupStale(dir.Path)); // flushed, not published: still live and locked
            Assert.All(names, n => Assert.False(File.Exists(dir.File(n))));
            foreach (var f in files) f.Publish();
        }
        finally
        {
            foreach (var f in files) f.Dispose();
        }
        for (var i = 0; i < names.Length; i++) Assert.Equal(contents[i], File.ReadAllBytes(dir.File(names[i])));
        Assert.Empty(Directory.GetFiles(dir.Path, "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories));
    }

    [Fact]
    public void Publishing_without_overwrite_never_replaces_a_file_that_appeared_meanwhile()
    {
        using var dir = new TempDir();
        using var f = AtomicFile.Create(dir.File("x.bin"), overwrite: false);
        f.Stream.Write([1, 2, 3]);
        File.WriteAllBytes(dir.File("x.bin"), [9]);
        Assert.Throws<DestinationExistsException>(() => f.Publish());
        f.Dispose();
        Assert.Equal([9], File.ReadAllBytes(dir.File("x.bin")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*" + AtomicFile.TempSuffix));
    }

    [Fact]
    public void The_pooled_frame_buffers_go_back_to_the_pool_wiped()
    {
        // The shared pool hands a thread back the array it returned last: a small message's buffers, used on this
        // thread, come straight back here. None of the plaintext may still be in them.
        var plaintext = Enumerable.Repeat((byte)0xA5, 5000).ToArray();
        using var keyring = Crypt.AesKeyring();
        using var output = new MemoryStream();
        MessageEncryptor.Encrypt(new MemoryStream(plaintext), output, [keyring]);
        var sizes = new[] { MessageEncryptor.BatchTarget, MessageEncryptor.BatchTarget + 64 * 1024 };
        foreach (var size in sizes)
        {
            var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
            try
            {
                Assert.False(rented.AsSpan(0, 8192).IndexOf(plaintext.AsSpan(0, 32)) >= 0, $"plaintext left in a pooled {size}-byte buffer");
            }
            finally { System.Buffers.ArrayPool<byte>.Shared.Return(rented); }
        }
    }

    /// <summary>
    /// Parallel jobs writing into one directory each sweep it on start: a sweep must never take a live writer's
    /// temporary file for a dead one's, at any point up to and including its commit.
    /// </summary>
    [Fact]
    public async Task Concurrent_sweeps_never_remove_a_live_writers_file()
    {
        using var dir = new TempDir();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var writersDone = 0;
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 150; i++)
            {
                try
                {
                    using var f = AtomicFile.Create(dir.File($"w{w}-{i}.bin"), overwrite: false);
                    f.Stream.Write(BitConverter.GetBytes(i));
                    f.Commit();
                }
                catch (Exception ex) { failures.Add($"writer {w} file {i}: {ex.GetType().Name}: {ex.Message}"); }
            }
            Interlocked.Increment(ref writersDone);
        })).ToArray();
        var sweeps = 0;
        var sweeper = Task.Run(() => { while (Volatile.Read(ref writersDone) < 2) { AtomicFile.CleanupStale(dir.Path); sweeps++; } });
        await Task.WhenAll([.. writers, sweeper]);

        Assert.True(failures.IsEmpty, $"{failures.Count} of 300 commits failed, e.g. {failures.FirstOrDefault()}");
        Assert.True(sweeps > 20, $"only {sweeps} sweeps ran");
        Assert.Equal(300, Directory.GetFiles(dir.Path, "w*.bin").Length);
        Assert.Empty(Directory.GetFiles(dir.Path, "*" + AtomicFile.TempSuffix));
        Assert.Equal(BitConverter.GetBytes(149), File.ReadAllBytes(dir.File("w1-149.bin")));
    }

    [Fact]
    public void An_uncommitted_atomic_file_vanishes_on_dispose()
    {
        using var dir = new TempDir();
        string temp;
        using (var f = AtomicFile.Create(dir.File("out.bin"), overwrite: false))
        {
            f.Stream.Write([1, 2, 3]);
            temp = f.TempPath;
            Assert.True(File.Exists(temp));
        }
        Assert.False(File.Exists(temp));
        Assert.Empty(Listing(dir));
    }
}
