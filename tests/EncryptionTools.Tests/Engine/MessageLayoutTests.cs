using System.Security.Cryptography;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Engine;

/// <summary>A whole engine message read byte by byte, every field at an offset worked out by hand from the spec.</summary>
public class MessageLayoutTests
{
    private static readonly Dictionary<string, string> Context = new() { ["purpose"] = "test", ["ключ"] = "значение" };

    private sealed class Cursor(byte[] m)
    {
        public int Position { get; private set; }

        /// <summary>The next field must start at <paramref name="offset"/>: fields are contiguous and nothing is skipped.</summary>
        public byte[] Field(string name, int offset, int length)
        {
            Assert.True(Position == offset, $"{name}: expected at {offset}, the previous field ended at {Position}");
            Assert.True(offset + length <= m.Length, $"{name}: runs past the end");
            Position = offset + length;
            return m[offset..(offset + length)];
        }

        public void Expect(string name, int offset, string hex) =>
            Assert.Equal(hex.ToLowerInvariant(), Convert.ToHexString(Field(name, offset, hex.Length / 2)).ToLowerInvariant());
    }

    private static (byte[] Message, byte[] Plaintext, byte[] K1, byte[] K2, EncryptResult Result) Encrypt(AlgorithmSuite suite)
    {
        var plaintext = RandomNumberGenerator.GetBytes(250);
        var k1 = RandomNumberGenerator.GetBytes(32);
        var k2 = RandomNumberGenerator.GetBytes(32);
        using var r1 = Crypt.AesKeyring("k1", k1, "layout-ns");
        using var r2 = Crypt.AesKeyring("k2", k2, "layout-ns");
        using var output = new MemoryStream();
        var result = MessageEncryptor.Encrypt(new MemoryStream(plaintext), output, [r1, r2],
            new EncryptOptions { EncryptionContext = Context, FrameLength = 100, Suite = suite });
        return (output.ToArray(), plaintext, k1, k2, result);
    }

    [Fact]
    public void Unsigned_message_fields_sit_at_their_spec_offsets()
    {
        var (m, plaintext, k1, k2, result) = Encrypt(AlgorithmSuite.CommitKey);
        var c = new Cursor(m);
        c.Expect("version", 0, "02");
        c.Expect("suite id", 1, "0478");
        Assert.Equal(result.MessageId, c.Field("message id", 3, 32));
        c.Expect("context length", 35, "002d"); // 2 + (2+7+2+4) + (2+8+2+16) = 45
        var ctx = c.Field("context", 37, 45);
        Assert.Equal(Spec.SerializeContext(Context), ctx);
        c.Expect("edk count", 82, "0002");

        var dataKeys = new List<byte[]>();
        foreach (var (start, name, wrappingKey) in new[] { (84, "k1", k1), (169, "k2", k2) })
        {
            c.Expect("provider id length", start, "0009");
            c.Expect("provider id", start + 2, Convert.ToHexString("layout-ns"u8));
            c.Expect("provider info length", start + 11, "0016"); // name(2) + tag bits(4) + iv length(4) + iv(12)
            var info = c.Field("provider info", start + 13, 22);
            Assert.Equal(Spec.Concat(Spec.Utf8(name), [0, 0, 0, 0x80], [0, 0, 0, 0x0c]), info[..10]);
            c.Expect("edk ciphertext length", start + 35, "0030"); // 32-byte key + 16-byte tag
            var wrapped = c.Field("edk ciphertext", start + 37, 48);
            dataKeys.Add(Spec.AesUnwrap(wrappingKey, info, wrapped, ctx));
        }
        Assert.Equal(dataKeys[0], dataKeys[1]);
        var dataKey = dataKeys[0];

        c.Expect("content type", 254, "02");
        c.Expect("frame length", 255, "00000064");
        Assert.Equal(Spec.CommitKey(dataKey, result.MessageId), c.Field("commitment key", 259, 32));
        var key = Spec.DeriveKey(0x0478, dataKey, result.MessageId);
        Assert.Equal(Spec.HeaderTag(key, m[..291]), c.Field("header tag", 291, 16));

        var recovered = new List<byte>();
        foreach (var (start, seq) in new[] { (307, 1u), (439, 2u) })
        {
            c.Expect($"frame {seq} sequence", start, $"0000000{seq}");
            c.Expect($"frame {seq} iv", start + 4, $"00000000000000000000000{seq}");
            var ct = c.Field($"frame {seq} content", start + 16, 100);
            var tag = c.Field($"frame {seq} tag", start + 116, 16);
            recovered.AddRange(Spec.GcmDecrypt(key, Spec.FrameIv(seq), ct, tag, Spec.FrameAad(result.MessageId, false, seq, 100)));
        }
        c.Expect("end marker", 571, "ffffffff");
        c.Expect("final sequence", 575, "00000003");
        c.Expect("final iv", 579, "000000000000000000000003");
        c.Expect("final length", 591, "00000032");
        var finalCt = c.Field("final content", 595, 50);
        var finalTag = c.Field("final tag", 645, 16);
        recovered.AddRange(Spec.GcmDecrypt(key, Spec.FrameIv(3), finalCt, finalTag, Spec.FrameAad(result.MessageId, true, 3, 50)));
        Assert.Equal(661, c.Position);
        Assert.Equal(661, m.Length);
        Assert.Equal(plaintext, recovered.ToArray());

        var layout = MessageLayout.Parse(m);
        Assert.Equal(307, layout.HeaderLength);
        Assert.Equal(3, layout.Frames.Count);
    }

