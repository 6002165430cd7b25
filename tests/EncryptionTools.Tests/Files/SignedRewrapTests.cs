using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Engine;

namespace EncryptionTools.Tests.Files;

/// <summary>
/// Rewrap of signed (0x0578) messages: the original signing key is gone, so the message is re-signed under a fresh one,
/// every AES-wrapped data key it keeps is wrapped again under the new context, and the body is kept byte for byte.
/// </summary>
public sealed class SignedRewrapTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _a = new("key-a");
    private readonly TestKey _b = new("key-b");
    private static readonly Dictionary<string, string> Context = new() { ["purpose"] = "signed-rewrap" };

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _dir.Dispose();
    }

    private (string Cipher, byte[] Plain) Signed(int size, params IKeyring[] keyrings)
    {
        var plain = FilesSupport.Random(size);
        var src = _dir.Write("plain-" + Guid.NewGuid().ToString("N")[..6], plain);
        var cipher = _dir.File("signed.enc");
        FileRoute.EncryptFile(src, cipher, keyrings, new EncryptOptions { Signed = true, FrameLength = 4096, HeaderReserve = 1024, EncryptionContext = Context });
        File.Delete(src);
        return (cipher, plain);
    }

    private static string PublicKey(string path) => FileCrypto.ReadHeader(path).EncryptionContext[EncryptionContext.PublicKeyField];

    private static byte[] Body(string path)
    {
        var m = File.ReadAllBytes(path);
        var l = MessageLayout.Parse(m);
        return m[l.HeaderLength..l.BodyEnd];
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(4096 * 40 + 17)]
    public void Adding_a_key_re_signs_keeps_the_body_and_both_keys_decrypt(int size)
    {
        var (cipher, plain) = Signed(size, _a.Keyring);
        var before = FileCrypto.ReadHeader(cipher);
        var bodyBefore = Body(cipher);
        var keyBefore = PublicKey(cipher);

        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest
        {
            SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_a.Keyring, _b.Keyring],
        });

        Assert.Equal(RewrapMethod.FullRewrite, result.Method);
        Assert.Contains("re-signed", result.FallbackReason);
        Assert.Equal([_a.Identity, _b.Identity], result.KeysAfter);
        Assert.Equal(new FileInfo(cipher).Length, result.FileLength);
        var after = FileCrypto.ReadHeader(cipher);
        Assert.Equal(AlgorithmSuite.CommitKeyEcdsaP384Id, after.Suite.Id);
        Assert.Equal(before.MessageId, after.MessageId);
        Assert.NotEqual(keyBefore, PublicKey(cipher));
        Assert.Equal("signed-rewrap", after.EncryptionContext["purpose"]);
        Assert.Equal(bodyBefore, Body(cipher));
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [_a.Keyring]));
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [_b.Keyring]));
        Assert.Equal(["signed.enc"], FilesSupport.Listing(_dir.Path));
    }

    [Fact]
    public void Replacing_every_key_leaves_only_the_new_one()
    {
        var (cipher, plain) = Signed(10_000, _a.Keyring);
        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest
        {
            SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring], RemoveAllExisting = true,
        });
        Assert.Equal([_b.Identity], result.KeysAfter);
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [_b.Keyring]));
        Must.FailTyped(() => FilesSupport.DecryptFileToBytes(cipher, [_a.Keyring]), "old key", typeof(NoDecryptableKeyException));
    }

    [Fact]
    public void Keeping_an_AES_wrapped_key_it_cannot_wrap_again_is_refused_untouched()
    {
        var (cipher, _) = Signed(10_000, _a.Keyring);
        var before = File.ReadAllBytes(cipher);
        var ex = Assert.Throws<SignedMessageRewrapException>(() => HeaderRewrap.Rewrap(cipher, new RewrapRequest
        {
            SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring],
        }));
        Assert.Equal("RewrapSignedMessage", ex.ErrorId);
        Assert.Equal(EngineErrorCategory.InvalidOperation, ex.Category);
        Assert.Equal(cipher, ex.Target);
        Assert.Contains("key-a", ex.Message);
        Assert.Contains("fresh signing key", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(cipher));
        Assert.Equal(["signed.enc"], FilesSupport.Listing(_dir.Path));
    }

    [Fact]
    public void An_RSA_wrapped_key_is_kept_as_it_is()
    {
        using var rsaPublic = TestKeys.RsaEncryptOnly(0);
        using var rsaPrivate = TestKeys.RsaDecryptOnly(0);
        var (cipher, plain) = Signed(5000, _a.Keyring, rsaPublic);
        var rsaEdk = FileCrypto.ReadHeader(cipher).EncryptedDataKeys.Single(e => e.ProviderId == "test-ns");

        HeaderRewrap.Rewrap(cipher, new RewrapRequest
        {
            SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring], Remove = _a.Identity.Matches,
        });

        var kept = FileCrypto.ReadHeader(cipher).EncryptedDataKeys.Single(e => e.ProviderId == "test-ns");
        Assert.Equal(rsaEdk.Ciphertext, kept.Ciphertext);
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [rsaPrivate]));
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(cipher, [_b.Keyring]));
    }

    [Theory]
    [InlineData("frame")]
    [InlineData("final frame")]
    [InlineData("signature")]
    [InlineData("stripped footer")]
    [InlineData("trailing byte")]
    public void A_damaged_message_is_refused_before_anything_is_written(string damage)
    {
        var (cipher, _) = Signed(4096 * 3 + 5, _a.Keyring);
        var m = File.ReadAllBytes(cipher);
        var l = MessageLayout.Parse(m);
        m = damage switch
        {
            "frame" => Flip(m, l.Frames[1].Content.Offset + 7),
            "final frame" => Flip(m, l.Frames[^1].Tag.Offset),
            "signature" => Flip(m, l.Signature!.Value.End - 3),
            "stripped footer" => m[..l.BodyEnd],
            _ => [.. m, 0],
        };
        File.WriteAllBytes(cipher, m);

        Must.FailTyped(() => HeaderRewrap.Rewrap(cipher, new RewrapRequest
        {
            SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_a.Keyring, _b.Keyring],
        }), damage, typeof(MessageTamperedException), typeof(MessageTruncatedException));
        Assert.Equal(m, File.ReadAllBytes(cipher));
        Assert.Equal(["signed.enc"], FilesSupport.Listing(_dir.Path));
    }

    [Fact]
    public void Without_a_full_rewrite_allowed_it_is_refused()
    {
        var (cipher, _) = Signed(100, _a.Keyring);
        var before = File.ReadAllBytes(cipher);
        var ex = Assert.Throws<SignedMessageRewrapException>(() => HeaderRewrap.Rewrap(cipher, new RewrapRequest
        {
            SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_a.Keyring, _b.Keyring], AllowFullRewrite = false,
        }));
        Assert.Contains("rewrites the whole file", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(cipher));
    }

    [Fact]
    public void A_rewrap_that_changes_nothing_does_not_re_sign()
    {
        var (cipher, _) = Signed(100, _a.Keyring);
        var before = File.ReadAllBytes(cipher);
        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring] });
        Assert.Equal(RewrapMethod.Unchanged, result.Method);
        Assert.Equal(before, File.ReadAllBytes(cipher));
    }

    private static byte[] Flip(byte[] m, int index)
    {
        var t = (byte[])m.Clone();
        t[index] ^= 0x10;
        return t;
    }
}
