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
