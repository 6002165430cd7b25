using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Audit;

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
public sealed partial class AuditLog
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
    /// <summary>Read once: Environment.MachineName asks the OS on every call, once per record of a batch of thousands.</summary>
    private static readonly Lazy<string> CurrentHostName = new(() => Environment.MachineName);
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

    private volatile bool _wiped;

    /// <summary>Zeroes this log's copy of the audit key (its store was locked, disposed or removed): from then on an append
    /// fails closed and a read or verification throws <see cref="ObjectDisposedException"/>.</summary>
    internal void WipeKey()
    {
        lock (_gate)
        {
            _wiped = true;
            CryptographicOperations.ZeroMemory(_key);
        }
    }

    /// <summary>This log's copy of the key (tests of wiping: the very array).</summary>
    internal byte[] KeyBuffer => _key;
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
