using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Engine;

/// <summary>Every alteration of a message must fail with a typed error, and never release plaintext it could not vouch for.</summary>
public class TamperTests
{
    private static readonly Dictionary<string, string> TwoPairs = new() { ["purpose"] = "tamper", ["owner"] = "ünïcødé" };

    private sealed class Fixture : IDisposable
    {
        public required byte[] Plaintext { get; init; }
        public required byte[] Message { get; init; }
        public required MessageLayout Layout { get; init; }
        public required RawAesKeyring[] Keyrings { get; init; }
        public void Dispose() { foreach (var k in Keyrings) k.Dispose(); }
    }

    private static Fixture Make(int size, int frameLength, bool signed = false, int keyCount = 2, Dictionary<string, string>? context = null)
    {
        var keyrings = Enumerable.Range(1, keyCount).Select(i => Crypt.AesKeyring($"key-{i}")).ToArray();
        var plaintext = RandomNumberGenerator.GetBytes(size);
        var message = Crypt.Encrypt(plaintext, keyrings, new EncryptOptions
        {
            EncryptionContext = context ?? TwoPairs, FrameLength = frameLength,
            Suite = signed ? AlgorithmSuite.CommitKeyEcdsaP384 : AlgorithmSuite.CommitKey,
        });
        return new Fixture { Plaintext = plaintext, Message = message, Layout = MessageLayout.Parse(message), Keyrings = keyrings };
    }

    /// <summary>Decrypts through the stream API and returns the error plus whatever plaintext was released.</summary>
    private static (EncryptionToolsException Error, byte[] Released) Fail(byte[] message, IReadOnlyList<IKeyring> keyrings, string what, params Type[] allowed)
    {
        using var output = new MemoryStream();
        var ex = Must.FailTyped(() => MessageDecryptor.Decrypt(new MemoryStream(message), output, keyrings), what, allowed);
        return (ex, output.ToArray());
    }

    private static byte[] Flip(byte[] m, int index, int bit)
    {
        var t = (byte[])m.Clone();
        t[index] ^= (byte)(1 << bit);
        return t;
    }

    private static void AssertPrefixOnly(byte[] released, byte[] plaintext, string what)
    {
        Assert.True(released.Length < plaintext.Length || plaintext.Length == 0, $"{what}: all {plaintext.Length} plaintext bytes were released");
        Assert.True(plaintext.AsSpan(0, released.Length).SequenceEqual(released), $"{what}: released bytes are not a prefix of the plaintext");
    }

