using System.Buffers.Binary;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using Microsoft.Win32.SafeHandles;

namespace EncryptionTools.Engine.Files;

/// <summary>What the first bytes of a file say it is.</summary>
internal enum MessageKind
{
    /// <summary>Not an AWS Encryption SDK message (including empty files).</summary>
    NotAMessage,
    /// <summary>An ESDK message in format version 1 (its suites do not commit to the key). We read none of these.</summary>
    EsdkV1,
    /// <summary>A version 2 header naming a non-committing suite (no SDK writes this; reported, never read).</summary>
    NonCommitting,
    /// <summary>A version 2 message with a committing suite (0x0478 or 0x0578) whose header parses; the header is attached.</summary>
    Committing,
    /// <summary>Starts like a version 2 committing message but its header does not parse (truncated or damaged).</summary>
    Malformed,
    /// <summary>The file could not be read (permissions, I/O error, vanished during the scan).</summary>
    Unreadable,
}

/// <summary>The classification of one file by its header, read without any key.</summary>
internal sealed record SniffResult(MessageKind Kind, ushort? SuiteId, MessageHeader? Header, string? Detail)
{
    /// <summary>The suite's name when the kind names one ("unknown" for ids no SDK defines).</summary>
    public string? SuiteName => SuiteId is { } id ? AlgorithmSuite.Describe(id) : null;

    /// <summary>True for anything an ESDK would recognise as its message (v1, v2 either suite kind).</summary>
    public bool IsEncryptedMessage => Kind is MessageKind.EsdkV1 or MessageKind.NonCommitting or MessageKind.Committing;
}

/// <summary>
/// Classifies files by their first bytes: cheap (one open and one read of at most a few KiB for nearly every file),
/// keyless and never throwing for a file's content. A committing header is parsed whole, with the given limits.
/// </summary>
internal static class MessageSniffer
{
    /// <summary>First read: enough for nearly every real header (a few EDKs and a small context) in one call.</summary>
    internal const int PrefixBytes = 4096;
    private static readonly SniffResult NotAMessage = new(MessageKind.NotAMessage, null, null, null);

    /// <summary>Classifies the file at <paramref name="path"/>; I/O failures give <see cref="MessageKind.Unreadable"/>.</summary>
    public static SniffResult SniffFile(string path, MessageLimits? limits = null) => SniffFile(path, -1, limits);

    internal static SniffResult SniffFile(string path, long knownLength, MessageLimits? limits)
    {
        try
        {
            using var handle = OpenForSniff(path);
            if (UnixFile.IsSupported && UnixFile.Stat(handle) is { IsRegular: false } special)
                return new SniffResult(MessageKind.Unreadable, null, null, $"it is a {SpecialFiles.Describe(special.Type)}, not a regular file");
            var length = knownLength >= 0 ? knownLength : RandomAccess.GetLength(handle);
            return Sniff(handle, length, limits ?? MessageLimits.Default);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new SniffResult(MessageKind.Unreadable, null, null, ex.Message);
        }
    }

