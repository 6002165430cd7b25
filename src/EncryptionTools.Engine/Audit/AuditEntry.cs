namespace EncryptionTools.Engine.Audit;

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
    /// <summary>The request id a key service (AWS KMS) gave the call this record is of, to match its own log (CloudTrail).</summary>
    public string? RequestId { get; init; }
}
