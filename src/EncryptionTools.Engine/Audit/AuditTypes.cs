namespace EncryptionTools.Engine.Audit;

public enum AuditResult
{
    /// <summary>Authorized (for a check that does nothing else, such as Test-EncKeyAccess).</summary>
    Allowed,
    /// <summary>Refused by policy or grants; <see cref="AuditEntry.Reason"/> says why.</summary>
    Denied,
    /// <summary>Authorized, but the operation failed (bad input, I/O, a tampered file).</summary>
    Failed,
    /// <summary>Authorized and done.</summary>
    Succeeded,
}

/// <summary>
/// What the caller records about one operation. Every field is text that is safe to keep: there is deliberately no
/// field for key material, data keys or plaintext. Host, process and time are filled in when not given.
/// </summary>
public sealed record AuditEntry
{
    /// <summary>The kms: action checked (e.g. kms:Decrypt), or the operation's name for store operations.</summary>
    public required string Action { get; init; }
    public required AuditResult Result { get; init; }
    /// <summary>The caller's principal string (user:alice).</summary>
    public required string Principal { get; init; }
    /// <summary>The cmdlet (Unprotect-EncFile) or CLI command (enctools decrypt).</summary>
    public string? Command { get; init; }
    public string? KeyId { get; init; }
    public string? KeyVersion { get; init; }
    /// <summary>The encryption context of the request (not secret by design).</summary>
    public IReadOnlyDictionary<string, string>? EncryptionContext { get; init; }
    public string? FilePath { get; init; }
    /// <summary>Why it was denied or failed. Longer than <see cref="AuditLog.MaxReasonLength"/> is cut.</summary>
    public string? Reason { get; init; }
    /// <summary>What decided: "statement 1 (Sid 'Users')", "grant 3f2a...".</summary>
    public string? DecidedBy { get; init; }
    public DateTimeOffset? Time { get; init; }
    public string? Host { get; init; }
    public int? ProcessId { get; init; }
    public string? ProcessName { get; init; }
    /// <summary>A store change's record: the store revision the change commits (written before the change is saved).</summary>
    public long? StoreRevision { get; init; }
}

/// <summary>One record read back from the log: what Get-EncAuditEvent emits.</summary>
public sealed record AuditEvent
{
    public required long Sequence { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string Principal { get; init; }
    public string? Host { get; init; }
    public int? ProcessId { get; init; }
    public string? ProcessName { get; init; }
    public string? Command { get; init; }
    public required string Action { get; init; }
    public string? KeyId { get; init; }
    public string? KeyVersion { get; init; }
    public IReadOnlyDictionary<string, string>? EncryptionContext { get; init; }
    public string? FilePath { get; init; }
    public required AuditResult Result { get; init; }
    public string? Reason { get; init; }
    public string? DecidedBy { get; init; }
    /// <summary>A store change's record: the store revision it commits. A crash between the record and the save leaves a
    /// record whose revision a later record carries again; only the last record of a revision describes a committed change.</summary>
    public long? StoreRevision { get; init; }
    /// <summary>SHA-256 of the previous record's line (hex); 64 zeros for the first record.</summary>
    public required string PreviousHash { get; init; }
    /// <summary>SHA-256 of this record's line (hex).</summary>
    public required string Hash { get; init; }
    /// <summary>Whether the record's own HMAC verifies under the store's audit key.</summary>
    public required bool IsAuthentic { get; init; }
    /// <summary>The log file (name only) and 1-based line the record came from.</summary>
    public required string LogFile { get; init; }
    public required long Line { get; init; }
}

/// <summary>Filters for <see cref="AuditLog.Query"/>; every given filter applies.</summary>
public sealed record AuditQuery
{
    /// <summary>Records at or after this time.</summary>
    public DateTimeOffset? From { get; init; }
    /// <summary>Records before this time.</summary>
    public DateTimeOffset? To { get; init; }
    public string? KeyId { get; init; }
    /// <summary>The principal string, exactly (user:alice).</summary>
    public string? Principal { get; init; }
    /// <summary>An action, with * and ? wildcards, without regard to case (kms:ReEncrypt*).</summary>
    public string? Action { get; init; }
    public AuditResult? Result { get; init; }
    public string? Command { get; init; }
}

public enum AuditBreakKind
{
    /// <summary>A record's content changed (its HMAC no longer verifies).</summary>
    Edited,
    /// <summary>Records are missing from the middle or the start of the chain.</summary>
    Deleted,
    /// <summary>Records (or whole files) are out of order.</summary>
    Reordered,
    /// <summary>A record that the chain does not contain was added (forged, or a copy of an earlier one).</summary>
    Inserted,
    /// <summary>A record's previous-hash does not match the record before it, although both verify.</summary>
    ChainBroken,
    /// <summary>The log ends before the record the head acknowledges: records were cut from the end.</summary>
    TruncatedTail,
    /// <summary>The last record is not the one the head acknowledges.</summary>
    HeadMismatch,
    /// <summary>The head file's HMAC does not verify, or it does not parse.</summary>
    HeadTampered,
    /// <summary>There are records but no head file.</summary>
    HeadMissing,
    /// <summary>The log has no records, but the store's anchor proves it had: audit/ was deleted, or emptied with its head.</summary>
    LogMissing,
    /// <summary>The log has the store's anchored record number, but not the anchored record: the log was replaced.</summary>
    AnchorMismatch,
}

/// <summary>The first place the log stops being trustworthy.</summary>
public sealed record AuditBreak(AuditBreakKind Kind, string? LogFile, long? Line, long? Sequence, string Message)
{
    /// <summary>The stable id of the break (AuditLogTruncatedTail, AuditLogMissing...): every break is evidence of tampering.</summary>
    public string ErrorId => Kind switch
    {
        AuditBreakKind.LogMissing => "AuditLogMissing",
        _ => "AuditLog" + Kind,
    };


    public override string ToString() => Message;
}

/// <summary>What <see cref="AuditLog.Verify"/> found.</summary>
public sealed record AuditVerification(bool IsValid, long RecordCount, long LastSequence, int FileCount, AuditBreak? FirstBreak, IReadOnlyList<string> Warnings)
{
    public override string ToString() => IsValid
        ? $"The audit log is intact: {RecordCount} record(s) in {FileCount} file(s), last sequence {LastSequence}."
        : $"The audit log is broken: {FirstBreak!.Message}";
}

/// <summary>Another process held the audit log's lock for longer than the timeout.</summary>
public sealed class AuditLogLockedException(string message)
    : EncryptionToolsException(ErrorCatalog.AuditLogLocked, message);

/// <summary>An entry cannot be recorded as given (a required field is empty, or a field is too long).</summary>
public sealed class InvalidAuditEntryException(string message)
    : EncryptionToolsException(ErrorCatalog.InvalidAuditEntry, message);

/// <summary>What the store's encrypted document proves about its log: the log reached this record, with this hash.</summary>
public sealed record AuditAnchor(long Sequence, string Hash);

/// <summary>The log or its head could not be written.</summary>
public sealed class AuditLogWriteException(string message, Exception? inner = null)
    : EncryptionToolsException(ErrorCatalog.AuditLogWriteFailed, message, inner);
