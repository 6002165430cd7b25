using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;

namespace EncryptionTools.Tests.Files;

/// <summary>
/// The official AWS Encryption SDK for JavaScript reads what the header reserve and rewraps produce.
/// Needs `npm ci --prefix tests/interop` (test.sh runs it); without it these tests fail saying so.
/// </summary>
public sealed class RewrapInteropTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _a = new("key-a", "interop-ns");
    private readonly TestKey _b = new("key-b", "interop-ns");
    private readonly byte[] _plain = FilesSupport.Random(100_003);

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _dir.Dispose();
    }

    private void AssertJsDecrypts(string cipher, params TestKey[] keys)
    {
        var output = _dir.File("js-out-" + Guid.NewGuid().ToString("N")[..6]);
        var (code, error) = JsSdk.Decrypt(_dir.Path, cipher, output, keys);
        Assert.True(code == 0, $"the JS SDK failed to decrypt {Path.GetFileName(cipher)}: {error}");
        Assert.Equal(_plain, File.ReadAllBytes(output));
        File.Delete(output);
    }

    private void AssertJsRefuses(string cipher, params TestKey[] keys)
    {
        var output = _dir.File("js-out-" + Guid.NewGuid().ToString("N")[..6]);
        var (code, _) = JsSdk.Decrypt(_dir.Path, cipher, output, keys);
        Assert.Equal(1, code);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_message_with_a_padding_EDK_decrypts_in_the_JS_SDK()
    {
        var src = _dir.Write("p", _plain);
        var cipher = FilesSupport.EncryptFile(src, _dir.File("reserved.enc"), [_a.Keyring], reserve: 4096,
            context: new Dictionary<string, string> { ["purpose"] = "interop" });
        AssertJsDecrypts(cipher, _a);
    }

    [Fact]
    public void An_in_place_rewrapped_message_decrypts_in_the_JS_SDK_with_the_new_key_only()
    {
        var src = _dir.Write("p", _plain);
        var cipher = FilesSupport.EncryptFile(src, _dir.File("c.enc"), [_a.Keyring], reserve: 2048);
        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring], RemoveAllExisting = true });
        Assert.Equal(RewrapMethod.InPlace, result.Method);
        AssertJsDecrypts(cipher, _b);
        AssertJsRefuses(cipher, _a);
    }

    [Fact]
    public void A_fully_rewritten_message_decrypts_in_the_JS_SDK()
    {
        var src = _dir.Write("p", _plain);
        var cipher = FilesSupport.EncryptFile(src, _dir.File("c.enc"), [_a.Keyring], reserve: 0);
        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring] });
        Assert.Equal(RewrapMethod.FullRewrite, result.Method);
        AssertJsDecrypts(cipher, _a);
        AssertJsDecrypts(cipher, _b);
    }

    [Fact]
    public void A_message_the_JS_SDK_wrote_can_be_rewrapped_and_the_JS_SDK_reads_it_back()
    {
        var src = _dir.Write("p", _plain);
        var cipher = _dir.File("js.enc");
        var (code, error) = JsSdk.Encrypt(_dir.Path, src, cipher, "0478", _a);
        Assert.True(code == 0, error);

        var first = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring], FullRewriteReserve = 1024 });
        Assert.Equal(RewrapMethod.FullRewrite, first.Method); // the JS SDK reserves nothing
        AssertJsDecrypts(cipher, _b);

        var second = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_b.Keyring], Remove = _a.Identity.Matches });
        Assert.Equal(RewrapMethod.InPlace, second.Method);
        AssertJsDecrypts(cipher, _b);
        AssertJsRefuses(cipher, _a);
    }

    [Fact]
    public void A_signed_message_from_the_JS_SDK_is_refused_untouched()
    {
        var src = _dir.Write("p", _plain);
        var cipher = _dir.File("signed.enc");
        var (code, error) = JsSdk.Encrypt(_dir.Path, src, cipher, "0578", _a);
        Assert.True(code == 0, error);
        var before = File.ReadAllBytes(cipher);
        Assert.Throws<SignedMessageRewrapException>(() =>
            HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring] }));
        Assert.Equal(before, File.ReadAllBytes(cipher));
        AssertJsDecrypts(cipher, _a);
    }

    [Fact]
    public void A_signed_message_from_the_JS_SDK_is_re_signed_and_decrypts_there_with_the_new_key_only()
    {
        var src = _dir.Write("p", _plain);
        var cipher = _dir.File("signed.enc");
        var (code, error) = JsSdk.Encrypt(_dir.Path, src, cipher, "0578", _a);
        Assert.True(code == 0, error);
        var result = HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_b.Keyring], RemoveAllExisting = true });
        Assert.Equal(RewrapMethod.FullRewrite, result.Method);
        AssertJsDecrypts(cipher, _b);
        AssertJsRefuses(cipher, _a);
    }

    [Fact]
    public void Signed_files_from_the_file_route_decrypt_in_the_JS_SDK_before_and_after_a_re_signing_rewrap()
    {
        var src = _dir.Write("s", _plain);
        var outcome = Assert.Single(FileProtector.Protect([src], new ProtectRequest { Keyrings = [_a.Keyring], Signed = true, FrameLength = 4096 }));
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal("AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", outcome.Result!.AlgorithmSuite);
        var cipher = outcome.Destination!;
        AssertJsDecrypts(cipher, _a);
        HeaderRewrap.Rewrap(cipher, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_a.Keyring], AddKeyrings = [_a.Keyring, _b.Keyring] });
        AssertJsDecrypts(cipher, _a);
        AssertJsDecrypts(cipher, _b);
    }

    [Fact]
    public void In_place_protected_files_with_the_default_reserve_decrypt_in_the_JS_SDK()
    {
        var big = new byte[HeaderReserve.Threshold + 17];
        _plain.CopyTo(big, 0);
        var src = _dir.Write("big.bin", big);
        var outcome = Assert.Single(FileProtector.Protect([src], new ProtectRequest { Keyrings = [_a.Keyring], InPlace = true }));
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(HeaderReserve.DefaultBytes, outcome.Result!.HeaderReserve);

        var output = _dir.File("big.out");
        var (code, error) = JsSdk.Decrypt(_dir.Path, src, output, _a);
        Assert.True(code == 0, error);
        Assert.Equal(big, File.ReadAllBytes(output));
    }
}
