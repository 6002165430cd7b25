namespace EncryptionTools.Engine.Audit;

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
    /// <summary>The request id of the key service's call (AWS KMS, to match CloudTrail); null for the store's own keys.</summary>
    public string? RequestId { get; init; }
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
