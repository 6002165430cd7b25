using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Audit;

// Appending: records are built, MACed, chained, written and flushed under the lock, then the head moves past them.
public sealed partial class AuditLog
{
    /// <summary>Appends one record and moves the authenticated head to it. Returns the record as written.</summary>
    public AuditEvent Append(AuditEntry entry)
    {
        var (line, name, lines) = AppendRecords([entry]);
        return ParseLine(line, name, lines)!.Event!;
    }

    /// <summary>
    /// Appends records in order under one lock, with one flush to disk and one head update for all of them: a batch of
    /// files writes its key uses this way, once per group of files rather than three fsyncs per file.
    /// </summary>
    /// <returns>The anchor of the last record written (null when there was nothing to write).</returns>
    /// <exception cref="AuditLogWriteException">Nothing was recorded (a partly written append is rolled back).</exception>
    public AuditAnchor? AppendMany(IReadOnlyList<AuditEntry> entries)
    {
        if (entries.Count == 0) return null;
        var (line, _, _) = AppendRecords(entries);
        return AnchorOf(line);
    }

    /// <summary>The anchor of a record as written: its sequence and the hash the next record chains on.</summary>
    private static AuditAnchor AnchorOf(byte[] line)
    {
        using var doc = JsonDocument.Parse(line);
        return new AuditAnchor(doc.RootElement.GetProperty("seq").GetInt64(), Hex(SHA256.HashData(line)));
    }

    private (byte[] Line, string FileName, long Lines) AppendRecords(IReadOnlyList<AuditEntry> entries)
    {
        foreach (var entry in entries) Validate(entry);
        lock (_gate)
        {
            if (_wiped) throw new AuditLogWriteException($"The audit log '{Directory}' was closed with its key store (locked or unloaded); nothing was recorded.");
            try
            {
                CreateDirectory();
                using var fileLock = AcquireLock();
                var (head, headProblem) = ReadHead();
                var tail = Locate(head, headProblem, out var tampering);
                var records = entries;
                if (tampering is not null)
                {
                    records = [new AuditEntry
                    {
                        Action = TamperingDetectedAction,
                        Result = AuditResult.Failed,
                        Principal = entries[0].Principal,
                        Command = entries[0].Command,
                        Reason = tampering,
                    }, .. entries];
                }
                var line = WriteRecords(ref tail, records);
                return (line, FileName(tail.File), tail.Lines);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new AuditLogWriteException($"Cannot append to the audit log '{Directory}': {ex.Message}", ex);
            }
        }
    }

    private struct Tail
    {
        public long File;
        public long FileLength;
        public long Lines;
        public long Sequence;
        public string Hash;
        public bool NeedsNewline;
    }

