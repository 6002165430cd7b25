using System.Security.Cryptography;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.Adversarial;

/// <summary>
/// A journal is applied only when it is authentic under the store's sidecar key and made for this very file (device,
/// inode, length, message id). These cases are the user's own files (no second user needed): journals forged without
/// the key, moved to another file, or found with no key at all.
/// </summary>
public sealed class SidecarJournalTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _a = new("key-a");
    private readonly TestKey _b = new("key-b");
    private readonly byte[] _plain = FilesSupport.Random(1_200_000); // over the reserve threshold: rewraps are in place

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _dir.Dispose();
    }

    private (string Target, byte[] OldHeader, byte[] NewHeader) Prepared(string name = "x.enc")
    {
        var src = _dir.Write(name + ".plain", _plain);
        var target = _dir.File(name);
        FilesSupport.EncryptFile(src, target, [_a.Keyring], reserve: 2048);
        File.Delete(src);
        var copy = _dir.File("copy.tmp");
        File.Copy(target, copy);
        HeaderRewrap.Rewrap(copy, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring], RemoveAllExisting = true });
        var length = FilesSupport.HeaderLength(target);
        var oldHeader = File.ReadAllBytes(target)[..length];
        var newHeader = File.ReadAllBytes(copy)[..length];
        File.Delete(copy);
        return (target, oldHeader, newHeader);
    }

    private static void Journal(string target, byte[] oldHeader, byte[] newHeader, SidecarKey key)
    {
        var identity = UnixFile.IsSupported ? UnixFile.Stat(target, followLinks: true)!.Value : default;
        var journal = new RewrapJournal(Path.GetFileName(target), oldHeader[3..35], new FileInfo(target).Length, oldHeader, newHeader, identity.Device, identity.Inode);
        Assert.True(journal.TryWriteDurably(HeaderRewrap.JournalPath(target), key));
    }

    [Fact]
    public void A_journal_made_under_another_key_is_rejected_reported_and_never_applied()
    {
        var (target, oldHeader, newHeader) = Prepared();
        using var otherKey = SidecarKey.FromBytes(RandomNumberGenerator.GetBytes(32)); // e.g. before the root key changed
        Journal(target, oldHeader, newHeader, otherKey);
        var before = File.ReadAllBytes(target);

        var outcome = Assert.Single(FileProtector.Unprotect([target], new UnprotectRequest { Keyrings = [_a.Keyring], SidecarKey = FilesSupport.JournalKey }));

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(FileWarningIds.RewrapJournalUnauthenticated, Assert.Single(outcome.Result!.Warnings).Id);
        Assert.Equal(before, File.ReadAllBytes(target));
        Assert.Equal(_plain, File.ReadAllBytes(_dir.File("x")));
        Assert.Equal(["x", "x.enc"], FilesSupport.Listing(_dir.Path)); // the rejected journal (ours) was removed
    }

    [Fact]
    public void An_authentic_journal_does_not_apply_to_another_file_under_the_same_name()
    {
        var (target, oldHeader, newHeader) = Prepared();
        Journal(target, oldHeader, newHeader, FilesSupport.JournalKey);
        // Same name, same bytes, another inode: a copy moved over it (the journal binds the file, not its name).
        File.Copy(target, target + ".other");
        File.Move(target + ".other", target, overwrite: true);
        var before = File.ReadAllBytes(target);

        var recovery = Assert.Single(HeaderRewrap.Recover(_dir.Path, FilesSupport.JournalKey));

        Assert.Equal(JournalOutcome.DiscardedStale, recovery.Outcome);
        Assert.Equal(FileWarningIds.RewrapJournalStale, recovery.Warning!.Id);
        Assert.Equal(before, File.ReadAllBytes(target));
        Assert.Equal(["x.enc"], FilesSupport.Listing(_dir.Path));
    }

    [Fact]
    public void Without_a_key_a_journal_is_reported_and_left_and_a_rewrap_rewrites_the_whole_file()
    {
        var (target, oldHeader, newHeader) = Prepared();
        Journal(target, oldHeader, newHeader, FilesSupport.JournalKey);
        var before = File.ReadAllBytes(target);

        var recovery = Assert.Single(HeaderRewrap.Recover(target, key: null));
        Assert.Equal(JournalOutcome.Ignored, recovery.Outcome);
        Assert.Equal(FileWarningIds.RewrapJournalUnauthenticated, recovery.Warning!.Id);
        Assert.Equal(before, File.ReadAllBytes(target));
        Assert.True(File.Exists(HeaderRewrap.JournalPath(target)));

        File.Delete(HeaderRewrap.JournalPath(target));
        var result = HeaderRewrap.Rewrap(target, new RewrapRequest { UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring] });
        Assert.Equal(RewrapMethod.FullRewrite, result.Method);
        Assert.Equal(_plain, FilesSupport.DecryptFileToBytes(target, [_b.Keyring]));
        Assert.Equal(["x.enc"], FilesSupport.Listing(_dir.Path));
    }

    [Fact]
    public void The_store_gives_a_sidecar_key_that_changes_with_its_root_key_and_opens_its_own_journals()
    {
        var store = new LocalKeyStore(_dir.File("store"), new LocalKeyStoreOptions());
        store.NewKey(new NewKeyRequest());
        using var ops = new FileOperations(store);
        var key = ops.SidecarKey!;
        var data = new RewrapJournal("f.enc", new byte[32], 10, [1], [2]).Serialize(key);
        Assert.True(RewrapJournal.IsAuthentic(data, key));
        using var other = new FileOperations(new LocalKeyStore(_dir.File("store2"), new LocalKeyStoreOptions()));
        other.Store.NewKey(new NewKeyRequest());
        Assert.False(RewrapJournal.IsAuthentic(data, other.SidecarKey!));
        store.Dispose();
    }
}
