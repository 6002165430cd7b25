using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Tests.Files;

/// <summary>Crash safety of the in-place rewrite: journals are rolled forward, or discarded when they no longer apply.</summary>
public sealed class RewrapRecoveryTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _a = new("key-a");
    private readonly TestKey _b = new("key-b");
    private readonly byte[] _plain = FilesSupport.Random(150_000);

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _dir.Dispose();
    }

    private string Encrypt(string name)
    {
        var src = _dir.Write(name + ".plain", _plain);
        FilesSupport.EncryptFile(src, _dir.File(name), [_a.Keyring], reserve: 2048);
        File.Delete(src);
        return _dir.File(name);
    }

    /// <summary>A file, plus the header a rewrap from key A to key B would give it (made on a copy).</summary>
    private (string Target, byte[] OldHeader, byte[] NewHeader) Prepared(string name = "x.enc")
    {
        var target = Encrypt(name);
        var copy = target + ".copy";
        File.Copy(target, copy);
        HeaderRewrap.Rewrap(copy, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring], RemoveAllExisting = true });
        var length = FilesSupport.HeaderLength(target);
        var oldHeader = File.ReadAllBytes(target)[..length];
        var newHeader = File.ReadAllBytes(copy)[..length];
        File.Delete(copy);
        return (target, oldHeader, newHeader);
    }

    private static void WriteJournal(string target, byte[] oldHeader, byte[] newHeader)
    {
        var identity = UnixFile.IsSupported ? UnixFile.Stat(target, followLinks: true)!.Value : default;
        var journal = new RewrapJournal(Path.GetFileName(target), oldHeader[3..35], new FileInfo(target).Length, oldHeader, newHeader, identity.Device, identity.Inode);
        Assert.True(journal.TryWriteDurably(HeaderRewrap.JournalPath(target), FilesSupport.JournalKey));
    }

    private static void WriteAt(string path, byte[] bytes, int offset)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        fs.Position = offset;
        fs.Write(bytes);
    }

    [Fact]
    public void A_crash_after_the_journal_is_synced_is_rolled_forward_by_Recover()
    {
        var target = Encrypt("x.enc");
        var body = FilesSupport.Sha256(target, FilesSupport.HeaderLength(target));
        Assert.Throws<IOException>(() => HeaderRewrap.Rewrap(target, new RewrapRequest
        {
            SidecarKey = FilesSupport.JournalKey,
            UnwrapKeyrings = [_a.Keyring],
            AddKeyrings = [_b.Keyring],
            RemoveAllExisting = true,
            AfterJournalWritten = _ => throw new IOException("simulated crash"),
        }));
        Assert.True(File.Exists(HeaderRewrap.JournalPath(target)));
        Assert.Equal(_plain, FilesSupport.DecryptFileToBytes(target, [_a.Keyring])); // header not yet touched

        var recovered = HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey);

        Assert.Equal(JournalOutcome.RolledForward, Assert.Single(recovered).Outcome);
        Assert.False(File.Exists(HeaderRewrap.JournalPath(target)));
        Assert.Equal(_plain, FilesSupport.DecryptFileToBytes(target, [_b.Keyring]));
        Assert.Throws<NoDecryptableKeyException>(() => FilesSupport.DecryptFileToBytes(target, [_a.Keyring]));
        Assert.Equal(body, FilesSupport.Sha256(target, FilesSupport.HeaderLength(target)));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.1)]
    [InlineData(0.9)]
    public void A_torn_header_is_completed_from_the_journal(double tornAt)
    {
        var (target, oldHeader, newHeader) = Prepared();
        WriteJournal(target, oldHeader, newHeader);
        var cut = (int)(newHeader.Length * tornAt);
        WriteAt(target, newHeader[..cut], 0); // the crash hit part way through the header write
        Assert.ThrowsAny<EncryptionToolsException>(() => FilesSupport.DecryptFileToBytes(target, [_b.Keyring]));

        var outcome = Assert.Single(HeaderRewrap.Recover(target, FilesSupport.JournalKey));

        Assert.Equal(JournalOutcome.RolledForward, outcome.Outcome);
        Assert.Equal(newHeader, File.ReadAllBytes(target)[..newHeader.Length]);
        Assert.Equal(_plain, FilesSupport.DecryptFileToBytes(target, [_b.Keyring]));
        Assert.Equal(["x.enc"], FilesSupport.Listing(_dir.Path));
    }

    [Fact]
    public void A_later_rewrap_rolls_the_journal_forward_first()
    {
        var (target, oldHeader, newHeader) = Prepared();
        WriteJournal(target, oldHeader, newHeader);
        WriteAt(target, newHeader[..40], 0);
        using var c = new TestKey("key-c");

        var result = HeaderRewrap.Rewrap(target, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_b.Keyring], AddKeyrings = [c.Keyring] });

        Assert.Equal([_b.Identity, c.Identity], result.KeysAfter);
        Assert.Equal(_plain, FilesSupport.DecryptFileToBytes(target, [c.Keyring]));
        Assert.False(File.Exists(HeaderRewrap.JournalPath(target)));
    }

    [Fact]
    public void A_later_decryption_rolls_the_journal_forward_first()
    {
        var (target, oldHeader, newHeader) = Prepared();
        WriteJournal(target, oldHeader, newHeader);
        WriteAt(target, newHeader[..100], 0);

        var outcome = Assert.Single(FileProtector.Unprotect([target], new UnprotectRequest { Keyrings = [_b.Keyring], SidecarKey = FilesSupport.JournalKey }));

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(_plain, File.ReadAllBytes(_dir.File("x")));
    }

    [Fact]
    public void A_journal_whose_new_header_is_already_in_place_is_just_removed()
    {
        var (target, oldHeader, newHeader) = Prepared();
        WriteJournal(target, oldHeader, newHeader);
        WriteAt(target, newHeader, 0);
        var before = File.ReadAllBytes(target);

        Assert.Equal(JournalOutcome.AlreadyApplied, Assert.Single(HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey)).Outcome);
        Assert.Equal(before, File.ReadAllBytes(target));
        Assert.False(File.Exists(HeaderRewrap.JournalPath(target)));
    }

    [Fact]
    public void A_journal_for_a_file_that_changed_since_is_discarded_and_the_file_left_alone()
    {
        var (target, oldHeader, newHeader) = Prepared();
        WriteJournal(target, oldHeader, newHeader);
        // Something else re-encrypted the file meanwhile (same length: same reserve, same size).
        File.Delete(target);
        Encrypt("x.enc");
        var current = File.ReadAllBytes(target);

        Assert.Equal(JournalOutcome.DiscardedStale, Assert.Single(HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey)).Outcome);
        Assert.Equal(current, File.ReadAllBytes(target));
        Assert.False(File.Exists(HeaderRewrap.JournalPath(target)));
    }

    [Fact]
    public void A_journal_for_a_file_of_another_length_is_discarded()
    {
        var (target, oldHeader, newHeader) = Prepared();
        WriteJournal(target, oldHeader, newHeader);
        File.AppendAllText(target, "more");
        var current = File.ReadAllBytes(target);
        Assert.Equal(JournalOutcome.DiscardedStale, Assert.Single(HeaderRewrap.Recover(target, FilesSupport.JournalKey)).Outcome);
        Assert.Equal(current, File.ReadAllBytes(target));
    }

    [Fact]
    public void A_journal_torn_while_being_written_is_discarded_and_the_header_untouched()
    {
        var (target, oldHeader, newHeader) = Prepared();
        WriteJournal(target, oldHeader, newHeader);
        var journalPath = HeaderRewrap.JournalPath(target);
        var journal = File.ReadAllBytes(journalPath);
        File.WriteAllBytes(journalPath, journal[..(journal.Length / 2)]);
        var before = File.ReadAllBytes(target);

        Assert.Equal(JournalOutcome.DiscardedTornJournal, Assert.Single(HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey)).Outcome);
        Assert.Equal(before, File.ReadAllBytes(target));
        Assert.Equal(_plain, FilesSupport.DecryptFileToBytes(target, [_a.Keyring]));
        Assert.False(File.Exists(journalPath));
    }

    [Fact]
    public void A_journal_whose_file_is_missing_is_kept_until_the_file_is_back()
    {
        var (target, oldHeader, newHeader) = Prepared();
        WriteJournal(target, oldHeader, newHeader);
        WriteAt(target, newHeader[..50], 0);
        File.Move(target, target + ".moved"); // renamed after the crash: the journal may be the only copy of the header

        Assert.Equal(JournalOutcome.TargetMissing, Assert.Single(HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey)).Outcome);
        Assert.True(File.Exists(HeaderRewrap.JournalPath(target)));

        File.Move(target + ".moved", target);
        Assert.Equal(JournalOutcome.RolledForward, Assert.Single(HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey)).Outcome);
        Assert.Equal(_plain, FilesSupport.DecryptFileToBytes(target, [_b.Keyring]));
    }

    [Fact]
    public void A_journal_of_a_file_held_by_a_live_rewrap_is_left_alone()
    {
        var (target, oldHeader, newHeader) = Prepared();
        WriteJournal(target, oldHeader, newHeader);
        using (new FileStream(target, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.Equal(JournalOutcome.InUse, Assert.Single(HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey)).Outcome);
            Assert.True(File.Exists(HeaderRewrap.JournalPath(target)));
        }
        Assert.Equal(JournalOutcome.RolledForward, Assert.Single(HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey)).Outcome);
    }

    [Fact]
    public void Recover_walks_subdirectories_when_asked_and_ignores_files_without_journals()
    {
        Directory.CreateDirectory(_dir.File("sub"));
        var (target, oldHeader, newHeader) = Prepared("sub/y.enc");
        WriteJournal(target, oldHeader, newHeader);
        Encrypt("plain-file.enc");

        Assert.Empty(HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey));
        Assert.Null(HeaderRewrap.RecoverFile(_dir.File("plain-file.enc"), FilesSupport.JournalKey));
        var all = HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey, recurse: true);
        Assert.Equal(JournalOutcome.RolledForward, Assert.Single(all).Outcome);
        Assert.Equal(target, all[0].TargetPath);
        Assert.Equal(_plain, FilesSupport.DecryptFileToBytes(target, [_b.Keyring]));
    }

    [Fact]
    public void Journal_round_trips_and_rejects_damage()
    {
        var journal = new RewrapJournal("f.enc", new byte[32], 1234, [1, 2, 3], [4, 5, 6]);
        var bytes = journal.Serialize(FilesSupport.JournalKey);
        var parsed = RewrapJournal.TryParse(bytes)!;
        Assert.True(RewrapJournal.IsAuthentic(bytes, FilesSupport.JournalKey));
        Assert.Equal(journal.TargetName, parsed.TargetName);
        Assert.Equal(journal.NewHeader, parsed.NewHeader);
        Assert.Equal(journal.OldHeader, parsed.OldHeader);
        Assert.Equal(1234, parsed.FileLength);
        for (var i = 0; i < bytes.Length; i += 7)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x10;
            Assert.True(RewrapJournal.TryParse(damaged) is null || !RewrapJournal.IsAuthentic(damaged, FilesSupport.JournalKey));
        }
        Assert.Null(RewrapJournal.TryParse(bytes[..^1]));
        Assert.Equal(Path.Combine("/d", ".f.enc" + HeaderRewrap.JournalSuffix), RewrapJournal.PathFor("/d/f.enc"));
        Assert.Equal(Path.Combine("/d", "f.enc"), RewrapJournal.TargetFor("/d/.f.enc.etjournal"));
        Assert.Null(RewrapJournal.TargetFor("/d/f.enc.etjournal"));
    }
}
