using System.Buffers.Binary;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using Microsoft.Win32.SafeHandles;

namespace EncryptionTools.Engine.Files;

/// <summary>What the first bytes of a file say it is.</summary>
public enum MessageKind
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
public sealed record SniffResult(MessageKind Kind, ushort? SuiteId, MessageHeader? Header, string? Detail)
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
public static class MessageSniffer
{
    /// <summary>First read: enough for nearly every real header (a few EDKs and a small context) in one call.</summary>
    internal const int PrefixBytes = 4096;
    /// <summary>Largest header we read while sniffing; a longer one is reported Malformed rather than read.</summary>
    internal const int MaxHeaderBytes = 4 * 1024 * 1024;

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
        if (quick is not null) return quick;
        while (true)
        {
            var result = Parse(buffer.AsSpan(0, read), suiteId, limits, out var truncated);
            if (!truncated || read < size || size >= MaxHeaderBytes) return result;
            size = Math.Min(size * 4, MaxHeaderBytes);
            buffer = new byte[size];
            read = ReadFully(handle, buffer);
        }
    }

    /// <summary>Classifies bytes already in memory (the start of a file or the whole of it).</summary>
    public static SniffResult Sniff(ReadOnlySpan<byte> prefix, MessageLimits? limits = null)
    {
        var quick = Classify(prefix, out var suiteId);
        return quick ?? Parse(prefix, suiteId, limits ?? MessageLimits.Default, out _);
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

    private static SniffResult Parse(ReadOnlySpan<byte> bytes, ushort suiteId, MessageLimits limits, out bool truncated)
    {
        truncated = false;
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
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