    /// <summary>
    /// Whether the first bytes could begin a message (any version, or a damaged committing one): what deciding to skip a
    /// file needs, without reading its header. Unreadable files count as messages, so their error is reported.
    /// </summary>
    internal static bool StartsLikeAMessage(string path)
    {
        try
        {
            using var handle = OpenForSniff(path);
            var buffer = new byte[4];
            var read = ReadFully(handle, buffer);
            return Classify(buffer.AsSpan(0, read), out _) is not { IsEncryptedMessage: false };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>On Linux opened non-blocking: a FIFO in a scanned tree is reported, never waited on.</summary>
    private static SafeFileHandle OpenForSniff(string path) => UnixFile.IsSupported
        ? UnixFile.Open(path, UnixFile.ReadOnly | UnixFile.NonBlocking)
        : File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    private static SniffResult Sniff(SafeFileHandle handle, long length, MessageLimits limits)
    {
        // One read covers the classification and, for nearly every real header, the whole header.
        var size = (int)Math.Clamp(length, 4, PrefixBytes);
        var buffer = new byte[size];
        var read = ReadFully(handle, buffer);
        var quick = Classify(buffer.AsSpan(0, read), out var suiteId);
        if (quick is { IsEncryptedMessage: true })
        {
            // Four bytes are not a message: a header we cannot read must still have the right structure to count.
            var problem = LegacyHeader.Check(new MemoryStream(buffer, 0, read, writable: false), quick.Kind, limits.MaxHeaderLength, out var legacyTruncated);
            if (legacyTruncated && read == size && length > size)
            {
                using var legacyStream = new FileStream(new SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 16 * 1024);
                problem = LegacyHeader.Check(legacyStream, quick.Kind, limits.MaxHeaderLength, out _);
            }
            return problem is null ? quick : new SniffResult(MessageKind.Malformed, quick.SuiteId, null, problem);
        }
        if (quick is not null) return quick;
        var result = Parse(new MemoryStream(buffer, 0, read, writable: false), suiteId, limits, out var truncated);
        if (!truncated || read < size) return result;
        // A longer header is read from the file as it is parsed: its size limit is checked field by field, so it
        // costs at most the limit, never what the file declares.
        using var stream = new FileStream(new SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 16 * 1024);
        return Parse(stream, suiteId, limits, out _);
    }

    /// <summary>Classifies bytes already in memory (the start of a file or the whole of it).</summary>
    public static SniffResult Sniff(ReadOnlySpan<byte> prefix, MessageLimits? limits = null)
    {
        var quick = Classify(prefix, out var suiteId);
        if (quick is { IsEncryptedMessage: true })
        {
            var problem = LegacyHeader.Check(new MemoryStream(prefix.ToArray(), writable: false), quick.Kind, (limits ?? MessageLimits.Default).MaxHeaderLength, out _);
            return problem is null ? quick : new SniffResult(MessageKind.Malformed, quick.SuiteId, null, problem);
        }
        return quick ?? Parse(new MemoryStream(prefix.ToArray(), writable: false), suiteId, limits ?? MessageLimits.Default, out _);
    }

    /// <summary>Everything decided by the first four bytes; null when a committing v2 header must be parsed.</summary>
    private static SniffResult? Classify(ReadOnlySpan<byte> bytes, out ushort suiteId)
    {
        suiteId = 0;
        if (bytes.Length < 3) return NotAMessage;
        if (bytes[0] == 0x01)
        {
            // v1: version 1, type 0x80 (customer authenticated encrypted data), then a suite id an SDK defines.
            if (bytes.Length < 4 || bytes[1] != 0x80) return NotAMessage;
            var v1Suite = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
            return AlgorithmSuite.Describe(v1Suite) == "unknown" || AlgorithmSuite.IsCommitting(v1Suite)
                ? NotAMessage
                : new SniffResult(MessageKind.EsdkV1, v1Suite, null, "format version 1 (no key commitment)");
        }
        if (bytes[0] != MessageHeader.Version2) return NotAMessage;
        suiteId = BinaryPrimitives.ReadUInt16BigEndian(bytes[1..]);
        if (AlgorithmSuite.IsCommitting(suiteId)) return null;
        return AlgorithmSuite.Describe(suiteId) == "unknown"
            ? NotAMessage
            : new SniffResult(MessageKind.NonCommitting, suiteId, null, "version 2 header with a non-committing suite");
    }

    private static SniffResult Parse(Stream stream, ushort suiteId, MessageLimits limits, out bool truncated)
    {
        truncated = false;
        try
        {
            var header = MessageHeader.Read(stream, limits);
            return new SniffResult(MessageKind.Committing, suiteId, header, null);
        }
        catch (MessageTruncatedException ex)
        {
            truncated = true;
            return new SniffResult(MessageKind.Malformed, suiteId, null, ex.Message);
        }
        catch (EncryptionToolsException ex)
        {
            return new SniffResult(MessageKind.Malformed, suiteId, null, ex.Message);
        }
    }

    private static int ReadFully(SafeFileHandle handle, byte[] buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}

/// <summary>
/// The structure of the headers we recognise but never decrypt (format version 1, and version 2 with a
/// non-committing suite), walked without keeping any field: every length must fit, the counts must agree, reserved
/// bytes must be zero, and the whole must end within the header size limit. Returns the problem, or null.
/// </summary>
internal static class LegacyHeader
{
    public static string? Check(Stream input, MessageKind kind, int maxLength, out bool truncated)
    {
        truncated = false;
        var v1 = kind == MessageKind.EsdkV1;
        var reader = new Cursor(input, maxLength);
        try
        {
            reader.Skip(v1 ? 4 : 3); // version (and type), suite id
            reader.Skip(v1 ? 16 : 32); // message id
            var aadLength = reader.U16();
            if (aadLength > 0)
            {
                var start = reader.Position;
                var pairs = reader.U16();
                if (pairs == 0) return "its encryption context declares bytes but no pairs";
                for (var i = 0; i < pairs * 2; i++) reader.Skip(reader.U16());
                if (reader.Position - start != aadLength) return "its encryption context length does not match its pairs";
            }
            var edks = reader.U16();
            if (edks == 0) return "it declares no encrypted data keys";
            for (var i = 0; i < edks * 3; i++) reader.Skip(reader.U16());
            var contentType = reader.U8();
            if (contentType is not (1 or 2)) return $"its content type 0x{contentType:X2} is unknown";
            if (v1)
            {
                if (reader.U32() != 0) return "its reserved bytes are not zero";
                if (reader.U8() != 12) return "its IV length is not 12";
            }
            var frameLength = reader.U32();
            if (contentType == 2 && frameLength == 0) return "it declares a frame length of zero";
            if (contentType == 1 && frameLength != 0) return "it is not framed but declares a frame length";
            reader.Skip(v1 ? 12 + 16 : 16); // header authentication: IV and tag (v1), tag (v2)
            return null;
        }
        catch (EndOfStreamException)
        {
            truncated = true;
            return "it ends inside its header";
        }
        catch (MessageLimitExceededException ex)
        {
            return ex.Message;
        }
    }

    private sealed class Cursor(Stream input, int maxLength)
    {
        private readonly byte[] _scratch = new byte[4096];
        public long Position { get; private set; }

        public void Skip(int count)
        {
            if (Position + count > maxLength)
                throw new MessageLimitExceededException($"its header is larger than the limit of {maxLength} bytes");
            while (count > 0)
            {
                var n = input.Read(_scratch, 0, Math.Min(count, _scratch.Length));
                if (n <= 0) throw new EndOfStreamException();
                count -= n;
                Position += n;
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (Position + count > maxLength)
                throw new MessageLimitExceededException($"its header is larger than the limit of {maxLength} bytes");
            if (input.ReadAtLeast(_scratch.AsSpan(0, count), count, throwOnEndOfStream: false) < count) throw new EndOfStreamException();
            Position += count;
            return _scratch.AsSpan(0, count);
        }

        public byte U8() => Take(1)[0];
        public ushort U16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));
        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    }
}
