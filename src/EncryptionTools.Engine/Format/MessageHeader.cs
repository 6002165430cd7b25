using System.Buffers.Binary;
using System.Text;

namespace EncryptionTools.Engine.Format;

/// <summary>
/// The v2 header (message-header.md, "Header Body Version 2.0" and "Header Authentication Version 2.0").
/// <see cref="BodyBytes"/> keeps the exact bytes read or written: authentication is over them, not a re-serialization.
/// </summary>
public sealed class MessageHeader
{
    public const byte Version2 = 0x02;
    public const byte ContentTypeFramed = 0x02;
    public const byte ContentTypeNonFramed = 0x01;

    public required AlgorithmSuite Suite { get; init; }
    public required byte[] MessageId { get; init; }
    public required IReadOnlyDictionary<string, string> EncryptionContext { get; init; }
    public required IReadOnlyList<EncryptedDataKey> EncryptedDataKeys { get; init; }
    public required int FrameLength { get; init; }
    /// <summary>The commitment key (algorithm suite data).</summary>
    public required byte[] CommitKey { get; init; }
    /// <summary>The serialized header body, exactly as on the wire.</summary>
    public required byte[] BodyBytes { get; init; }
    /// <summary>The header authentication tag.</summary>
    public required byte[] AuthTag { get; init; }

    /// <summary>Header body plus authentication: the length of the header on disk.</summary>
    public int TotalLength => BodyBytes.Length + AuthTag.Length;

    /// <summary>Serializes a header body (everything but the authentication tag).</summary>
    public static byte[] SerializeBody(AlgorithmSuite suite, ReadOnlySpan<byte> messageId,
        IReadOnlyDictionary<string, string> context, IReadOnlyList<EncryptedDataKey> edks, int frameLength, ReadOnlySpan<byte> commitKey)
    {
        if (edks.Count is 0 or > ushort.MaxValue)
            throw new ArgumentException("A message needs between 1 and 65535 encrypted data keys.", nameof(edks));
        var ctx = Format.EncryptionContext.Serialize(context);
        using var ms = new MemoryStream();
        ms.WriteByte(Version2);
        WriteUInt16(ms, suite.Id);
        ms.Write(messageId);
        WriteUInt16(ms, (ushort)ctx.Length);
        ms.Write(ctx);
        WriteUInt16(ms, (ushort)edks.Count);
        foreach (var edk in edks)
        {
            WriteBlob(ms, Encoding.UTF8.GetBytes(edk.ProviderId));
            WriteBlob(ms, edk.ProviderInfo);
            WriteBlob(ms, edk.Ciphertext);
        }
        ms.WriteByte(ContentTypeFramed);
        Span<byte> u32 = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(u32, (uint)frameLength);
        ms.Write(u32);
        ms.Write(commitKey);
        return ms.ToArray();
    }

