using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.IO;
using Microsoft.Win32.SafeHandles;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// The redo record of one in-place header rewrite, written (exclusively, never through a link) and synced beside the
/// target before the header is touched. Layout (integers big-endian):
/// <code>
/// "ETRWJNL2"                     8   magic and version
/// target file name               u16 length + UTF-8 (the journal lives in the target's directory)
/// message id                     32  unchanged by a rewrap: names the message whatever the file is called
/// file length                    i64 unchanged by an in-place rewrite
/// device, inode                  u64, u64  the target file's identity (0 where the system gives none)
/// header length                  i32 old and new header have this length
/// old header                     header length bytes (to recognise a torn write: each byte is old or new)
/// new header                     header length bytes
/// HMAC-SHA256 of all of the above 32 under the key store's sidecar key (<see cref="SidecarKey"/>)
/// </code>
/// The MAC makes a journal the product's own: one planted by another user who can write the directory (not the
/// file), or left from before the store's root key changed, fails it and is never applied.
/// </summary>
internal sealed record RewrapJournal(string TargetName, byte[] MessageId, long FileLength, byte[] OldHeader, byte[] NewHeader, ulong Device = 0, ulong Inode = 0)
{
    public const string Suffix = ".etjournal";
    private static readonly byte[] Magic = "ETRWJNL2"u8.ToArray();
    private const int FixedLength = 8 + 2 + 32 + 8 + 8 + 8 + 4 + 32;
    /// <summary>No real header comes near this; it bounds what a damaged journal can make us allocate.</summary>
    public const int MaxHeaderLength = 64 * 1024 * 1024;

    /// <summary>The largest journal a file of <paramref name="fileLength"/> bytes can have (its header is part of it).</summary>
    public static long MaxJournalLength(long fileLength) => FixedLength + ushort.MaxValue + 2 * Math.Min(Math.Max(fileLength, 0), MaxHeaderLength);

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

