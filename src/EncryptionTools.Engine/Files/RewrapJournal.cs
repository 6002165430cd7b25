using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// The redo record of one in-place header rewrite, written and synced beside the target before the header is touched.
/// Layout (integers big-endian):
/// <code>
/// "ETRWJNL1"                     8   magic and version
/// target file name               u16 length + UTF-8 (the journal lives in the target's directory)
/// message id                     32  unchanged by a rewrap: names the message whatever the file is called
/// file length                    i64 unchanged by an in-place rewrite
/// header length                  i32 old and new header have this length
/// SHA-256 of the old header      32
/// old header                     header length bytes (to recognise a torn write: each byte is old or new)
/// new header                     header length bytes
/// SHA-256 of all of the above    32  (a journal torn while being written fails this and is discarded)
/// </code>
/// </summary>
internal sealed record RewrapJournal(string TargetName, byte[] MessageId, long FileLength, byte[] OldHeader, byte[] NewHeader)
{
    public const string Suffix = ".etjournal";
    private static readonly byte[] Magic = "ETRWJNL1"u8.ToArray();
    /// <summary>No real header comes near this; it bounds what a damaged journal can make us allocate.</summary>
    private const int MaxHeaderLength = 64 * 1024 * 1024;

    /// <summary>The journal's path for a target: ".NAME.etjournal" beside it, hidden like AtomicFile's temporaries.</summary>
    public static string PathFor(string target)
    {
        var full = Path.GetFullPath(target);
        return Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + Suffix);
    }

    /// <summary>The target a journal's path names, or null when the name is not a journal's.</summary>
    public static string? TargetFor(string journalPath)
    {
        var name = Path.GetFileName(journalPath);
        if (!name.StartsWith('.') || !name.EndsWith(Suffix, StringComparison.Ordinal) || name.Length <= 1 + Suffix.Length) return null;
        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(journalPath))!, name[1..^Suffix.Length]);
    }

    public byte[] Serialize()
    {
        if (OldHeader.Length != NewHeader.Length) throw new ArgumentException("An in-place rewrite keeps the header length.");
        var name = Encoding.UTF8.GetBytes(TargetName);
        using var ms = new MemoryStream();
        ms.Write(Magic);
        Span<byte> n = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(n, checked((ushort)name.Length));
        ms.Write(n[..2]);
        ms.Write(name);
        ms.Write(MessageId);
        BinaryPrimitives.WriteInt64BigEndian(n, FileLength);
        ms.Write(n);
        BinaryPrimitives.WriteInt32BigEndian(n, OldHeader.Length);
        ms.Write(n[..4]);
        ms.Write(SHA256.HashData(OldHeader));
        ms.Write(OldHeader);
        ms.Write(NewHeader);
        ms.Write(SHA256.HashData(ms.GetBuffer().AsSpan(0, (int)ms.Length)));
        return ms.ToArray();
    }

    /// <summary>Null when the bytes are not a whole, intact journal (torn while being written, or not one at all).</summary>
    public static RewrapJournal? TryParse(ReadOnlySpan<byte> data)
    {
        if (data.Length < Magic.Length + 2 + 32 + 8 + 4 + 32 + 32 || !data.StartsWith(Magic)) return null;
        var body = data[..^32];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(data[^32..])) return null;
        var p = Magic.Length;
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(data[p..]);
        p += 2;
        if (body.Length < p + nameLength + 32 + 8 + 4 + 32) return null;
        string name;
        try { name = new UTF8Encoding(false, true).GetString(data.Slice(p, nameLength)); }
        catch (DecoderFallbackException) { return null; }
        p += nameLength;
        var messageId = data.Slice(p, 32).ToArray();
        p += 32;
        var fileLength = BinaryPrimitives.ReadInt64BigEndian(data[p..]);
        p += 8;
        var headerLength = BinaryPrimitives.ReadInt32BigEndian(data[p..]);
        p += 4;
        if (headerLength is <= 0 or > MaxHeaderLength || body.Length != p + 32 + 2L * headerLength) return null;
        var oldHash = data.Slice(p, 32);
        p += 32;
        var oldHeader = data.Slice(p, headerLength).ToArray();
        p += headerLength;
        var newHeader = data.Slice(p, headerLength).ToArray();
        if (!SHA256.HashData(oldHeader).AsSpan().SequenceEqual(oldHash)) return null;
        return new RewrapJournal(name, messageId, fileLength, oldHeader, newHeader);
    }

    /// <summary>Writes the journal and makes it durable (file data, then its directory entry) before returning.</summary>
    public void WriteDurably(string journalPath)
    {
        var bytes = Serialize();
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var fs = new FileStream(journalPath, options))
        {
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }
        AtomicFile.FsyncDirectory(Path.GetDirectoryName(journalPath)!);
    }

    /// <summary>Reads a journal file; null when it is torn or not a journal. Refuses absurd sizes before reading.</summary>
    public static RewrapJournal? TryRead(string journalPath)
    {
        using var fs = new FileStream(journalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
        if (fs.Length > 2L * MaxHeaderLength + 4096) return null;
        var data = new byte[fs.Length];
        fs.ReadExactly(data);
        return TryParse(data);
    }
}