    /// <summary>
    /// Reads a header from the stream. Every length is checked against the limits before it is used,
    /// and the first bytes are checked so a file that is not a message says so.
    /// </summary>
    public static MessageHeader Read(Stream input, MessageLimits? limits = null)
    {
        limits ??= MessageLimits.Default;
        var reader = new RecordingReader(input, limits.MaxHeaderLength);

        var first = reader.ReadByteOrEof();
        if (first < 0) throw new NotAnEncryptedMessageException("The input is empty: it is not an AWS Encryption SDK message.");
        if (first == 0x01)
        {
            var second = reader.ReadByteOrEof();
            if (second == 0x80)
                throw new UnsupportedMessageFormatException(
                    "This is an AWS Encryption SDK message in format version 1, which has no key commitment. " +
                    "Only format version 2 with a committing suite is accepted; re-encrypt it with a current SDK or with Protect-File.");
            throw NotAMessage();
        }
        if (first != Version2) throw NotAMessage();

        var suiteId = reader.ReadUInt16("algorithm suite id");
        AlgorithmSuite suite;
        try { suite = AlgorithmSuite.FromId(suiteId); }
        catch (NotAnEncryptedMessageException) { throw NotAMessage(); }

        var messageId = reader.ReadBytes(suite.MessageIdLength, "message id");

        var ctxLength = reader.ReadUInt16("encryption context length");
        var ctxBytes = reader.ReadBytes(ctxLength, "encryption context");
        var context = Format.EncryptionContext.Deserialize(ctxBytes);

        var edkCount = reader.ReadUInt16("encrypted data key count");
        if (edkCount == 0) throw new MessageTamperedException("The message header declares no encrypted data keys.");
        if (edkCount > limits.MaxEncryptedDataKeys)
            throw new MessageLimitExceededException(
                $"The message has {edkCount} encrypted data keys; at most {limits.MaxEncryptedDataKeys} are accepted.");
        var edks = new List<EncryptedDataKey>(edkCount);
        reader.EdkCount = edkCount;
        for (var i = 0; i < edkCount; i++)
        {
            reader.EdkIndex = i + 1;
            var providerIdBytes = reader.ReadBytes(reader.ReadUInt16("key provider id length"), "key provider id");
            string providerId;
            try { providerId = new UTF8Encoding(false, true).GetString(providerIdBytes); }
            catch (DecoderFallbackException) { throw new MessageTamperedException("An encrypted data key's provider id is not valid UTF-8."); }
            var info = reader.ReadBytes(reader.ReadUInt16("key provider info length"), "key provider info");
            var ciphertext = reader.ReadBytes(reader.ReadUInt16("encrypted data key length"), "encrypted data key");
            edks.Add(new EncryptedDataKey(providerId, info, ciphertext));
        }
        reader.EdkIndex = 0;

        var contentType = reader.ReadByte("content type");
        if (contentType == ContentTypeNonFramed)
            throw new UnsupportedMessageFormatException("The message body is not framed; only framed messages are accepted.");
        if (contentType != ContentTypeFramed)
            throw new MessageTamperedException($"The message header has an unknown content type 0x{contentType:X2}.");

        var frameLength = reader.ReadUInt32("frame length");
        if (frameLength == 0)
            throw new MessageTamperedException("The message header declares a frame length of zero.");
        if (frameLength > (uint)limits.MaxFrameLength)
            throw new MessageLimitExceededException(
                $"The message's frame length is {frameLength} bytes; at most {limits.MaxFrameLength} are accepted.");

        var commitKey = reader.ReadBytes(suite.SuiteDataLength, "algorithm suite data");
        var body = reader.Recorded();
        var tag = reader.ReadBytes(suite.TagLength, "header authentication tag");

        return new MessageHeader
        {
            Suite = suite,
            MessageId = messageId,
            EncryptionContext = context,
            EncryptedDataKeys = edks,
            FrameLength = (int)frameLength,
            CommitKey = commitKey,
            BodyBytes = body,
            AuthTag = tag,
        };

        static NotAnEncryptedMessageException NotAMessage() =>
            new("The input is not an AWS Encryption SDK message (its first bytes are not a version 2 message header).");
    }

    private static void WriteUInt16(Stream s, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        s.Write(b);
    }

    private static void WriteBlob(Stream s, byte[] blob)
    {
        if (blob.Length > ushort.MaxValue) throw new ArgumentException("A header field is longer than 65535 bytes.");
        WriteUInt16(s, (ushort)blob.Length);
        s.Write(blob);
    }

    /// <summary>Reads exact byte counts and keeps a copy of the header body for authentication.</summary>
    private sealed class RecordingReader(Stream input, int maxLength)
    {
        // The fields read, in order: the body is assembled from them once at the end, so a header costs about twice
        // its size in memory (its fields and its body), not the growth copies of a buffer that records as it goes.
        private readonly List<byte[]> _segments = [];
        private long _length;

        public int EdkCount { get; set; }
        public int EdkIndex { get; set; }

        public int ReadByteOrEof()
        {
            var b = input.ReadByte();
            if (b >= 0) Add([(byte)b]);
            return b;
        }

        public byte ReadByte(string field) => ReadBytes(1, field)[0];

        public ushort ReadUInt16(string field) => BinaryPrimitives.ReadUInt16BigEndian(ReadBytes(2, field));

        public uint ReadUInt32(string field) => BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(4, field));

        public byte[] ReadBytes(int count, string field)
        {
            // count is at most 65535 here: every variable field has a 16-bit length. The header's size is checked
            // before each field is read, so a hostile header costs at most the limit, never its declared size.
            if (_length + count > maxLength)
                throw new MessageLimitExceededException(
                    $"The message header is larger than the limit of {maxLength} bytes (reached while reading the {field}"
                    + (EdkIndex > 0 ? $" of encrypted data key {EdkIndex} of {EdkCount}" : "")
                    + $"). If the file is legitimate, raise the limit with {MessageLimits.MaxHeaderSizeVariable}.");
            var buffer = count == 0 ? [] : new byte[count];
            var read = input.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
            if (read < count)
                throw new MessageTruncatedException($"The message ends inside its header (while reading the {field}).");
            Add(buffer);
            return buffer;
        }

        private void Add(byte[] segment)
        {
            _segments.Add(segment);
            _length += segment.Length;
        }

        public byte[] Recorded()
        {
            var body = new byte[_length];
            var offset = 0;
            foreach (var segment in _segments)
            {
                segment.CopyTo(body, offset);
                offset += segment.Length;
            }
            return body;
        }
    }
}
