namespace EncryptionTools.Tests.Engine;

/// <summary>Where a field lies in a message.</summary>
internal readonly record struct Span(int Offset, int Length)
{
    public int End => Offset + Length;
    public byte[] Of(byte[] message) => message[Offset..End];
}

internal sealed record EdkLayout(Span ProviderIdLength, Span ProviderId, Span InfoLength, Span Info, Span CiphertextLength, Span Ciphertext);

internal sealed record FrameLayout(int Start, bool Final, Span? EndMarker, Span SequenceNumber, uint Sequence, Span Iv, Span? ContentLength, Span Content, Span Tag)
{
    public int End => Tag.End;
}

/// <summary>
/// A test-side walk over a v2 framed message, recording every field's offset. It trusts nothing from the
/// engine; it throws on any structural surprise so a layout bug shows as a parse failure here.
/// </summary>
internal sealed class MessageLayout
{
    public required ushort SuiteId { get; init; }
    public required Span MessageId { get; init; }
    public required Span ContextLength { get; init; }
    public required Span Context { get; init; }
    public required Span EdkCount { get; init; }
    public required IReadOnlyList<EdkLayout> Edks { get; init; }
    public required Span ContentType { get; init; }
    public required Span FrameLengthField { get; init; }
    public required uint FrameLength { get; init; }
    public required Span CommitKey { get; init; }
    public required Span HeaderTag { get; init; }
    public required IReadOnlyList<FrameLayout> Frames { get; init; }
    public Span? SignatureLength { get; init; }
    public Span? Signature { get; init; }
    public required int TotalLength { get; init; }

    public int HeaderBodyLength => CommitKey.End;
    public int HeaderLength => HeaderTag.End;
    public int BodyEnd => Frames[^1].End;

    public static MessageLayout Parse(byte[] m)
    {
        var p = 0;
        Span Take(int n)
        {
            if (n < 0 || p + n > m.Length) throw new InvalidDataException($"field of {n} bytes at {p} runs past the end ({m.Length})");
            var s = new Span(p, n);
            p += n;
            return s;
        }
        int U16(out Span s) { s = Take(2); return Spec.ReadU16(m, s.Offset); }
        uint U32(out Span s) { s = Take(4); return Spec.ReadU32(m, s.Offset); }

        if (m[Take(1).Offset] != 2) throw new InvalidDataException("version is not 2");
        var suite = (ushort)U16(out _);
        if (suite is not (Spec.Suite0478 or Spec.Suite0578)) throw new InvalidDataException($"suite {suite:X4}");
        var messageId = Take(32);
        var ctxLen = U16(out var ctxLenSpan);
        var ctx = Take(ctxLen);
        var edkCount = U16(out var edkCountSpan);
        var edks = new List<EdkLayout>();
        for (var i = 0; i < edkCount; i++)
        {
            var pidLen = U16(out var pidLenSpan); var pid = Take(pidLen);
            var infoLen = U16(out var infoLenSpan); var info = Take(infoLen);
            var ctLen = U16(out var ctLenSpan); var ct = Take(ctLen);
            edks.Add(new EdkLayout(pidLenSpan, pid, infoLenSpan, info, ctLenSpan, ct));
        }
        var contentType = Take(1);
        if (m[contentType.Offset] != 2) throw new InvalidDataException("content type is not framed");
        var frameLength = U32(out var frameLenSpan);
        var commit = Take(32);
        var headerTag = Take(16);

        var frames = new List<FrameLayout>();
        for (uint expected = 1; ; expected++)
        {
            var start = p;
            var first = U32(out var firstSpan);
            var final = first == 0xFFFFFFFF;
            Span seqSpan = firstSpan;
            var seq = final ? U32(out seqSpan) : first;
            if (seq != expected) throw new InvalidDataException($"frame {expected} has sequence number {seq}");
            var iv = Take(12);
            Span? lenSpan = null;
            var contentLength = frameLength;
            if (final)
            {
                contentLength = U32(out var ls);
                lenSpan = ls;
                if (contentLength > frameLength) throw new InvalidDataException("final frame longer than the frame length");
            }
            var content = Take(checked((int)contentLength));
            var tag = Take(16);
            frames.Add(new FrameLayout(start, final, final ? firstSpan : null, seqSpan, seq, iv, lenSpan, content, tag));
            if (final) break;
        }

        Span? sigLen = null, sig = null;
        if (suite == Spec.Suite0578)
        {
            var n = U16(out var sl);
            sigLen = sl;
            sig = Take(n);
        }
        if (p != m.Length) throw new InvalidDataException($"{m.Length - p} bytes after the end of the message");
        return new MessageLayout
        {
            SuiteId = suite, MessageId = messageId, ContextLength = ctxLenSpan, Context = ctx, EdkCount = edkCountSpan, Edks = edks,
            ContentType = contentType, FrameLengthField = frameLenSpan, FrameLength = frameLength, CommitKey = commit, HeaderTag = headerTag,
            Frames = frames, SignatureLength = sigLen, Signature = sig, TotalLength = m.Length,
        };
    }
}
