using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Audit;

public sealed record AuditLogOptions
{
    /// <summary>A log file is closed and the next one started before it would grow past this size.</summary>
    public long MaxFileBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>How long an append or a verification waits for another process's append.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Flush each record to disk before the call returns.</summary>
    public bool Durable { get; init; } = true;
}

/// <summary>
/// The tamper-evident audit log: JSON Lines in numbered files (<c>audit-000001.jsonl</c>, ...), one record per operation.
/// <list type="bullet">
/// <item>Each record carries a sequence number and <c>prev</c>, the SHA-256 of the previous record's line (64 zeros
/// for the first), so the records form one hash chain that continues across files.</item>
/// <item>Each record ends with <c>mac</c>, HMAC-SHA256 under the caller's audit key of the line up to that field, so
/// a record cannot be forged or edited without the key.</item>
/// <item>The head file (<c>audit.head</c>) holds the last record's file, offset, sequence and hash with an HMAC under
/// the same key; it is replaced atomically after each append, so cutting records from the end is detected.</item>
/// <item>Appenders, in this process and in others, are serialized by an exclusive lock on <c>audit.lock</c>.</item>
/// </list>
/// The key comes from the store (derive it from the store's root key; never use the root key itself). What this
/// detects and what it cannot is in about_EncryptionTools_Security.
/// </summary>
public sealed class AuditLog
{
    public const string HeadFileName = "audit.head";
    public const string LockFileName = "audit.lock";
    public const string FilePrefix = "audit-";
    public const string FileExtension = ".jsonl";
    public const int MinKeyBytes = 16;
    public const int MaxFieldLength = 4096;
    public const int MaxReasonLength = 4096;
    public const int MaxContextPairs = 256;
    /// <summary>The action of the record an append writes when it had to rebuild a missing or invalid head.</summary>
    public const string ChainRecoveredAction = "audit:ChainRecovered";
    /// <summary>
    /// The action of the record an append writes when it finds the log tampered with (head missing or forged, records cut
    /// below the store's anchor, the whole log gone). The record stays in the chain, so Verify keeps reporting the
    /// tampering after later appends; its reason starts with the <see cref="AuditBreakKind"/> found.
    /// </summary>
    public const string TamperingDetectedAction = "audit:TamperingDetected";
    public static readonly string GenesisHash = new('0', 64);

    private static readonly byte[] RecordMacLabel = "enctools-audit-record-v1\n"u8.ToArray();
    private const string HeadMacLabel = "enctools-audit-head-v1\n";
    private static readonly byte[] MacPrefix = ",\"mac\":\""u8.ToArray();
    private const int MacSuffixLength = 8 + 64 + 2; // ,"mac":"<64 hex>"}
    private static readonly ConcurrentDictionary<string, object> Gates = new(StringComparer.Ordinal);
    private static readonly Lazy<string> CurrentProcessName = new(() =>
    {
        try
        {
            using var p = Process.GetCurrentProcess();
            return p.ProcessName;
        }
        catch (Exception ex) when (ex is InvalidOperationException or PlatformNotSupportedException)
        {
            return "unknown";
        }
    });

    private readonly byte[] _key;
    private readonly AuditLogOptions _options;
    private readonly object _gate;

    public AuditLog(string directory, ReadOnlySpan<byte> key, AuditLogOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (key.Length < MinKeyBytes) throw new ArgumentException($"The audit key must be at least {MinKeyBytes} bytes.", nameof(key));
        Directory = Path.GetFullPath(directory);
        _key = key.ToArray();
        _options = options ?? new AuditLogOptions();
        if (_options.MaxFileBytes < 1024) throw new ArgumentException("MaxFileBytes must be at least 1024.", nameof(options));
        _gate = Gates.GetOrAdd(Directory, _ => new object());
    }

    public string Directory { get; }
    public string HeadPath => Path.Combine(Directory, HeadFileName);

    /// <summary>
    /// What the store's sealed document proves the log reached (null: nothing, as for a new or older store). The log
    /// can never legitimately end before it: the store saves an anchor only after its records are durable.
    /// </summary>
    public Func<AuditAnchor?>? Anchor { get; set; }

