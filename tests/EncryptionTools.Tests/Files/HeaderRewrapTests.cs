using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Files;

public class HeaderRewrapTests
{
    private static (TempDir Dir, string Cipher, byte[] Plain) Encrypted(TestKey key, int size = 300_000, int reserve = 4096, params TestKey[] more)
    {
        var dir = new TempDir();
        var plain = FilesSupport.Random(size);
        var src = dir.Write("plain.bin", plain);
        var cipher = FilesSupport.EncryptFile(src, dir.File("data.enc"), [key.Keyring, .. more.Select(k => k.Keyring)], reserve,
            context: new Dictionary<string, string> { ["purpose"] = "rewrap-test" });
        File.Delete(src);
        return (dir, cipher, plain);
    }

    [Fact]
    public void Replacing_the_key_in_place_keeps_the_body_and_header_length()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, plain) = Encrypted(a);
        using var _ = dir;
        var headerBefore = FilesSupport.HeaderLength(cipher);
        var bodyBefore = FilesSupport.Sha256(cipher, headerBefore);
        var lengthBefore = new FileInfo(cipher).Length;

        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], AddKeyrings = [b.Keyring], RemoveAllExisting = true });

        Assert.Equal(RewrapMethod.InPlace, result.Method);
        Assert.Null(result.FallbackReason);
        Assert.Equal(headerBefore, FilesSupport.HeaderLength(cipher));
        Assert.Equal(headerBefore, result.HeaderLengthAfter);
        Assert.Equal(lengthBefore, new FileInfo(cipher).Length);
        Assert.Equal(bodyBefore, FilesSupport.Sha256(cipher, headerBefore));
        Assert.Equal([a.Identity], result.KeysBefore);
        Assert.Equal([b.Identity], result.KeysAfter);
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [b.Keyring]));
        Assert.Throws<NoDecryptableKeyException>(() => FilesSupport.DecryptFileToBytes(cipher, [a.Keyring]));
        Assert.Equal(["data.enc"], FilesSupport.Listing(dir.Path)); // no journal left
        Assert.Equal("rewrap-test", FileCrypto.ReadHeader(cipher).EncryptionContext["purpose"]);
    }

    [Fact]
    public void Adding_and_removing_recipients()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        using var c = new TestKey("key-c");
        var (dir, cipher, plain) = Encrypted(a, more: b);
        using var _ = dir;

        var added = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [b.Keyring], AddKeyrings = [c.Keyring] });
        Assert.Equal(RewrapMethod.InPlace, added.Method);
        Assert.Equal([a.Identity, b.Identity, c.Identity], added.KeysAfter);
        foreach (var k in new[] { a, b, c }) Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [k.Keyring]));

        var removed = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [c.Keyring], Remove = a.Identity.Matches });
        Assert.Equal([b.Identity, c.Identity], removed.KeysAfter);
        Assert.True(removed.ReserveAfter > added.ReserveAfter);
        Assert.Throws<NoDecryptableKeyException>(() => FilesSupport.DecryptFileToBytes(cipher, [a.Keyring]));
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [b.Keyring]));
    }

    [Fact]
    public void Adding_a_key_already_present_replaces_its_EDK_instead_of_duplicating_it()
    {
        using var a = new TestKey("key-a");
        var (dir, cipher, plain) = Encrypted(a);
        using var _ = dir;
        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], AddKeyrings = [a.Keyring] });
        Assert.Equal([a.Identity], result.KeysAfter);
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [a.Keyring]));
    }

    [Fact]
    public void A_request_that_changes_nothing_writes_nothing()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, _) = Encrypted(a);
        using var __ = dir;
        var before = File.ReadAllBytes(cipher);
        FilesSupport.TouchPast(cipher);
        var stamp = File.GetLastWriteTimeUtc(cipher);
        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], Remove = b.Identity.Matches });
        Assert.Equal(RewrapMethod.Unchanged, result.Method);
        Assert.Equal(before, File.ReadAllBytes(cipher));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(cipher));
    }

    [Fact]
    public void Removing_every_key_is_refused()
    {
        using var a = new TestKey("key-a");
        var (dir, cipher, _) = Encrypted(a);
        using var __ = dir;
        var before = File.ReadAllBytes(cipher);
        var ex = Assert.Throws<RewrapNoRecipientsException>(() =>
            HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], RemoveAllExisting = true }));
        Assert.Equal("RewrapNoRecipients", ex.ErrorId);
        Assert.Equal(before, File.ReadAllBytes(cipher));
    }

    [Fact]
    public void Without_reserve_a_bigger_header_falls_back_to_a_full_rewrite()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, plain) = Encrypted(a, size: 200_000, reserve: 0);
        using var _ = dir;
        var headerBefore = FilesSupport.HeaderLength(cipher);
        var bodyBefore = FilesSupport.Sha256(cipher, headerBefore);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(cipher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], AddKeyrings = [b.Keyring], FullRewriteReserve = 1000 });

        Assert.Equal(RewrapMethod.FullRewrite, result.Method);
        Assert.Contains("more than", result.FallbackReason);
        var headerAfter = FilesSupport.HeaderLength(cipher);
        Assert.Equal(result.HeaderLengthAfter, headerAfter);
        Assert.Equal(1000, result.ReserveAfter);
        Assert.Equal(bodyBefore, FilesSupport.Sha256(cipher, headerAfter)); // body bytes copied unchanged
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [a.Keyring]));
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [b.Keyring]));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(cipher));
        Assert.Equal(["data.enc"], FilesSupport.Listing(dir.Path));

        // The reserve the full rewrite added makes the next change in place.
        using var c = new TestKey("key-c");
        Assert.Equal(RewrapMethod.InPlace,
            HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [b.Keyring], AddKeyrings = [c.Keyring] }).Method);
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [c.Keyring]));
    }

    [Fact]
    public void Full_rewrite_can_be_forbidden()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, _) = Encrypted(a, reserve: 0);
        using var __ = dir;
        var before = File.ReadAllBytes(cipher);
        var ex = Assert.Throws<RewrapNoRoomException>(() => HeaderRewrap.Rewrap(cipher,
            new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], AddKeyrings = [b.Keyring], AllowFullRewrite = false }));
        Assert.Equal("RewrapNoRoom", ex.ErrorId);
        Assert.Equal(before, File.ReadAllBytes(cipher));
    }

    [Fact]
    public void Leftover_too_small_for_a_padding_EDK_also_falls_back()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, plain) = Encrypted(a, reserve: 0, more: b);
        using var _ = dir;
        // Removing one raw AES EDK frees its bytes: more than zero, but is it enough for a padding EDK? It is (~80 bytes).
        // To get a leftover below the minimum, add back a key whose EDK is a few bytes shorter than the removed one.
        using var c = new TestKey("key-bxyz"); // a name 3 bytes longer than key-b
        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], Remove = b.Identity.Matches, AddKeyrings = [c.Keyring] });
        Assert.Equal(RewrapMethod.FullRewrite, result.Method); // 3 bytes more needed
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [c.Keyring]));

        using var d = new TestKey("key-d");   // 3 bytes shorter name than c: 3 bytes left over, fewer than a padding EDK takes
        var (dir2, cipher2, plain2) = Encrypted(a, reserve: 0, more: c);
        using var __ = dir2;
        var small = HeaderRewrap.Rewrap(cipher2, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], Remove = c.Identity.Matches, AddKeyrings = [d.Keyring] });
        Assert.Equal(RewrapMethod.FullRewrite, small.Method);
        Assert.Contains("left over", small.FallbackReason);
        Assert.Equal(plain2, FilesSupport.DecryptFileToBytes(cipher2, [d.Keyring]));
    }

    [Fact]
    public void A_tampered_header_is_refused_before_anything_is_written()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, _) = Encrypted(a);
        using var __ = dir;
        var bytes = File.ReadAllBytes(cipher);
        var headerLength = FilesSupport.HeaderLength(cipher);
        bytes[headerLength - 16 - 32 - 5 - 100] ^= 0x01; // a byte of the padding: covered by the header tag
        File.WriteAllBytes(cipher, bytes);
        FilesSupport.TouchPast(cipher);
        var stamp = File.GetLastWriteTimeUtc(cipher);

        var ex = Assert.Throws<MessageTamperedException>(() =>
            HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], AddKeyrings = [b.Keyring] }));
        Assert.Equal("MessageTampered", ex.ErrorId);
        Assert.Equal(bytes, File.ReadAllBytes(cipher));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(cipher));
        Assert.Equal(["data.enc"], FilesSupport.Listing(dir.Path)); // no journal was written
    }

    [Fact]
    public void A_tampered_commitment_is_refused_before_anything_is_written()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, _) = Encrypted(a);
        using var __ = dir;
        var bytes = File.ReadAllBytes(cipher);
        bytes[FilesSupport.HeaderLength(cipher) - 16 - 1] ^= 0x80; // last byte of the commitment key
        File.WriteAllBytes(cipher, bytes);
        Assert.Throws<MessageTamperedException>(() =>
            HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], AddKeyrings = [b.Keyring] }));
        Assert.Equal(bytes, File.ReadAllBytes(cipher));
    }

    [Fact]
    public void Without_a_key_that_opens_the_file_nothing_is_written()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, _) = Encrypted(a);
        using var __ = dir;
        var before = File.ReadAllBytes(cipher);
        Assert.Throws<NoDecryptableKeyException>(() =>
            HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [b.Keyring], AddKeyrings = [b.Keyring] }));
        Assert.Equal(before, File.ReadAllBytes(cipher));
    }

    [Fact]
    public void Required_context_is_checked_before_writing()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, _) = Encrypted(a);
        using var __ = dir;
        var before = File.ReadAllBytes(cipher);
        Assert.Throws<EncryptionContextMismatchException>(() => HeaderRewrap.Rewrap(cipher, new RewrapRequest
        {
            SidecarKey = FilesSupport.JournalKey,
            UnwrapKeyrings = [a.Keyring],
            AddKeyrings = [b.Keyring],
            RequiredEncryptionContext = new Dictionary<string, string> { ["purpose"] = "other" },
        }));
        Assert.Equal(before, File.ReadAllBytes(cipher));
    }

    [Fact]
    public void Signed_messages_are_refused_with_advice()
    {
        using var dir = new TempDir();
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var plain = FilesSupport.Random(5000);
        var cipher = dir.File("signed.enc");
        using (var output = File.Create(cipher))
            MessageEncryptor.Encrypt(new MemoryStream(plain), output, [a.Keyring],
                new EncryptOptions { Suite = EncryptionTools.Engine.Format.AlgorithmSuite.CommitKeyEcdsaP384, HeaderReserve = 1000 });
        var before = File.ReadAllBytes(cipher);

        var ex = Assert.Throws<SignedMessageRewrapException>(() =>
            HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], AddKeyrings = [b.Keyring] }));
        Assert.Equal("RewrapSignedMessage", ex.ErrorId);
        Assert.Equal(EngineErrorCategory.InvalidOperation, ex.Category);
        Assert.Contains("re-signed", ex.Message);
        Assert.Contains("Protect-File", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(cipher));
    }

    [Fact]
    public void Not_a_message_is_a_typed_error_naming_the_file()
    {
        using var dir = new TempDir();
        using var a = new TestKey("key-a");
        var path = dir.Write("notes.txt", "hello world, not encrypted"u8.ToArray());
        var ex = Assert.Throws<NotAnEncryptedMessageException>(() =>
            HeaderRewrap.Rewrap(path, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], AddKeyrings = [a.Keyring] }));
        Assert.Contains(path, ex.Message);
        Assert.Equal(path, ex.Target);
    }

    [Fact]
    public void A_file_held_open_exclusively_elsewhere_is_reported_in_use()
    {
        using var a = new TestKey("key-a");
        using var b = new TestKey("key-b");
        var (dir, cipher, _) = Encrypted(a);
        using var __ = dir;
        using var holder = new FileStream(cipher, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var ex = Assert.Throws<EncryptionToolsException>(() =>
            HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [a.Keyring], AddKeyrings = [b.Keyring] }));
        Assert.Equal("FileInUse", ex.ErrorId);
    }
}