    public byte[] Serialize(SidecarKey key)
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
        BinaryPrimitives.WriteUInt64BigEndian(n, Device);
        ms.Write(n);
        BinaryPrimitives.WriteUInt64BigEndian(n, Inode);
        ms.Write(n);
        BinaryPrimitives.WriteInt32BigEndian(n, OldHeader.Length);
        ms.Write(n[..4]);
        ms.Write(OldHeader);
        ms.Write(NewHeader);
        ms.Write(key.Mac(ms.GetBuffer().AsSpan(0, (int)ms.Length)));
        return ms.ToArray();
    }

    /// <summary>Null when the bytes are not a whole journal (torn while being written, or not one at all); the MAC is not checked here.</summary>
    public static RewrapJournal? TryParse(ReadOnlySpan<byte> data)
    {
        if (data.Length < FixedLength || !data.StartsWith(Magic)) return null;
        var body = data[..^32];
        var p = Magic.Length;
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(data[p..]);
        p += 2;
        if (body.Length < p + nameLength + 32 + 8 + 8 + 8 + 4) return null;
        string name;
        try { name = new UTF8Encoding(false, true).GetString(data.Slice(p, nameLength)); }
        catch (DecoderFallbackException) { return null; }
        p += nameLength;
        var messageId = data.Slice(p, 32).ToArray();
        p += 32;
        var fileLength = BinaryPrimitives.ReadInt64BigEndian(data[p..]);
        p += 8;
        var device = BinaryPrimitives.ReadUInt64BigEndian(data[p..]);
        p += 8;
        var inode = BinaryPrimitives.ReadUInt64BigEndian(data[p..]);
        p += 8;
        var headerLength = BinaryPrimitives.ReadInt32BigEndian(data[p..]);
        p += 4;
        if (headerLength is <= 0 or > MaxHeaderLength || body.Length != p + 2L * headerLength) return null;
        var oldHeader = data.Slice(p, headerLength).ToArray();
        p += headerLength;
        var newHeader = data.Slice(p, headerLength).ToArray();
        return new RewrapJournal(name, messageId, fileLength, oldHeader, newHeader, device, inode);
    }

    /// <summary>True when the journal's MAC verifies under <paramref name="key"/> (compared in constant time).</summary>
    public static bool IsAuthentic(ReadOnlySpan<byte> data, SidecarKey key) =>
        data.Length > 32 && CryptographicOperations.FixedTimeEquals(key.Mac(data[..^32]), data[^32..]);

    /// <summary>
    /// Writes the journal and makes it durable (file data, then its directory entry) before returning. Created
    /// exclusively and never through a link (O_CREAT|O_EXCL|O_NOFOLLOW, 0600): false when the name is taken by
    /// anything at all (a link, another user's file), which the caller must not use.
    /// </summary>
    public bool TryWriteDurably(string journalPath, SidecarKey key)
    {
        var bytes = Serialize(key);
        FileStream fs;
        if (UnixFile.IsSupported)
        {
            SafeFileHandle handle;
            try { handle = UnixFile.Open(journalPath, UnixFile.WriteOnly | UnixFile.Create | UnixFile.Exclusive | UnixFile.NoFollow, 0x180); }
            catch (UnixIOException ex) when (ex.Errno is UnixFile.EEXIST or UnixFile.ELOOP) { return false; }
            fs = new FileStream(handle, FileAccess.Write, 0);
        }
        else
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            try { fs = new FileStream(journalPath, options); }
            catch (IOException) when (Path.Exists(journalPath) || new FileInfo(journalPath).LinkTarget is not null) { return false; }
        }
        using (fs)
        {
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }
        AtomicFile.FsyncDirectory(Path.GetDirectoryName(journalPath)!);
        return true;
    }

    /// <summary>
    /// Reads a journal file only if it is this user's own sidecar: a regular file (never through a link, never a
    /// device or FIFO), owned by this user, with one link, that nobody else can read or write, and no longer than
    /// <paramref name="maxLength"/>. Otherwise returns why not (the file is left alone) and no bytes.
    /// </summary>
    public static (byte[]? Data, string? Distrust) ReadOwn(string journalPath, long maxLength)
    {
        if (!UnixFile.IsSupported)
        {
            if (new FileInfo(journalPath).LinkTarget is not null) return (null, "it is a symbolic link");
            using var plain = new FileStream(journalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
            if (plain.Length > maxLength) return (null, $"it is {plain.Length} bytes, more than any journal of its file");
            var bytes = new byte[plain.Length];
            plain.ReadExactly(bytes);
            return (bytes, null);
        }
        SafeFileHandle handle;
        try { handle = UnixFile.Open(journalPath, UnixFile.ReadOnly | UnixFile.NoFollow | UnixFile.NonBlocking); }
        catch (UnixIOException ex) when (ex.Errno == UnixFile.ELOOP) { return (null, "it is a symbolic link"); }
        catch (UnixIOException ex) when (ex.Errno == UnixFile.ENOENT) { throw new FileNotFoundException(ex.Message, journalPath, ex); }
        catch (UnixIOException ex) when (ex.Errno is 1 or 13) { return (null, "it cannot be read by this user"); }
        using (handle)
        {
            var s = UnixFile.Stat(handle);
            if (!s.IsRegular) return (null, $"it is a {SpecialFiles.Describe(s.Type)}, not a regular file");
            if (s.Owner != UnixFile.EffectiveUserId) return (null, $"it belongs to user id {s.Owner}, not to this user ({UnixFile.EffectiveUserId})");
            if ((s.Permissions & 0x3F) != 0) return (null, "other users can read or write it (mode " + Convert.ToString(s.Permissions, 8) + ")");
            if (s.Links != 1) return (null, $"it has {s.Links} hard links");
            if (s.Length > maxLength) return (null, $"it is {s.Length} bytes, more than any journal of its file");
            var data = new byte[s.Length];
            var read = 0;
            while (read < data.Length)
            {
                var n = RandomAccess.Read(handle, data.AsSpan(read), read);
                if (n == 0) break;
                read += n;
            }
            return (read == data.Length ? data : data[..read], null);
        }
    }
}
