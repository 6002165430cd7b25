using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Engine;

/// <summary>
/// The key schedule, header tag, frame AAD and IV checked against values built by hand from the specification.
/// The pinned hex values were computed once with an independent implementation (Python's cryptography package).
/// </summary>
public class KnownAnswerTests
{
    private static readonly byte[] FixedDataKey = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static readonly byte[] FixedMessageId = Convert.FromHexString("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
    private const string PinnedKey0478 = "30f891fcd92a8abe67342e11f1cfacffa92994861fca7075fb36a21f9edbf6ae";
    private const string PinnedKey0578 = "f1c9314c892f401f26fb2fff1e52805b875f89c19258972b0170ceeb9e6e1dd3";
    private const string PinnedCommitKey = "16bbdf5f77e52a6d45b8cad7f30e0bbf69b304b0d51de9d153b822934fd32d47";

    private static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    [Fact]
    public void Derived_keys_match_pinned_values()
    {
        Assert.Equal(PinnedKey0478, Hex(MessageCrypto.DeriveEncryptionKey(AlgorithmSuite.CommitKey, FixedDataKey, FixedMessageId)));
        Assert.Equal(PinnedKey0578, Hex(MessageCrypto.DeriveEncryptionKey(AlgorithmSuite.CommitKeyEcdsaP384, FixedDataKey, FixedMessageId)));
        Assert.Equal(PinnedCommitKey, Hex(MessageCrypto.DeriveCommitKey(AlgorithmSuite.CommitKey, FixedDataKey, FixedMessageId)));
        // The test's own spec model must agree with the independent values too.
        Assert.Equal(PinnedKey0478, Hex(Spec.DeriveKey(Spec.Suite0478, FixedDataKey, FixedMessageId)));
        Assert.Equal(PinnedCommitKey, Hex(Spec.CommitKey(FixedDataKey, FixedMessageId)));
    }

    [Fact]
    public void Key_derivation_uses_suite_id_then_DERIVEKEY_as_info_and_message_id_as_salt()
    {
        for (var i = 0; i < 20; i++)
        {
            var dataKey = RandomNumberGenerator.GetBytes(32);
            var messageId = RandomNumberGenerator.GetBytes(32);
            foreach (var suite in new[] { AlgorithmSuite.CommitKey, AlgorithmSuite.CommitKeyEcdsaP384 })
            {
                byte[] info = [(byte)(suite.Id >> 8), (byte)suite.Id, .. "DERIVEKEY"u8.ToArray()];
                var expected = HKDF.DeriveKey(HashAlgorithmName.SHA512, dataKey, 32, messageId, info);
                Assert.Equal(expected, MessageCrypto.DeriveEncryptionKey(suite, dataKey, messageId));
            }
            var commit = HKDF.DeriveKey(HashAlgorithmName.SHA512, dataKey, 32, messageId, "COMMITKEY"u8.ToArray());
            Assert.Equal(commit, MessageCrypto.DeriveCommitKey(AlgorithmSuite.CommitKey, dataKey, messageId));
            // The commitment key's info has no suite id: both suites commit to the same value.
            Assert.Equal(commit, MessageCrypto.DeriveCommitKey(AlgorithmSuite.CommitKeyEcdsaP384, dataKey, messageId));
            Assert.NotEqual(commit, MessageCrypto.DeriveEncryptionKey(AlgorithmSuite.CommitKey, dataKey, messageId));
        }
    }

    [Fact]
    public void Header_tag_is_gcm_over_empty_plaintext_with_zero_iv_and_header_body_as_aad()
    {
        var key = Convert.FromHexString(PinnedKey0478);
        var body = Spec.Concat([0x02, 0x04, 0x78], FixedMessageId, [0x00, 0x00]);
        Assert.Equal("5f18c45f280c9aec5ffa3e1b3298b95a", Hex(MessageCrypto.HeaderAuthTag(AlgorithmSuite.CommitKey, key, body)));

        for (var i = 0; i < 10; i++)
        {
            var k = RandomNumberGenerator.GetBytes(32);
            var b = RandomNumberGenerator.GetBytes(1 + i * 37);
            var tag = new byte[16];
            using (var gcm = new AesGcm(k, 16)) gcm.Encrypt(new byte[12], Array.Empty<byte>(), Array.Empty<byte>(), tag, b);
            Assert.Equal(tag, MessageCrypto.HeaderAuthTag(AlgorithmSuite.CommitKey, k, b));
            Assert.True(MessageCrypto.VerifyHeader(AlgorithmSuite.CommitKey, k, b, tag));
            var badBody = (byte[])b.Clone();
            badBody[^1] ^= 1;
            Assert.False(MessageCrypto.VerifyHeader(AlgorithmSuite.CommitKey, k, badBody, tag));
            tag[0] ^= 0x80;
            Assert.False(MessageCrypto.VerifyHeader(AlgorithmSuite.CommitKey, k, b, tag));
        }
    }

    [Fact]
    public void Frame_aad_layout_matches_the_spec()
    {
        const string pinned = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
            + "4157534b4d53456e6372797074696f6e436c69656e742046696e616c204672616d65" // "AWSKMSEncryptionClient Final Frame"
            + "00000001" + "0000000000000005";
        var aad = new byte[MessageCrypto.MaxBodyAadLength(AlgorithmSuite.CommitKey)];
        var n = MessageCrypto.BodyAad(FixedMessageId, final: true, 1, 5, aad);
        Assert.Equal(pinned, Hex(aad[..n]));
        Assert.Equal(32 + 34 + 4 + 8, MessageCrypto.MaxBodyAadLength(AlgorithmSuite.CommitKey));

        var cases = new (bool Final, uint Seq, long Length)[]
        {
            (false, 1, 4096), (false, 0x01020304, 1), (false, 0xFFFFFFFE, 0x10000), (true, 7, 0), (true, 0xFFFFFFFE, 16 * 1024 * 1024),
        };
        foreach (var (final, seq, length) in cases)
        {
            var messageId = RandomNumberGenerator.GetBytes(32);
            var expected = Spec.Concat(messageId, final ? "AWSKMSEncryptionClient Final Frame"u8.ToArray() : "AWSKMSEncryptionClient Frame"u8.ToArray(),
                [(byte)(seq >> 24), (byte)(seq >> 16), (byte)(seq >> 8), (byte)seq],
                [0, 0, 0, 0, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length]);
            var buffer = new byte[MessageCrypto.MaxBodyAadLength(AlgorithmSuite.CommitKey)];
            buffer.AsSpan().Fill(0xEE);
            var written = MessageCrypto.BodyAad(messageId, final, seq, length, buffer);
            Assert.Equal(expected, buffer[..written]);
            Assert.Equal(final ? 78 : 72, written);
        }
    }

    [Theory]
    [InlineData(1u, "000000000000000000000001")]
    [InlineData(0x01020304u, "000000000000000001020304")]
    [InlineData(0xFFFFFFFEu, "0000000000000000fffffffe")]
    public void Frame_iv_is_the_sequence_number_left_padded_with_zeros(uint sequence, string expected)
    {
        var iv = new byte[12];
        iv.AsSpan().Fill(0xFF); // must not leak old bytes
        MessageCrypto.FrameIv(sequence, iv);
        Assert.Equal(expected, Hex(iv));
        Assert.Equal(expected, Hex(Spec.FrameIv(sequence)));
    }

    [Fact]
    public void Pinned_hand_built_message_decrypts_in_the_engine()
    {
        var frameCt = Spec.GcmEncrypt(Convert.FromHexString(PinnedKey0478), Spec.FrameIv(1), "hello"u8.ToArray(),
            Spec.FrameAad(FixedMessageId, true, 1, 5));
        Assert.Equal("8017d3c660930ff9a7c5f48028ea747b4282cd2ad4", Hex([.. frameCt.Ciphertext, .. frameCt.Tag]));

        var hand = HandMessage.For("hello"u8.ToArray(), 4096);
        hand.DataKey = FixedDataKey;
        hand.MessageId = FixedMessageId;
        using var keyring = hand.Keyring();
        Assert.Equal("hello"u8.ToArray(), Crypt.Decrypt(hand.Build(), [keyring]));
    }

    /// <summary>Decrypts an engine-written message without the engine: proves what it writes is the spec's format.</summary>
    [Theory]
    [InlineData(Spec.Suite0478, 0, 64)]
    [InlineData(Spec.Suite0478, 1, 64)]
    [InlineData(Spec.Suite0478, 64, 64)]
    [InlineData(Spec.Suite0478, 1000, 64)]
    [InlineData(Spec.Suite0578, 1000, 64)]
    [InlineData(Spec.Suite0578, 0, 1)]
    [InlineData(Spec.Suite0478, 3 * 1024 * 1024 + 5, 65536)]
    public void Engine_output_decrypts_by_hand(ushort suiteId, int size, int frameLength)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);
        var wrappingKey = RandomNumberGenerator.GetBytes(32);
        var context = new Dictionary<string, string> { ["purpose"] = "kat", ["ключ"] = "значение", ["\U0001F600"] = "\uFF5E" };
        using var aes = Crypt.AesKeyring("kat-aes", wrappingKey, "kat-ns");
        using var rsa = TestKeys.RsaEncryptOnly(0, "kat-rsa", "kat-ns");
        var suite = AlgorithmSuite.FromId(suiteId);
        using var output = new MemoryStream();
        var result = MessageEncryptor.Encrypt(new MemoryStream(plaintext), output, [aes, rsa],
            new EncryptOptions { EncryptionContext = context, FrameLength = frameLength, Suite = suite });
        var m = output.ToArray();
        var layout = MessageLayout.Parse(m);

