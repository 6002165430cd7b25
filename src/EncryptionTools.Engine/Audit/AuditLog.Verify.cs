using System.Security.Cryptography;

namespace EncryptionTools.Engine.Audit;

// Verify: every HMAC, the chain and sequence across files, and the head; the first break is reported.
public sealed partial class AuditLog
{
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
}