    [Fact]
    public void Signed_message_adds_the_key_to_the_context_and_a_footer()
    {
        var (m, plaintext, k1, _, result) = Encrypt(AlgorithmSuite.CommitKeyEcdsaP384);
        // The context gains "aws-crypto-public-key" (21 bytes) = base64 of a 49-byte point (68 bytes): 2+21+2+68 = 93 more bytes.
        const int d = 93;
        var c = new Cursor(m);
        c.Expect("version", 0, "02");
        c.Expect("suite id", 1, "0578");
        c.Field("message id", 3, 32);
        c.Expect("context length", 35, "008a"); // 45 + 93 = 138
        var ctx = c.Field("context", 37, 138);
        Assert.Equal(3, Spec.ReadU16(ctx, 0));
        Assert.Equal(21, Spec.ReadU16(ctx, 2));
        Assert.Equal("aws-crypto-public-key"u8.ToArray(), ctx[4..25]); // 'a' sorts before 'p' and before Cyrillic
        Assert.Equal(68, Spec.ReadU16(ctx, 25));
        var publicKey = System.Text.Encoding.ASCII.GetString(ctx[27..95]);
        Assert.Equal(result.EncryptionContext["aws-crypto-public-key"], publicKey);
        c.Expect("edk count", 82 + d, "0002");
        c.Field("edk 1 provider id length", 84 + d, 2);
        c.Field("edk 1 provider id", 86 + d, 9);
        c.Field("edk 1 info length", 95 + d, 2);
        var info = c.Field("edk 1 info", 97 + d, 22);
        c.Field("edk 1 ciphertext length", 119 + d, 2);
        var dataKey = Spec.AesUnwrap(k1, info, c.Field("edk 1 ciphertext", 121 + d, 48), ctx);
        c.Field("edk 2", 169 + d, 85);
        c.Expect("content type", 254 + d, "02");
        c.Expect("frame length", 255 + d, "00000064");
        Assert.Equal(Spec.CommitKey(dataKey, result.MessageId), c.Field("commitment key", 259 + d, 32));
        var key = Spec.DeriveKey(0x0578, dataKey, result.MessageId);
        Assert.Equal(Spec.HeaderTag(key, m[..(291 + d)]), c.Field("header tag", 291 + d, 16));
        c.Field("frames 1 and 2", 307 + d, 264);
        c.Expect("end marker", 571 + d, "ffffffff");
        c.Field("final frame rest", 575 + d, 86);
        var sigLength = Spec.ReadU16(c.Field("signature length", 661 + d, 2), 0);
        Assert.InRange(sigLength, 8, 104); // DER ECDSA P-384: at most 2 + 2 * (2 + 49)
        var signature = c.Field("signature", 663 + d, sigLength);
        Assert.Equal(m.Length, c.Position);
        using var verifier = Spec.ImportCompressedPoint(publicKey);
        Assert.True(verifier.VerifyHash(SHA384.HashData(m[..(661 + d)]), signature, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(m.Length, result.CiphertextLength);
        Assert.Equal(250, plaintext.Length);
    }

    [Fact]
    public void Inspection_reports_the_same_layout()
    {
        var (m, _, _, _, result) = Encrypt(AlgorithmSuite.CommitKey);
        using var dir = new TempDir();
        var info = EncryptedFileInfo.Read(dir.Write("m.enc", m));
        Assert.Equal(307, info.HeaderLength);
        Assert.Equal(250, info.PlaintextLength);
        Assert.Equal(100, info.FrameLength);
        Assert.Equal("0x0478", info.AlgorithmSuiteId);
        Assert.Equal(Convert.ToHexString(result.MessageId).ToLowerInvariant(), info.MessageId);
        Assert.Equal(["k1", "k2"], info.EncryptedDataKeys.Select(k => k.KeyName));
        Assert.All(info.EncryptedDataKeys, k => Assert.Equal("raw-aes", k.Wrapping));
        Assert.Equal(Context.OrderBy(kv => kv.Key), info.EncryptionContext.OrderBy(kv => kv.Key));
    }
}