    [Fact]
    public void Every_header_bit_flip_fails_typed_before_any_plaintext()
    {
        using var f = Make(10, 4096);
        var l = f.Layout;
        Assert.Equal(2, l.Edks.Count);
        var seen = new Dictionary<Type, int>();
        for (var i = 0; i < l.HeaderLength; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var what = $"header byte {i} bit {bit}";
                var (ex, released) = Fail(Flip(f.Message, i, bit), f.Keyrings, what);
                Assert.Empty(released);
                seen[ex.GetType()] = seen.GetValueOrDefault(ex.GetType()) + 1;

                // Where the outcome is fixed by the spec, pin it.
                if (i == 0) Assert.IsType<NotAnEncryptedMessageException>(ex);
                else if (i >= l.MessageId.Offset && i < l.MessageId.End) Assert.IsType<MessageTamperedException>(ex);
                else if (i >= l.CommitKey.Offset && i < l.HeaderTag.End) Assert.IsType<MessageTamperedException>(ex);
                else if (i >= l.Edks[0].Ciphertext.Offset && i < l.Edks[0].Ciphertext.End) Assert.IsType<MessageTamperedException>(ex);
                else if (i >= l.ContentType.Offset && i < l.ContentType.End) Assert.IsType<MessageTamperedException>(ex);
            }
        }
        // A flip in the context changes both EDKs' wrapping AAD: neither unwraps.
        var ctxValueByte = l.Context.End - 1;
        var (ctxError, _) = Fail(Flip(f.Message, ctxValueByte, 0), f.Keyrings, "context value", typeof(NoDecryptableKeyException));
        Assert.Equal(2, ((NoDecryptableKeyException)ctxError).Failures.Count);
        Assert.All(((NoDecryptableKeyException)ctxError).Failures, x => Assert.Equal(EdkFailureKind.WrongKey, x.Kind));
        // 0x0478 -> 0x0078 names the refused suite; 0x0478 -> 0x0578 fails the header tag (the suite id is in the key's info).
        Assert.Contains("0x0078", Fail(Flip(f.Message, 1, 2), f.Keyrings, "suite", typeof(UnsupportedMessageFormatException)).Error.Message);
        Fail(Flip(f.Message, 1, 0), f.Keyrings, "suite", typeof(MessageTamperedException));
        Assert.True(seen.Count >= 4, "flips exercised several failure kinds: " + string.Join(", ", seen.Select(kv => $"{kv.Key.Name}={kv.Value}")));
    }

    private static bool InStructuralField(FrameLayout f, int i) =>
        (i >= f.SequenceNumber.Offset && i < f.SequenceNumber.End)
        || (f.EndMarker is { } e && i >= e.Offset && i < e.End)
        || (f.ContentLength is { } c && i >= c.Offset && i < c.End);

    /// <summary>
    /// Every bit of every sequence number, end marker and final length field, and one (rotating) bit of every
    /// IV, content and tag byte: each decryption allocates the engine's 1 MiB batches, so all bits everywhere is slow.
    /// </summary>
    [Fact]
    public void Body_bit_flips_fail_typed()
    {
        using var f = Make(64 * 4 + 10, 64);
        var l = f.Layout;
        Assert.Equal(5, l.Frames.Count);
        var flips = 0;
        for (var i = l.HeaderLength; i < f.Message.Length; i++)
        {
            var frame = l.Frames.Single(x => i >= x.Start && i < x.End);
            var inLengthField = frame.ContentLength is { } cl && i >= cl.Offset && i < cl.End;
            foreach (var bit in InStructuralField(frame, i) ? Enumerable.Range(0, 8) : [i % 8])
            {
                var what = $"body byte {i} bit {bit} (frame {frame.Sequence})";
                var (ex, released) = Fail(Flip(f.Message, i, bit), f.Keyrings, what,
                    inLengthField ? [typeof(MessageTamperedException), typeof(MessageTruncatedException)] : [typeof(MessageTamperedException)]);
                AssertPrefixOnly(released, f.Plaintext, what);
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                flips++;
            }
        }
        Assert.True(flips > 600, $"{flips} flips");
    }

    [Fact]
    public void Signed_message_signature_and_a_body_sample_fail_typed()
    {
        using var f = Make(64 * 3 + 5, 64, signed: true);
        var l = f.Layout;
        var sig = l.Signature!.Value;
        for (var i = l.SignatureLength!.Value.Offset; i < sig.End; i++)
        {
            // All bits of the length field and the DER header (SEQUENCE tag, its length, first INTEGER tag); one bit elsewhere.
            foreach (var bit in i < sig.Offset + 3 ? Enumerable.Range(0, 8) : [i % 8])
            {
                var (_, released) = Fail(Flip(f.Message, i, bit), f.Keyrings, $"signature byte {i} bit {bit}",
                    typeof(MessageTamperedException), typeof(MessageTruncatedException));
                // The final frame is withheld until the signature verifies.
                AssertPrefixOnly(released, f.Plaintext, $"signature byte {i}");
            }
        }
        for (var i = l.HeaderLength; i < l.BodyEnd; i += 5)
        {
            var (_, released) = Fail(Flip(f.Message, i, i % 8), f.Keyrings, $"signed body byte {i}",
                typeof(MessageTamperedException), typeof(MessageTruncatedException));
            AssertPrefixOnly(released, f.Plaintext, $"signed body byte {i}");
        }
        // Well-formed signatures that verify, but over other bytes; and an empty one.
        var other = Crypt.Encrypt(f.Plaintext, f.Keyrings, new EncryptOptions { FrameLength = 64, Suite = AlgorithmSuite.CommitKeyEcdsaP384, EncryptionContext = TwoPairs });
        Fail(Spec.Concat(f.Message[..l.BodyEnd], other[MessageLayout.Parse(other).BodyEnd..]), f.Keyrings, "foreign signature", typeof(MessageTamperedException));
        Fail(Spec.Concat(f.Message[..l.BodyEnd], [0, 0]), f.Keyrings, "empty signature", typeof(MessageTamperedException));
    }

    /// <summary>Every offset in the header (cheap to parse), at and around every frame boundary, and every fifth elsewhere.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncations_fail_as_truncated(bool signed)
    {
        using var f = Make(64 * 3 + 5, 64, signed);
        var l = f.Layout;
        Fail([], f.Keyrings, "empty", typeof(NotAnEncryptedMessageException));
        var cuts = Enumerable.Range(1, l.HeaderLength)
            .Concat(l.Frames.SelectMany(x => new[] { x.Start, x.Start + 1, x.End - 1, x.End }))
            .Concat(Enumerable.Range(l.HeaderLength, f.Message.Length - l.HeaderLength).Where(n => n % 5 == 0))
            .Concat(l.SignatureLength is { } s ? [s.Offset + 1, s.End, f.Message.Length - 1] : [])
            .Where(n => n < f.Message.Length).Distinct().Order().ToList();
        foreach (var n in cuts)
        {
            var (ex, released) = Fail(f.Message[..n], f.Keyrings, $"cut at {n}", typeof(MessageTruncatedException));
            AssertPrefixOnly(released, f.Plaintext, $"cut at {n}");
            Assert.Contains("trunc", ex.Message + ex.ErrorId, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Truncation_at_every_frame_boundary_of_a_multi_batch_message()
    {
        // 4096-byte frames: 256 per 1 MiB batch, so earlier batches are released before the cut is found.
        using var f = Make(1024 * 1024 + 300 * 1024 + 7, 4096, keyCount: 1);
        var boundaries = f.Layout.Frames.Select(x => x.Start).Append(f.Layout.BodyEnd - 1).ToList();
        Assert.True(boundaries.Count > 300);
        foreach (var n in boundaries)
        {
            var (_, released) = Fail(f.Message[..n], f.Keyrings, $"cut at {n}", typeof(MessageTruncatedException));
            AssertPrefixOnly(released, f.Plaintext, $"cut at {n}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trailing_bytes_are_refused(bool signed)
    {
        using var f = Make(200, 64, signed);
        foreach (var extra in new[] { new byte[] { 0 }, RandomNumberGenerator.GetBytes(16), f.Message })
        {
            var (_, released) = Fail([.. f.Message, .. extra], f.Keyrings, $"{extra.Length} extra bytes", typeof(MessageTamperedException));
            AssertPrefixOnly(released, f.Plaintext, "extended");
        }
    }

    private static byte[] Splice(byte[] m, params (int Start, int End)[] pieces) => pieces.SelectMany(p => m[p.Start..p.End]).ToArray();

    private static byte[] WithSequence(byte[] frame, uint seq)
    {
        var t = (byte[])frame.Clone();
        Spec.U32(seq).CopyTo(t, 0);
        return t;
    }

    [Fact]
    public void Reordered_removed_and_duplicated_frames_are_refused()
    {
        using var f = Make(64 * 4 + 10, 64);
        var m = f.Message;
        var fr = f.Layout.Frames;
        var header = (0, f.Layout.HeaderLength);
        (int, int) F(int i) => (fr[i].Start, fr[i].End);
        byte[] Bytes(int i) => m[fr[i].Start..fr[i].End];

        var cases = new Dictionary<string, byte[]>
        {
            ["swap 1 and 2"] = Splice(m, header, F(1), F(0), F(2), F(3), F(4)),
            // Renumbered so the sequence check passes: the IV and AAD still bind each frame to its place.
            ["swap 1 and 2, renumbered"] = Spec.Concat(m[..f.Layout.HeaderLength], WithSequence(Bytes(1), 1), WithSequence(Bytes(0), 2), Bytes(2), Bytes(3), Bytes(4)),
            ["remove 2"] = Splice(m, header, F(0), F(2), F(3), F(4)),
            ["remove 2, renumbered"] = Spec.Concat(m[..f.Layout.HeaderLength], Bytes(0), WithSequence(Bytes(2), 2), WithSequence(Bytes(3), 3), Spec.U32(0xFFFFFFFF), Spec.U32(4), m[(fr[4].Start + 8)..fr[4].End]),
            ["remove last regular"] = Splice(m, header, F(0), F(1), F(2), F(4)),
            ["duplicate 2"] = Splice(m, header, F(0), F(1), F(1), F(2), F(3), F(4)),
            ["duplicate final"] = Splice(m, header, F(0), F(1), F(2), F(3), F(4), F(4)),
            ["final moved first"] = Splice(m, header, F(4), F(0), F(1), F(2), F(3)),
        };
        foreach (var (what, tampered) in cases)
        {
            var (_, released) = Fail(tampered, f.Keyrings, what, typeof(MessageTamperedException));
            AssertPrefixOnly(released, f.Plaintext, what);
        }
        Fail(Splice(m, header, F(0), F(1), F(2), F(3)), f.Keyrings, "final frame removed", typeof(MessageTruncatedException));
        Fail(Splice(m, header), f.Keyrings, "no frames", typeof(MessageTruncatedException));
    }

    [Fact]
    public void A_frame_from_another_message_under_the_same_key_is_refused()
    {
        using var keyring = Crypt.AesKeyring();
        var plaintext = RandomNumberGenerator.GetBytes(64 * 3 + 1);
        var options = new EncryptOptions { FrameLength = 64, EncryptionContext = TwoPairs };
        var a = Crypt.Encrypt(plaintext, [keyring], options);
        var b = Crypt.Encrypt(plaintext, [keyring], options);
        var la = MessageLayout.Parse(a);
        var lb = MessageLayout.Parse(b);
        Assert.Equal(la.HeaderLength, lb.HeaderLength);
        for (var i = 0; i < la.Frames.Count; i++)
        {
            var mixed = Spec.Concat(a[..la.Frames[i].Start], b[lb.Frames[i].Start..lb.Frames[i].End], a[la.Frames[i].End..]);
            Assert.Equal(a.Length, mixed.Length);
            var (_, released) = Fail(mixed, [keyring], $"frame {i + 1} from another message", typeof(MessageTamperedException));
            AssertPrefixOnly(released, plaintext, "swapped");
        }
        // The other message's header with this body: the message id binds every frame.
        Fail(Spec.Concat(b[..lb.HeaderLength], a[la.HeaderLength..]), [keyring], "header from another message", typeof(MessageTamperedException));
    }

    [Fact]
    public void Final_frame_length_above_the_frame_length_is_refused()
    {
        using var f = Make(64 * 2 + 10, 64);
        var final = f.Layout.Frames[^1];
        var t = (byte[])f.Message.Clone();
        Spec.U32(65).CopyTo(t, final.ContentLength!.Value.Offset);
        Assert.Contains("65", Fail(t, f.Keyrings, "final length 65", typeof(MessageTamperedException)).Error.Message);
        Spec.U32(uint.MaxValue).CopyTo(t, final.ContentLength!.Value.Offset);
        Fail(t, f.Keyrings, "final length 2^32-1", typeof(MessageTamperedException));

        // Correctly authenticated, yet longer than the header allows: refused on structure alone.
        var hand = new HandMessage { FrameLength = 64 };
        hand.Frames.Add(new HandFrame(1, true, RandomNumberGenerator.GetBytes(65)));
        using var keyring = hand.Keyring();
        Fail(hand.Build(), [keyring], "authenticated long final frame", typeof(MessageTamperedException));
    }

    [Fact]
    public void Authenticated_but_misnumbered_frames_are_refused()
    {
        var data = RandomNumberGenerator.GetBytes(64 * 3);
        HandMessage Build(params HandFrame[] frames)
        {
            var h = new HandMessage { FrameLength = 64 };
            h.Frames.AddRange(frames);
            return h;
        }
        var cases = new Dictionary<string, HandMessage>
        {
            ["starts at 0"] = Build(new(0, false, data[..64]), new(1, true, data[64..])),
            ["starts at 2"] = Build(new(2, false, data[..64]), new(3, true, data[64..])),
            ["gap"] = Build(new(1, false, data[..64]), new(3, true, data[64..128])),
            ["repeat"] = Build(new(1, false, data[..64]), new(1, false, data[64..128]), new(2, true, [])),
            ["short regular frame"] = Build(new(1, false, data[..63]), new(2, true, [])),
        };
        foreach (var (what, hand) in cases)
        {
            using var keyring = hand.Keyring();
            Fail(hand.Build(), [keyring], what, typeof(MessageTamperedException), typeof(MessageTruncatedException));
        }
    }

    /// <summary>
    /// A bad frame in a multi-batch message is found while later frames are still being read: the error must still
    /// be the tampering, not a cancellation of the pipeline.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(300)]
    [InlineData(-1)]
    public void A_bad_frame_in_a_large_message_reports_tampering(int frameIndex)
    {
        using var f = Make(3 * 1024 * 1024 + 11, 4096, keyCount: 1);
        var frame = f.Layout.Frames[frameIndex < 0 ? f.Layout.Frames.Count - 1 : frameIndex];
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var (ex, released) = Fail(Flip(f.Message, frame.Content.Offset + attempt, 3), f.Keyrings, $"frame {frame.Sequence}", typeof(MessageTamperedException));
            Assert.Contains($"Frame {frame.Sequence}", ex.Message);
            AssertPrefixOnly(released, f.Plaintext, $"frame {frame.Sequence}");
            Assert.True(released.Length <= (frame.Sequence - 1) * 4096L, "plaintext at or after the bad frame was released");
        }
    }
}
