namespace EncryptionTools.Engine.Audit;

/// <summary>Size, lock and durability settings of an <see cref="AuditLog"/>.</summary>
public sealed record AuditLogOptions
{
    /// <summary>A log file is closed and the next one started before it would grow past this size.</summary>
    public long MaxFileBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>How long an append or a verification waits for another process's append.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Flush each record to disk before the call returns.</summary>
    public bool Durable { get; init; } = true;
}