    public static string FileName(long number) => FilePrefix + number.ToString("D6", CultureInfo.InvariantCulture) + FileExtension;

    /// <summary>The log files, oldest first, as (number, full path).</summary>
    public IReadOnlyList<(long Number, string Path)> Files()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        var list = new List<(long, string)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, FilePrefix + "*" + FileExtension))
        {
            var name = Path.GetFileName(path);
            var digits = name[FilePrefix.Length..^FileExtension.Length];
            if (digits.Length > 0 && digits.All(char.IsAsciiDigit) && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
                list.Add((n, path));
        }
        return list.OrderBy(f => f.Item1).ToArray();
    }

    // ================================================================ append

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
        w.WriteString("host", e.Host ?? Environment.MachineName);
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
                     ("ProcessName", entry.ProcessName),
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

    // ================================================================ head

    private sealed record Head(long File, long Length, long Lines, long Sequence, string Hash);

    private (Head? Head, string? Problem) ReadHead()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(HeadPath);
        }
        catch (FileNotFoundException)
        {
            return (null, "missing");
        }
        catch (DirectoryNotFoundException)
        {
            return (null, "missing");
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            var head = new Head(root.GetProperty("file").GetInt64(), root.GetProperty("length").GetInt64(), root.GetProperty("lines").GetInt64(),
                root.GetProperty("seq").GetInt64(), root.GetProperty("hash").GetString() ?? "");
            var mac = FromHex(root.GetProperty("mac").GetString());
            if (root.GetProperty("version").GetInt32() != 1 || mac is null || !CryptographicOperations.FixedTimeEquals(mac, HeadMac(head)))
                return (null, "not authentic (its HMAC does not verify)");
            return (head, null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return (null, "unreadable");
        }
    }

    private byte[] HeadMac(Head head)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{HeadMacLabel}{head.File}\n{head.Length}\n{head.Lines}\n{head.Sequence}\n{head.Hash}");
        return HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text));
    }

    private void WriteHead(Tail tail)
    {
        var head = new Head(tail.File, tail.FileLength, tail.Lines, tail.Sequence, tail.Hash);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteNumber("file", head.File);
            w.WriteNumber("length", head.Length);
            w.WriteNumber("lines", head.Lines);
            w.WriteNumber("seq", head.Sequence);
            w.WriteString("hash", head.Hash);
            w.WriteString("mac", Hex(HeadMac(head)));
            w.WriteEndObject();
        }
        try
        {
            // The head's content is durable before its rename, so a crash leaves the old head or the new one, never a torn
            // one: a head that is missing, unreadable or not authentic is tampering, not a crash. The rename is not
            // synced (a lost rename leaves the old head, and the next append adopts the records after it), except the
            // first, so that no crash leaves records without a head.
            var existed = File.Exists(HeadPath);
            using var output = AtomicFile.Create(HeadPath, overwrite: true);
            output.Stream.Write(buffer.ToArray());
            output.Stream.Flush(flushToDisk: _options.Durable);
            output.Publish(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (!existed && _options.Durable) AtomicFile.FsyncDirectory(Directory);
        }
        catch (EncryptionToolsException ex)
        {
            throw new AuditLogWriteException($"Cannot update the audit head '{HeadPath}': {ex.Message}", ex);
        }
    }

    // ================================================================ lock

    private void CreateDirectory()
    {
        if (System.IO.Directory.Exists(Directory)) return;
        if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(Directory);
        else System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (_options.Durable && Path.GetDirectoryName(Directory) is { } parent) AtomicFile.FsyncDirectory(parent);
    }

    /// <summary>An exclusive lock on audit.lock (flock on Unix, a share-none handle on Windows), waited for with backoff.</summary>
    private FileStream AcquireLock()
    {
        var path = Path.Combine(Directory, LockFileName);
        var watch = Stopwatch.StartNew();
        var delay = 1;
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                return new FileStream(path, options);
            }
            catch (IOException ex) when (SharingViolation.Is(ex) && watch.Elapsed < _options.LockTimeout)
            {
                Thread.Sleep(Random.Shared.Next(1, delay + 1));
                delay = Math.Min(delay * 2, 50);
            }
            catch (IOException ex) when (SharingViolation.Is(ex))
            {
                throw new AuditLogLockedException($"The audit log '{Directory}' stayed locked for {_options.LockTimeout.TotalSeconds:0} s: {ex.Message}");
            }
        }
    }

    // ================================================================ reading

    private sealed class LogLine
    {
        public required string LogFile;
        public required long Line;
        public required bool Partial;
        public bool MacValid;
        public long? Sequence;
        public string? Previous;
        public required string Hash;
        public AuditEvent? Event;
    }

    private IEnumerable<LogLine> ReadLines(string path, string name) => SplitLines(File.ReadAllBytes(path), 0, name);

    private IEnumerable<LogLine> SplitLines(byte[] bytes, long start, string name)
    {
        long lineNumber = 0;
        for (var i = 0; i < start && i < bytes.Length; i++) if (bytes[i] == (byte)'\n') lineNumber++;
        var pos = (int)start;
        while (pos < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', pos);
            var partial = end < 0;
            if (partial) end = bytes.Length;
            lineNumber++;
            var line = bytes.AsSpan(pos, end - pos).ToArray();
            var parsed = ParseLine(line, name, lineNumber)!;
            parsed.Partial = partial;
            yield return parsed;
            pos = end + 1;
        }
    }

    private LogLine? ParseLine(byte[] line, string name, long lineNumber)
    {
        var result = new LogLine { LogFile = name, Line = lineNumber, Partial = false, Hash = Hex(SHA256.HashData(line)) };
        if (line.Length > MacSuffixLength && line.AsSpan(line.Length - MacSuffixLength, MacPrefix.Length).SequenceEqual(MacPrefix)
            && line[^2] == (byte)'"' && line[^1] == (byte)'}')
        {
            var mac = FromHex(Encoding.ASCII.GetString(line, line.Length - 66, 64));
            result.MacValid = mac is not null && CryptographicOperations.FixedTimeEquals(mac, RecordMac(line.AsSpan(0, line.Length - MacSuffixLength)));
        }
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) return result;
            result.Sequence = r.TryGetProperty("seq", out var seq) && seq.TryGetInt64(out var s) ? s : null;
            result.Previous = Str(r, "prev");
            Dictionary<string, string>? context = null;
            if (r.TryGetProperty("context", out var c) && c.ValueKind == JsonValueKind.Object)
            {
                context = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var p in c.EnumerateObject()) context[p.Name] = p.Value.GetString() ?? "";
            }
            if (result.Sequence is { } sequence && Str(r, "time") is { } time && Str(r, "principal") is { } principal && Str(r, "action") is { } action
                && Enum.TryParse<AuditResult>(Str(r, "result"), out var auditResult)
                && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            {
                result.Event = new AuditEvent
                {
                    Sequence = sequence,
                    Time = when.ToUniversalTime(),
                    Principal = principal,
                    Host = Str(r, "host"),
                    ProcessId = r.TryGetProperty("pid", out var pid) && pid.TryGetInt32(out var p32) ? p32 : null,
                    ProcessName = Str(r, "process"),
                    Command = Str(r, "command"),
                    Action = action,
                    KeyId = Str(r, "keyId"),
                    KeyVersion = Str(r, "keyVersion"),
                    EncryptionContext = context,
                    FilePath = Str(r, "path"),
                    Result = auditResult,
                    Reason = Str(r, "reason"),
                    DecidedBy = Str(r, "decidedBy"),
                    StoreRevision = r.TryGetProperty("rev", out var rev) && rev.TryGetInt64(out var r64) ? r64 : null,
                    PreviousHash = result.Previous ?? "",
                    Hash = result.Hash,
                    IsAuthentic = result.MacValid,
                    LogFile = name,
                    Line = lineNumber,
                };
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON: Verify reports it; Query skips it.
        }
        return result;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>
    /// The records matching every given filter, oldest first, read without the lock (files only grow). Lines that do not
    /// parse are skipped; each event says whether its own HMAC verifies (<see cref="AuditEvent.IsAuthentic"/>), but only
    /// <see cref="Verify"/> proves the chain complete.
    /// </summary>
    public IEnumerable<AuditEvent> Query(AuditQuery? query = null)
    {
        query ??= new AuditQuery();
        foreach (var (_, path) in Files())
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (FileNotFoundException)
            {
                continue;
            }
            foreach (var line in SplitLines(bytes, 0, Path.GetFileName(path)))
            {
                if (line.Partial || line.Event is not { } e) continue;
                if (query.From is { } from && e.Time < from) continue;
                if (query.To is { } to && e.Time >= to) continue;
                if (query.KeyId is not null && !string.Equals(e.KeyId, query.KeyId, StringComparison.Ordinal)) continue;
                if (query.Principal is not null && !string.Equals(e.Principal, query.Principal, StringComparison.Ordinal)) continue;
                if (query.Action is not null && !Wildcard.IsMatch(query.Action, e.Action, ignoreCase: true)) continue;
                if (query.Result is { } result && e.Result != result) continue;
                if (query.Command is not null && !string.Equals(e.Command, query.Command, StringComparison.OrdinalIgnoreCase)) continue;
                yield return e;
            }
        }
    }

    // ================================================================ verify

    /// <summary>
    /// Checks every record's HMAC, the hash chain and sequence across all files, and the head; reports the first
    /// break: which file and line, which sequence number, and what broke (edited, deleted, reordered, inserted,
    /// truncated at the end, head mismatch, head tampered or missing).
    /// </summary>
    public AuditVerification Verify()
    {
        lock (_gate)
        {
            var anchor = Anchor?.Invoke();
            if (!System.IO.Directory.Exists(Directory))
                return anchor is null
                    ? new AuditVerification(true, 0, 0, 0, null, [])
                    : new AuditVerification(false, 0, 0, 0, new AuditBreak(AuditBreakKind.LogMissing, null, null, 1,
                        $"the audit log '{Directory}' is gone, but the key store proves it reached record {anchor.Sequence}: it was deleted."), []);
            using var fileLock = AcquireLock();
            var files = Files();
            var lines = files.SelectMany(f => ReadLines(f.Path, Path.GetFileName(f.Path))).ToList();
            var (head, headProblem) = ReadHead();
            var warnings = new List<string>();
            var authentic = lines.Where(l => l.MacValid && l.Sequence is not null).ToList();
            var accepted = new Dictionary<long, string>();
            var expected = 1L;
            var previous = GenesisHash;
            long count = 0;

            AuditVerification Broken(AuditBreakKind kind, LogLine? at, long? sequence, string message) =>
                new(false, count, expected - 1, files.Count, new AuditBreak(kind, at?.LogFile, at?.Line, sequence,
                    at is null ? message : $"{at.LogFile} line {at.Line}: {message}"), warnings);

            for (var i = 0; i < lines.Count; i++)
            {
                var line = lines[i];
                if (line.Partial && i == lines.Count - 1)
                {
                    if (head is not null && expected > head.Sequence)
                    {
                        warnings.Add($"{line.LogFile} line {line.Line}: an incomplete last record (an append was interrupted); the next append removes it.");
                        break;
                    }
                    return Broken(AuditBreakKind.TruncatedTail, line, expected, $"record {expected} is cut short: the end of the log was truncated.");
                }
                if (!line.MacValid)
                {
                    var next = i + 1 < lines.Count ? lines[i + 1] : null;
                    if (next is { MacValid: true } && next.Sequence == expected && next.Previous == previous)
                        return Broken(AuditBreakKind.Inserted, line, line.Sequence, $"a record that is not part of the chain was inserted before record {expected} (its HMAC does not verify).");
                    if (head is not null && expected > head.Sequence)
                        return Broken(AuditBreakKind.Inserted, line, line.Sequence, $"a record that is not part of the chain was added after record {expected - 1} (its HMAC does not verify).");
                    return Broken(AuditBreakKind.Edited, line, line.Sequence ?? expected,
                        $"record {line.Sequence ?? expected} was edited: its HMAC does not verify.");
                }
                var seq = line.Sequence!.Value;
                if (seq == expected && line.Previous == previous)
                {
                    if (line.Event is { Action: TamperingDetectedAction } found)
                        return Broken(TamperingKind(found.Reason), line, seq, $"an append found the log tampered with: {found.Reason}");
                    accepted[seq] = line.Hash;
                    if (line.Event?.Action == ChainRecoveredAction) warnings.Add($"{line.LogFile} line {line.Line}: {line.Event.Reason}");
                    previous = line.Hash;
                    expected++;
                    count++;
                    continue;
                }
                if (seq == expected)
                    return Broken(AuditBreakKind.ChainBroken, line, seq, $"record {seq} does not follow record {seq - 1}: its previous-hash does not match.");
                if (seq > expected)
                {
                    var missingLater = authentic.Any(l => l.Sequence == expected && lines.IndexOf(l) > i);
                    return missingLater
                        ? Broken(AuditBreakKind.Reordered, line, seq, $"record {seq} comes before record {expected}: records or files are out of order.")
                        : Broken(AuditBreakKind.Deleted, line, seq, expected == seq - 1
                            ? $"record {expected} is missing: it was deleted."
                            : $"records {expected} to {seq - 1} are missing: they were deleted.");
                }
                return accepted.TryGetValue(seq, out var earlier) && earlier == line.Hash
                    ? Broken(AuditBreakKind.Inserted, line, seq, $"record {seq} appears again after record {expected - 1}: a copy was inserted.")
                    : Broken(AuditBreakKind.Reordered, line, seq, $"record {seq} comes after record {expected - 1}: records or files are out of order.");
            }

            var last = expected - 1;
            if (anchor is not null && last < anchor.Sequence)
                return Broken(last == 0 ? AuditBreakKind.LogMissing : AuditBreakKind.TruncatedTail, null, last + 1, last == 0
                    ? $"the log has no records, but the key store proves it reached record {anchor.Sequence}: the records were deleted."
                    : $"the log ends at record {last}, but the key store proves it reached record {anchor.Sequence}: records were cut from the end.");
            if (anchor is not null && (!accepted.TryGetValue(anchor.Sequence, out var anchored) || anchored != anchor.Hash))
                return Broken(AuditBreakKind.AnchorMismatch, null, anchor.Sequence,
                    $"record {anchor.Sequence} is not the record the key store anchored: the log was replaced.");
            if (head is null)
            {
                if (count == 0 && headProblem == "missing") return new AuditVerification(true, 0, 0, files.Count, null, warnings);
                return headProblem == "missing"
                    ? Broken(AuditBreakKind.HeadMissing, null, null, $"the audit head ({HeadFileName}) is missing, so records cut from the end cannot be detected.")
                    : Broken(AuditBreakKind.HeadTampered, null, null, $"the audit head ({HeadFileName}) is {headProblem}.");
            }
            if (last < head.Sequence)
                return Broken(AuditBreakKind.TruncatedTail, null, last + 1, last == 0
                    ? $"the log has no records but the head acknowledges {head.Sequence}: the records were deleted."
                    : $"the log ends at record {last} but the head acknowledges record {head.Sequence}: records were cut from the end.");
            if (head.Sequence > 0 && accepted[head.Sequence] != head.Hash)
                return Broken(AuditBreakKind.HeadMismatch, null, head.Sequence, $"record {head.Sequence} is not the record the head acknowledges.");
            if (last > head.Sequence)
                warnings.Add($"{last - head.Sequence} record(s) after the head verify but are not yet acknowledged (an append was interrupted); the next append acknowledges them.");
            return new AuditVerification(true, count, last, files.Count, null, warnings);
        }
    }

    // ================================================================ helpers

    /// <summary>The kind a TamperingDetected record names first in its reason.</summary>
    private static AuditBreakKind TamperingKind(string? reason)
    {
        var name = reason?.Split(':', 2)[0];
        return Enum.TryParse<AuditBreakKind>(name, out var kind) && Enum.IsDefined(kind) ? kind : AuditBreakKind.HeadTampered;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static byte[]? FromHex(string? hex)
    {
        if (hex is null || hex.Length != 64) return null;
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