    /// <summary>Writes the records, flushes them to disk, then moves the head past them. Returns the last line.</summary>
    private byte[] WriteRecords(ref Tail tail, IReadOnlyList<AuditEntry> entries)
    {
        FileStream? stream = null;
        var path = "";
        var line = Array.Empty<byte>();
        // What this append touched, to take it back if any step fails: a key use whose record is not durable is refused,
        // so its record must not be adopted by the next append either.
        var touched = new List<(string Path, long Length)>();
        try
        {
            foreach (var entry in entries)
            {
                var time = (entry.Time ?? DateTimeOffset.UtcNow).ToUniversalTime();
                var sequence = tail.Sequence + 1;
                line = BuildLine(sequence, tail.Hash, entry, time);
                if (tail.FileLength > 0 && tail.FileLength + line.Length + 1 > _options.MaxFileBytes && !tail.NeedsNewline)
                {
                    if (stream is not null) CloseDurably(ref stream);
                    tail.File++;
                    tail.FileLength = 0;
                    tail.Lines = 0;
                }
                if (stream is null)
                {
                    path = Path.Combine(Directory, FileName(tail.File));
                    touched.Add((path, File.Exists(path) ? new FileInfo(path).Length : -1));
                    var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0 };
                    if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                    stream = new FileStream(path, options);
                }
                var bytes = new byte[(tail.NeedsNewline ? 1 : 0) + line.Length + 1];
                if (tail.NeedsNewline) bytes[0] = (byte)'\n';
                line.CopyTo(bytes, tail.NeedsNewline ? 1 : 0);
                bytes[^1] = (byte)'\n';
                stream.Write(bytes);
                tail.FileLength = stream.Position;
                tail.Lines += tail.NeedsNewline ? 2 : 1;
                tail.NeedsNewline = false;
                tail.Sequence = sequence;
                tail.Hash = Hex(SHA256.HashData(line));
            }
            if (stream is not null) CloseDurably(ref stream);
            // A new file's name must be as durable as its records: the store's anchor may soon name them.
            if (_options.Durable && touched.Any(t => t.Length < 0)) AtomicFile.FsyncDirectory(Directory);
            WriteHead(tail);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AuditLogWriteException)
        {
            stream?.Dispose();
            stream = null;
            RollBack(touched);
            throw ex as AuditLogWriteException ?? new AuditLogWriteException($"Cannot append to the audit log '{path}': {ex.Message}", ex);
        }
        finally
        {
            stream?.Dispose();
        }
        return line;
    }

    /// <summary>Takes back a failed append's records (best effort: records left by a crash are only ever extra, never missing).</summary>
    private static void RollBack(List<(string Path, long Length)> touched)
    {
        foreach (var (path, length) in touched)
        {
            try
            {
                if (length < 0) File.Delete(path);
                else if (File.Exists(path) && new FileInfo(path).Length > length)
                {
                    using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
                    stream.SetLength(length);
                    stream.Flush(flushToDisk: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The head was not moved: the next append adopts these records only if they are whole and chain on.
            }
        }
    }

    private void CloseDurably(ref FileStream? stream)
    {
        stream!.Flush(flushToDisk: _options.Durable);
        stream.Dispose();
        stream = null;
    }

    /// <summary>
    /// Where the next record goes. Fast path: the head's file has exactly the head's length. <paramref name="tampering"/>
    /// is set (kind first) when the log was tampered with: no crash removes or forges the head (it is replaced by a rename
    /// after its content is durable) and none cuts records below the store's anchor (saved after they are durable).
    /// </summary>
    private Tail Locate(Head? head, string? headProblem, out string? tampering)
    {
        tampering = null;
        var files = Files();
        var anchor = Anchor?.Invoke();
        Tail tail;
        string? anchoredHash = null;
        if (head is not null)
        {
            var path = Path.Combine(Directory, FileName(head.File));
            var length = File.Exists(path) ? new FileInfo(path).Length : -1;
            tail = length == head.Length && files.Count > 0 && files[^1].Number == head.File
                ? new Tail { File = head.File, FileLength = head.Length, Lines = head.Lines, Sequence = head.Sequence, Hash = head.Hash }
                : RecoverFromHead(head, files);
        }
        else if (files.Count == 0)
        {
            tail = new Tail { File = 1, FileLength = 0, Sequence = 0, Hash = GenesisHash };
        }
        else
        {
            // No trustworthy head: continue after the last authentic record, and record the tampering in the log itself.
            tail = new Tail { File = files[^1].Number, Sequence = 0, Hash = GenesisHash };
            foreach (var (number, filePath) in files)
            {
                foreach (var record in ReadLines(filePath, Path.GetFileName(filePath)))
                    if (record.MacValid && record.Sequence is { } s && s > tail.Sequence)
                    {
                        tail.Sequence = s;
                        tail.Hash = record.Hash;
                        if (s == anchor?.Sequence) anchoredHash = record.Hash;
                    }
            }
            PrepareEnd(ref tail, files[^1].Path, truncatePartialFrom: 0);
            // Log files without a single record and no head: a first append that died before its record was durable.
            if (tail.Sequence > 0)
                tampering = $"{(headProblem == "missing" ? AuditBreakKind.HeadMissing : AuditBreakKind.HeadTampered)}: the audit head was {headProblem} " +
                    $"(records cut from the end cannot be ruled out); the chain continues from record {tail.Sequence}.";
        }
        if (anchor is not null && tail.Sequence < anchor.Sequence)
        {
            var kind = tail.Sequence == 0 ? AuditBreakKind.LogMissing : AuditBreakKind.TruncatedTail;
            tampering = $"{kind}: the key store proves the log reached record {anchor.Sequence}, but it " +
                (tail.Sequence == 0 ? "has no records (deleted or emptied)" : $"ends at record {tail.Sequence}") +
                $"; the chain continues from the store's anchor, record {anchor.Sequence}.";
            tail.Sequence = anchor.Sequence;
            tail.Hash = anchor.Hash;
        }
        else if (anchor is not null && anchoredHash is not null && anchoredHash != anchor.Hash)
        {
            tampering = $"{AuditBreakKind.AnchorMismatch}: record {anchor.Sequence} is not the record the key store anchored; the log was replaced.";
        }
        return tail;
    }

    /// <summary>
    /// The files do not end where the head says. Records after the head that verify and chain on from it were written
    /// by an append that stopped before it moved the head: they are adopted. Anything else is left for Verify to
    /// report, and the chain continues from the last authentic record.
    /// </summary>
    private Tail RecoverFromHead(Head head, IReadOnlyList<(long Number, string Path)> files)
    {
        var tail = new Tail { File = head.File, FileLength = 0, Lines = 0, Sequence = head.Sequence, Hash = head.Hash };
        var later = files.Where(f => f.Number >= head.File).ToList();
        if (later.Count == 0) return tail; // the head's file is gone: start it again; Verify reports the loss
        var adopting = true;
        foreach (var (number, path) in later)
        {
            var bytes = File.ReadAllBytes(path);
            long start = number == head.File ? Math.Min(head.Length, bytes.Length) : 0;
            if (number == head.File && bytes.Length < head.Length) adopting = false;
            foreach (var record in SplitLines(bytes, start, Path.GetFileName(path)))
            {
                if (!adopting || record.Partial) break;
                if (record.MacValid && record.Sequence == tail.Sequence + 1 && record.Previous == tail.Hash)
                {
                    tail.Sequence++;
                    tail.Hash = record.Hash;
                }
                else adopting = false;
            }
        }
        var last = later[^1];
        tail.File = last.Number;
        PrepareEnd(ref tail, last.Path, truncatePartialFrom: last.Number == head.File ? head.Length : 0);
        return tail;
    }

    /// <summary>
    /// Sets the tail's file length. A cut-off last line beyond the acknowledged part (an append killed mid-write) is
    /// removed; one inside the acknowledged part is kept as evidence and the next record starts on a new line.
    /// </summary>
    private void PrepareEnd(ref Tail tail, string path, long truncatePartialFrom)
    {
        var bytes = File.ReadAllBytes(path);
        tail.FileLength = bytes.Length;
        tail.Lines = bytes.Count(b => b == (byte)'\n');
        if (bytes.Length == 0 || bytes[^1] == (byte)'\n') return;
        var lastNewline = Array.LastIndexOf(bytes, (byte)'\n');
        var partialStart = lastNewline + 1;
        if (partialStart >= truncatePartialFrom)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            stream.SetLength(partialStart);
            stream.Flush(flushToDisk: _options.Durable);
            tail.FileLength = partialStart;
        }
        else tail.NeedsNewline = true;
    }

    private byte[] BuildLine(long sequence, string previous, AuditEntry e, DateTimeOffset time)
    {
        using var buffer = new MemoryStream();
        using var w = new Utf8JsonWriter(buffer);
        w.WriteStartObject();
        w.WriteNumber("seq", sequence);
        w.WriteString("time", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        w.WriteString("principal", e.Principal);
        w.WriteString("host", e.Host ?? CurrentHostName.Value);
        w.WriteNumber("pid", e.ProcessId ?? Environment.ProcessId);
        w.WriteString("process", e.ProcessName ?? CurrentProcessName.Value);
        if (e.Command is not null) w.WriteString("command", e.Command);
        w.WriteString("action", e.Action);
        if (e.KeyId is not null) w.WriteString("keyId", e.KeyId);
        if (e.KeyVersion is not null) w.WriteString("keyVersion", e.KeyVersion);
        if (e.EncryptionContext is { Count: > 0 } context)
        {
            w.WriteStartObject("context");
            foreach (var (k, v) in context.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            w.WriteEndObject();
        }
        if (e.FilePath is not null) w.WriteString("path", e.FilePath);
        w.WriteString("result", e.Result.ToString());
        if (e.Reason is not null) w.WriteString("reason", e.Reason.Length > MaxReasonLength ? e.Reason[..MaxReasonLength] + "..." : e.Reason);
        if (e.DecidedBy is not null) w.WriteString("decidedBy", e.DecidedBy);
        if (e.StoreRevision is { } revision) w.WriteNumber("rev", revision);
        if (e.RequestId is not null) w.WriteString("requestId", e.RequestId);
        w.WriteString("prev", previous);
        w.Flush();
        var body = buffer.ToArray();
        w.WriteString("mac", Hex(RecordMac(body)));
        w.WriteEndObject();
        w.Flush();
        return buffer.ToArray();
    }

    private byte[] RecordMac(ReadOnlySpan<byte> body)
    {
        ObjectDisposedException.ThrowIf(_wiped, this);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(RecordMacLabel);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    private static void Validate(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrWhiteSpace(entry.Action)) throw new InvalidAuditEntryException("An audit entry needs an action.");
        if (string.IsNullOrWhiteSpace(entry.Principal)) throw new InvalidAuditEntryException("An audit entry needs a principal.");
        if (!Enum.IsDefined(entry.Result)) throw new InvalidAuditEntryException($"'{entry.Result}' is not an audit result.");
        foreach (var (name, value) in new[]
                 {
                     ("Action", entry.Action), ("Principal", entry.Principal), ("Command", entry.Command), ("KeyId", entry.KeyId),
                     ("KeyVersion", entry.KeyVersion), ("FilePath", entry.FilePath), ("DecidedBy", entry.DecidedBy), ("Host", entry.Host),
                     ("ProcessName", entry.ProcessName), ("RequestId", entry.RequestId),
                 })
        {
            if (value is { Length: > MaxFieldLength }) throw new InvalidAuditEntryException($"The audit entry's {name} is longer than {MaxFieldLength} characters.");
        }
        if (entry.EncryptionContext is { } context)
        {
            if (context.Count > MaxContextPairs) throw new InvalidAuditEntryException($"The audit entry's encryption context has more than {MaxContextPairs} pairs.");
            foreach (var (k, v) in context)
                if (k is null || v is null || k.Length > MaxFieldLength || v.Length > MaxFieldLength)
                    throw new InvalidAuditEntryException("The audit entry's encryption context has a null or overlong key or value.");
        }
    }
}