        Assert.Equal(suiteId, layout.SuiteId);
        Assert.Equal(result.MessageId, layout.MessageId.Of(m));
        Assert.Equal(m.Length, result.CiphertextLength);
        var expectedContext = new Dictionary<string, string>(context);
        if (suite.IsSigned)
        {
            var ctx = EncryptionContext.Deserialize(layout.Context.Of(m));
            expectedContext["aws-crypto-public-key"] = ctx["aws-crypto-public-key"];
        }
        var serializedContext = Spec.SerializeContext(expectedContext);
        Assert.Equal(serializedContext, layout.Context.Of(m));

        Assert.Equal(2, layout.Edks.Count);
        Assert.Equal("kat-ns"u8.ToArray(), layout.Edks[0].ProviderId.Of(m));
        var info = layout.Edks[0].Info.Of(m);
        Assert.Equal(Spec.Concat("kat-aes"u8.ToArray(), [0, 0, 0, 128], [0, 0, 0, 12]), info[..^12]);
        var dataKey = Spec.AesUnwrap(wrappingKey, info, layout.Edks[0].Ciphertext.Of(m), serializedContext);
        Assert.Equal(32, dataKey.Length);
        // The RSA EDK: provider info is the key name; the ciphertext is OAEP-SHA256 of the same data key.
        Assert.Equal("kat-rsa"u8.ToArray(), layout.Edks[1].Info.Of(m));
        using (var priv = TestKeys.Import(TestKeys.RsaKey(0), true))
            Assert.Equal(dataKey, priv.Decrypt(layout.Edks[1].Ciphertext.Of(m), RSAEncryptionPadding.OaepSHA256));

