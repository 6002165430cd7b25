namespace EncryptionTools.Engine.Audit;

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
