using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Files;
using EncryptionTools.Engine.Files;

namespace EncryptionTools.Tests.Engine;

/// <summary>Inputs built to exhaust, confuse or downgrade the reader, and inputs that are not messages at all.</summary>
public class HostileInputTests
{
    /// <summary>A header prefix by hand: version, suite, message id, empty context, then whatever the test appends.</summary>
    private static byte[] Prefix(ushort suite = 0x0478) => Spec.Concat([0x02], Spec.U16(suite), new byte[32], Spec.U16(0));

    /// <summary>One EDK of provider "x" with empty info and ciphertext.</summary>
    private static readonly byte[] TinyEdk = Spec.Concat(Spec.U16(1), [(byte)'x'], Spec.U16(0), Spec.U16(0));

    private static (EncryptionToolsException Error, long Allocated) DecryptMeasured(byte[] input, MessageLimits? limits = null, params Type[] allowed)
    {
        using var keyring = Crypt.AesKeyring();
        var options = new DecryptOptions { Limits = limits ?? MessageLimits.Default };
        void Run() => MessageDecryptor.Decrypt(new MemoryStream(input), Stream.Null, [keyring], options);
        try { Run(); } catch (EncryptionToolsException) { } // warm up, so type loading is not counted
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Must.FailTyped(Run, Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 16))), allowed);
        return (ex, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_short_input_claiming_a_4_GiB_frame_fails_fast_without_allocating_it()
    {
        var input = Spec.Concat(Prefix(), Spec.U16(1), TinyEdk, [0x02], Spec.U32(0xFFFFFFFF));
        Assert.True(input.Length < 60);
        var sw = Stopwatch.StartNew();
        var (ex, allocated) = DecryptMeasured(input, null, typeof(MessageLimitExceededException));
        Assert.Contains("4294967295", ex.Message);
        Assert.True(allocated < 256 * 1024, $"allocated {allocated} bytes for a {input.Length}-byte input");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Frame_length_just_over_the_limit_is_refused_and_at_the_limit_is_read_on()
    {
        var over = Spec.Concat(Prefix(), Spec.U16(1), TinyEdk, [0x02], Spec.U32((uint)MessageLimits.Default.MaxFrameLength + 1));
        DecryptMeasured(over, null, typeof(MessageLimitExceededException));
        // At the limit the header is accepted and reading goes on (here it then runs out of bytes).
        var at = Spec.Concat(Prefix(), Spec.U16(1), TinyEdk, [0x02], Spec.U32((uint)MessageLimits.Default.MaxFrameLength));
        var (_, allocated) = DecryptMeasured(at, null, typeof(MessageTruncatedException));
        Assert.True(allocated < 256 * 1024, $"allocated {allocated} bytes");
        DecryptMeasured(Spec.Concat(Prefix(), Spec.U16(1), TinyEdk, [0x02], Spec.U32(0)), null, typeof(MessageTamperedException));
    }

    [Theory]
    [InlineData(257)]
    [InlineData(0xFFFF)]
    public void Edk_count_above_the_limit_is_refused_before_reading_them(int count)
    {
        var (ex, allocated) = DecryptMeasured(Spec.Concat(Prefix(), Spec.U16(count)), null, typeof(MessageLimitExceededException));
        Assert.Contains(count.ToString(), ex.Message);
        Assert.True(allocated < 256 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Zero_edks_is_refused()
    {
        DecryptMeasured(Spec.Concat(Prefix(), Spec.U16(0), [0x02], Spec.U32(4096), new byte[48]), null, typeof(MessageTamperedException));
    }

    [Fact]
    public void Large_length_fields_in_a_short_input_allocate_little()
    {
        // Context length 65535 with 3 bytes behind it; 256 EDKs whose first field claims 65535 bytes.
        var (_, a1) = DecryptMeasured(Spec.Concat([0x02], Spec.U16(0x0478), new byte[32], Spec.U16(0xFFFF), [1, 2, 3]), null, typeof(MessageTruncatedException));
        var (_, a2) = DecryptMeasured(Spec.Concat(Prefix(), Spec.U16(256), Spec.U16(0xFFFF), [1, 2, 3]), null, typeof(MessageTruncatedException));
        Assert.True(a1 < 512 * 1024 && a2 < 512 * 1024, $"allocated {a1} and {a2} bytes");
    }

    [Fact]
    public void Caller_limits_apply_to_real_messages()
    {
        using var k1 = Crypt.AesKeyring("k1");
        using var k2 = Crypt.AesKeyring("k2");
        var m = Crypt.Encrypt(new byte[5000], [k1, k2], new EncryptOptions { FrameLength = 4096 });
        Must.FailTyped(() => Crypt.Decrypt(m, [k1], new DecryptOptions { Limits = new MessageLimits { MaxFrameLength = 4095 } }), "frame limit", typeof(MessageLimitExceededException));
        Must.FailTyped(() => Crypt.Decrypt(m, [k1], new DecryptOptions { Limits = new MessageLimits { MaxEncryptedDataKeys = 1 } }), "edk limit", typeof(MessageLimitExceededException));
        Assert.Equal(5000, Crypt.Decrypt(m, [k1], new DecryptOptions { Limits = new MessageLimits { MaxFrameLength = 4096, MaxEncryptedDataKeys = 2 } }).Length);
    }

    [Theory]
    [InlineData("0180")]
    [InlineData("01800378")]
    [InlineData("0180037800112233445566778899aabbccddeeff0000")]
    public void Version_1_messages_are_refused_by_name(string hex)
    {
        var ex = Must.FailTyped(() => Crypt.Decrypt(Convert.FromHexString(hex), [Crypt.AesKeyring()]), hex, typeof(UnsupportedMessageFormatException));
        Assert.Contains("version 1", ex.Message);
    }

    public static TheoryData<ushort, string> RefusedSuites => new()
    {
        { 0x0014, "AES_128_GCM_IV12_TAG16_NO_KDF" },
        { 0x0046, "AES_192_GCM_IV12_TAG16_NO_KDF" },
        { 0x0078, "AES_256_GCM_IV12_TAG16_NO_KDF" },
        { 0x0114, "AES_128_GCM_IV12_TAG16_HKDF_SHA256" },
        { 0x0146, "AES_192_GCM_IV12_TAG16_HKDF_SHA256" },
        { 0x0178, "AES_256_GCM_IV12_TAG16_HKDF_SHA256" },
        { 0x0214, "AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256" },
        { 0x0346, "AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384" },
        { 0x0378, "AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384" },
    };

    [Theory]
    [MemberData(nameof(RefusedSuites))]
    public void Non_committing_suites_are_refused_by_name(ushort suite, string name)
    {
        using var keyring = Crypt.AesKeyring();
        var m = Crypt.Encrypt([1, 2, 3], [keyring]);
        Spec.U16(suite).CopyTo(m, 1);
        using var dir = new TempDir();
        var ex = Must.FailTyped(() => FileRoute.DecryptFile(dir.Write("m.enc", m), dir.File("out"), [keyring]), name, typeof(UnsupportedMessageFormatException));
        Assert.Contains($"0x{suite:X4}", ex.Message);
        Assert.Contains(name, ex.Message);
        Assert.Equal(["m.enc"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(0x0479)]
    [InlineData(0x0000)]
    [InlineData(0xFFFF)]
    public void Unknown_suites_are_not_messages(ushort suite)
    {
        using var keyring = Crypt.AesKeyring();
        var m = Crypt.Encrypt([1], [keyring]);
        Spec.U16(suite).CopyTo(m, 1);
        Must.FailTyped(() => Crypt.Decrypt(m, [keyring]), $"{suite:X4}", typeof(NotAnEncryptedMessageException));
    }

    [Fact]
    public void Unframed_and_unknown_content_types_are_refused()
    {
        var header = Spec.Concat(Prefix(), Spec.U16(1), TinyEdk);
        var ex = DecryptMeasured(Spec.Concat(header, [0x01], Spec.U32(4096), new byte[48])).Error;
        Assert.IsType<UnsupportedMessageFormatException>(ex);
        Assert.Contains("framed", ex.Message);
        Assert.IsType<MessageTamperedException>(DecryptMeasured(Spec.Concat(header, [0x03], Spec.U32(4096), new byte[48])).Error);
    }

    public static TheoryData<string, string> NotMessages => new()
    {
        { "empty", "" },
        { "text", Convert.ToHexString(Encoding.UTF8.GetBytes("Hello, world!\nThis is a plain text file, not a message.\n")) },
        { "zeros", new string('0', 8192) },
        { "png", "89504e470d0a1a0a0000000d49484452" },
        { "zip", "504b0304140000000800" },
        { "utf8 bom text", "efbbbf68656c6c6f" },
        { "one byte 01", "01" },
        { "01 then not 80", "0100" },
        { "random", "7f" + Convert.ToHexString(RandomNumberGenerator.GetBytes(300)) },
    };

    [Theory]
    [MemberData(nameof(NotMessages))]
    public void Files_that_are_not_messages_say_so(string what, string hex)
    {
        var bytes = Convert.FromHexString(hex);
        using var keyring = Crypt.AesKeyring();
        using var dir = new TempDir();
        var src = dir.Write("input.bin", bytes);
        Must.FailTyped(() => FileRoute.DecryptFile(src, dir.File("out.bin"), [keyring]), what, typeof(NotAnEncryptedMessageException));
        Assert.Equal(["input.bin"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Must.FailTyped(() => FileCrypto.ReadHeader(src), what, typeof(NotAnEncryptedMessageException));
        Must.FailTyped(() => Crypt.Decrypt(bytes, [keyring]), what, typeof(NotAnEncryptedMessageException));
    }

    private static byte[] SignedWith(Action<HandMessage> change, out HandMessage hand)
    {
        hand = HandMessage.For(RandomNumberGenerator.GetBytes(100), 64);
        hand.SuiteId = Spec.Suite0578;
        hand.Signer = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        change(hand);
        return hand.Build();
    }

    public static TheoryData<string> BadSigningKeys => new() { "missing", "not base64", "x >= p", "uncompressed prefix", "P-256 sized", "other key" };

    /// <summary>Correctly authenticated signed messages whose verification key is absent, malformed or someone else's.</summary>
    [Theory]
    [MemberData(nameof(BadSigningKeys))]
    public void Signed_messages_with_a_bad_verification_key_are_refused(string kind)
    {
        var m = SignedWith(h => h.PublicKeyEntry = kind switch
        {
            "missing" => "",
            "not base64" => "!!not-base64!!",
            "x >= p" => Convert.ToBase64String([0x02, .. Enumerable.Repeat((byte)0xFF, 48)]),
            "uncompressed prefix" => Convert.ToBase64String([0x04, .. Convert.FromBase64String(Spec.CompressedPoint(h.Signer!))[1..]]),
            "P-256 sized" => Convert.ToBase64String(Convert.FromBase64String(Spec.CompressedPoint(h.Signer!))[..33]),
            _ => Spec.CompressedPoint(ECDsa.Create(ECCurve.NamedCurves.nistP384)),
        }, out var hand);
        using var keyring = hand.Keyring();
        using var output = new MemoryStream();
        Must.FailTyped(() => MessageDecryptor.Decrypt(new MemoryStream(m), output, [keyring]), kind, typeof(MessageTamperedException));
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public void Hand_built_signed_message_with_a_good_key_decrypts()
    {
        var m = SignedWith(_ => { }, out var hand);
        using var keyring = hand.Keyring();
        Assert.Equal(hand.Frames.SelectMany(f => f.Plaintext), Crypt.Decrypt(m, [keyring]));
    }
}
