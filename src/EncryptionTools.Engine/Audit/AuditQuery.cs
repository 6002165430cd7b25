namespace EncryptionTools.Engine.Audit;

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
