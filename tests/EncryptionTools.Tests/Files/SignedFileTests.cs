using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Engine;

namespace EncryptionTools.Tests.Files;

/// <summary>
/// Signed files through the file route (Protect-File -Signed, enctools encrypt --signed): round trips, and a damaged
/// signed file never publishes a plaintext, not even the frames before the damage.
/// </summary>
public sealed class SignedFileTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _key = new("key-a");

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    private FileOutcome Protect(string path, bool signed = true, bool inPlace = false) =>
        Assert.Single(FileProtector.Protect([path], new ProtectRequest { Keyrings = [_key.Keyring], Signed = signed, FrameLength = 4096, InPlace = inPlace }));

    private FileOutcome Unprotect(string path) =>
        Assert.Single(FileProtector.Unprotect([path], new UnprotectRequest { Keyrings = [_key.Keyring] }));

    [Theory]
    [InlineData(0)]          // empty: one empty final frame
    [InlineData(1000)]       // one frame
    [InlineData(4096)]       // exactly one full frame
    [InlineData(4096 * 300 + 9)] // many frames, several parallel batches
    public void Round_trips_write_suite_0578_with_the_key_in_the_context(int size)
    {
        var plain = FilesSupport.Random(size);
        var src = _dir.Write("data.bin", plain);
        var outcome = Protect(src);
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(AlgorithmSuite.CommitKeyEcdsaP384.Name, outcome.Result!.AlgorithmSuite);
        Assert.False(outcome.Result.EncryptionContext.ContainsKey(EncryptionContext.PublicKeyField)); // reserved entries are not shown
        Assert.Equal(new FileInfo(src + ".enc").Length, outcome.Result.BytesOut);

        var header = FileCrypto.ReadHeader(src + ".enc");
        Assert.Equal(AlgorithmSuite.CommitKeyEcdsaP384Id, header.Suite.Id);
        Assert.Equal(68, header.EncryptionContext[EncryptionContext.PublicKeyField].Length); // base64 of a 49-byte compressed point
        var layout = MessageLayout.Parse(File.ReadAllBytes(src + ".enc"));
        Assert.NotNull(layout.Signature);

        File.Delete(src);
        var back = Unprotect(src + ".enc");
        Assert.True(back.Succeeded, back.Error?.Message);
        Assert.Equal(plain, File.ReadAllBytes(src));
        Assert.Equal(AlgorithmSuite.CommitKeyEcdsaP384.Name, back.Result!.AlgorithmSuite);
    }

    [Fact]
    public void Each_message_gets_its_own_signing_key()
    {
        var a = _dir.Write("a.bin", [1]);
        var b = _dir.Write("b.bin", [1]);
        Protect(a);
        Protect(b);
        Assert.NotEqual(FileCrypto.ReadHeader(a + ".enc").EncryptionContext[EncryptionContext.PublicKeyField],
            FileCrypto.ReadHeader(b + ".enc").EncryptionContext[EncryptionContext.PublicKeyField]);
    }

    [Fact]
    public void Without_the_switch_files_stay_unsigned()
    {
        var src = _dir.Write("u.bin", [1, 2, 3]);
        Assert.Equal(AlgorithmSuite.CommitKey.Name, Protect(src, signed: false).Result!.AlgorithmSuite);
        Assert.False(FileCrypto.ReadHeader(src + ".enc").EncryptionContext.ContainsKey(EncryptionContext.PublicKeyField));
    }

    [Fact]
    public void In_place_signed_encryption_is_verified_and_decrypts()
    {
        var plain = FilesSupport.Random(50_000);
        var src = _dir.Write("inplace.bin", plain);
        var outcome = Protect(src, inPlace: true);
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.True(FileCrypto.ReadHeader(src).Suite.IsSigned);
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(src, [_key.Keyring]));
    }

    public static TheoryData<string> Damages => new() { "first frame", "middle frame", "final frame", "signature", "signature length", "stripped footer", "header" };

    /// <summary>The file route writes to a private temporary and publishes only after the whole message and its signature verified.</summary>
    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_signed_file_publishes_nothing(string damage)
    {
        var src = _dir.Write("big.bin", FilesSupport.Random(4096 * 600 + 3)); // several batches: early frames are decrypted before the damage is found
        Protect(src);
        File.Delete(src);
        var cipher = src + ".enc";
        var m = File.ReadAllBytes(cipher);
        var l = MessageLayout.Parse(m);
        m = damage switch
        {
            "first frame" => Flip(m, l.Frames[0].Content.Offset),
            "middle frame" => Flip(m, l.Frames[l.Frames.Count / 2].Tag.Offset + 3),
            "final frame" => Flip(m, l.Frames[^1].Content.Offset),
            "signature" => Flip(m, l.Signature!.Value.Offset + 20),
            "signature length" => Flip(m, l.SignatureLength!.Value.Offset + 1),
            "stripped footer" => m[..l.BodyEnd],
            _ => Flip(m, l.Context.Offset + 5),
        };
        File.WriteAllBytes(cipher, m);

        var outcome = Unprotect(cipher);
        Assert.False(outcome.Succeeded);
        Assert.True(outcome.Error is MessageTamperedException or MessageTruncatedException or NoDecryptableKeyException, outcome.Error!.GetType().Name);
        Assert.Equal(["big.bin.enc"], FilesSupport.Listing(_dir.Path));
    }

    private static byte[] Flip(byte[] m, int index)
    {
        var t = (byte[])m.Clone();
        t[index] ^= 0x01;
        return t;
    }
}
