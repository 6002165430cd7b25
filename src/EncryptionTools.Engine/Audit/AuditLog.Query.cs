using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Audit;

// Reading: splitting and parsing lines, and Query (no lock: files only grow).
public sealed partial class AuditLog
{
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
                    RequestId = Str(r, "requestId"),
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
}