        var messageId = layout.MessageId.Of(m);
        Assert.Equal((uint)frameLength, layout.FrameLength);
        Assert.Equal(Spec.CommitKey(dataKey, messageId), layout.CommitKey.Of(m));
        var key = Spec.DeriveKey(suiteId, dataKey, messageId);
        Assert.Equal(Spec.HeaderTag(key, m[..layout.HeaderBodyLength]), layout.HeaderTag.Of(m));

        var recovered = new List<byte>();
        foreach (var f in layout.Frames)
        {
            Assert.Equal(Spec.FrameIv(f.Sequence), f.Iv.Of(m));
            var aad = Spec.FrameAad(messageId, f.Final, f.Sequence, (ulong)f.Content.Length);
            recovered.AddRange(Spec.GcmDecrypt(key, f.Iv.Of(m), f.Content.Of(m), f.Tag.Of(m), aad));
        }
        Assert.Equal(plaintext, recovered.ToArray());
        // Framing per message-body.md: regular frames are full; the final frame holds the rest, a full frame on exact multiples.
        var expectedFrames = size == 0 ? 1 : (size + frameLength - 1) / frameLength;
        Assert.Equal(expectedFrames, layout.Frames.Count);
        Assert.Equal(size == 0 ? 0 : size - (expectedFrames - 1) * frameLength, layout.Frames[^1].Content.Length);

        if (suite.IsSigned)
        {
            using var verifier = Spec.ImportCompressedPoint(expectedContext["aws-crypto-public-key"]);
            Assert.True(verifier.VerifyHash(SHA384.HashData(m[..layout.BodyEnd]), layout.Signature!.Value.Of(m), DSASignatureFormat.Rfc3279DerSequence));
        }
        else
        {
            Assert.Null(layout.Signature);
            Assert.Equal(MessageEncryptor.BodyLength(size, frameLength, suite), m.Length - layout.HeaderLength);
        }
    }

    /// <summary>The engine reads messages it did not write: built here from the spec, including the spec's optional shapes.</summary>
    [Theory]
    [InlineData(Spec.Suite0478, 0, 64, false)]
    [InlineData(Spec.Suite0478, 128, 64, false)]
    [InlineData(Spec.Suite0478, 128, 64, true)] // exact multiple with an empty final frame (the spec's MAY)
    [InlineData(Spec.Suite0478, 64, 64, true)]
    [InlineData(Spec.Suite0478, 1000, 7, false)]
    [InlineData(Spec.Suite0578, 300, 64, true)]
    [InlineData(Spec.Suite0578, 0, 64, false)]
    public void Hand_built_messages_decrypt_in_the_engine(ushort suiteId, int size, uint frameLength, bool emptyFinal)
    {
        var plaintext = RandomNumberGenerator.GetBytes(size);
        var hand = HandMessage.For(plaintext, frameLength, emptyFinal);
        hand.SuiteId = suiteId;
        hand.Context = [new("B", "upper"), new("a", "lower"), new("\uFF5E", "x"), new("\U0001F600", "y")];
        using var keyring = hand.Keyring();
        using var output = new MemoryStream();
        var result = MessageDecryptor.Decrypt(new ChunkedReadStream(new MemoryStream(hand.Build()), 7), output, [keyring]);
        Assert.Equal(plaintext, output.ToArray());
        Assert.Equal(size, result.PlaintextLength);
        Assert.Equal(hand.MessageId, result.Header.MessageId);
        Assert.Equal("upper", result.Header.EncryptionContext["B"]);
        Assert.Equal(suiteId, result.Header.Suite.Id);
    }
}
