namespace EncryptionTools.Engine.Audit;

/// <summary>What the store's encrypted document proves about its log: the log reached this record, with this hash.</summary>
public sealed record AuditAnchor(long Sequence, string Hash);
