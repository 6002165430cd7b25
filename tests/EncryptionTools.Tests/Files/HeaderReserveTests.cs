using EncryptionTools.Engine.Format;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Tests.Files;

public class HeaderReserveTests
{
    [Theory]
    [InlineData(26)]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(65535 + 25)]
    [InlineData(65535 + 26)] // just over one EDK: split in two
    [InlineData(200_000)]
    public void Padding_takes_exactly_the_requested_bytes(int bytes)
    {
        var padding = HeaderReserve.CreatePadding(bytes);
        Assert.Equal(bytes, padding.Sum(HeaderReserve.SerializedLength));
        Assert.All(padding, e =>
        {
            Assert.True(HeaderReserve.IsPadding(e));
            Assert.NotEmpty(e.ProviderInfo);
            Assert.NotEmpty(e.Ciphertext);
            Assert.True(e.Ciphertext.Length <= ushort.MaxValue);
        });
    }

    [Fact]
    public void Too_small_a_padding_is_refused_and_requests_round_up()
    {
        Assert.Empty(HeaderReserve.CreatePadding(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeaderReserve.CreatePadding(HeaderReserve.MinimumBytes - 1));
        Assert.Equal(HeaderReserve.MinimumBytes, HeaderReserve.Normalize(1));
        Assert.Equal(0, HeaderReserve.Normalize(0));
        Assert.Equal(5000, HeaderReserve.Normalize(5000));
        Assert.False(HeaderReserve.CanFill(HeaderReserve.MinimumBytes - 1));
        Assert.True(HeaderReserve.CanFill(0));
    }

    [Fact]
    public void Default_policy_reserves_only_from_one_MiB()
    {
        Assert.Equal(0, HeaderReserve.ForPlaintextLength(HeaderReserve.Threshold - 1));
        Assert.Equal(HeaderReserve.DefaultBytes, HeaderReserve.ForPlaintextLength(HeaderReserve.Threshold));
    }

    [Fact]
    public void Encryption_with_a_reserve_grows_the_header_by_exactly_that_and_still_decrypts()
    {
        using var dir = new TempDir();
        using var key = new TestKey("k1");
        var plain = FilesSupport.Random(10_000);
        var src = dir.Write("p", plain);
        FilesSupport.EncryptFile(src, dir.File("none"), [key.Keyring], reserve: 0);
        FilesSupport.EncryptFile(src, dir.File("some"), [key.Keyring], reserve: 4096);

        Assert.Equal(FilesSupport.HeaderLength(dir.File("none")) + 4096, FilesSupport.HeaderLength(dir.File("some")));
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(dir.File("some"), [key.Keyring]));

        var info = EncryptedFileInfo.Read(dir.File("some"));
        Assert.Equal(4096, info.HeaderReserve);
        Assert.Single(info.EncryptedDataKeys); // the padding is not a key
        Assert.Equal(0, EncryptedFileInfo.Read(dir.File("none")).HeaderReserve);
    }

    [Fact]
    public void Padding_never_appears_in_a_no_decryptable_key_error()
    {
        using var dir = new TempDir();
        using var key = new TestKey("k1");
        using var other = new TestKey("other");
        var src = dir.Write("p", FilesSupport.Random(100));
        FilesSupport.EncryptFile(src, dir.File("c"), [key.Keyring], reserve: 500);
        var ex = Assert.Throws<NoDecryptableKeyException>(() => FilesSupport.DecryptFileToBytes(dir.File("c"), [other.Keyring]));
        Assert.Single(ex.Failures);
        Assert.DoesNotContain(HeaderReserve.ProviderId, ex.Message);
    }

    [Fact]
    public void A_reserved_header_is_tamper_evident_like_any_other_field()
    {
        using var dir = new TempDir();
        using var key = new TestKey("k1");
        var src = dir.Write("p", FilesSupport.Random(100));
        var c = FilesSupport.EncryptFile(src, dir.File("c"), [key.Keyring], reserve: 500);
        var bytes = File.ReadAllBytes(c);
        var header = FileCrypto.ReadHeader(c);
        bytes[header.TotalLength - 16 - 32 - 5 - 10] ^= 1; // inside the padding ciphertext (before content type, frame length, commit key, tag)
        File.WriteAllBytes(c, bytes);
        Assert.Throws<MessageTamperedException>(() => FilesSupport.DecryptFileToBytes(c, [key.Keyring]));
    }
}
