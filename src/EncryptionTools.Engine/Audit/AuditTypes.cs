namespace EncryptionTools.Engine.Audit;

/// <summary>Another process held the audit log's lock for longer than the timeout.</summary>
internal sealed class AuditLogLockedException(string message)
    : EncryptionToolsException(ErrorCatalog.AuditLogLocked, message);

/// <summary>An entry cannot be recorded as given (a required field is empty, or a field is too long).</summary>
internal sealed class InvalidAuditEntryException(string message)
    : EncryptionToolsException(ErrorCatalog.InvalidAuditEntry, message);

/// <summary>The log or its head could not be written.</summary>
internal sealed class AuditLogWriteException(string message, Exception? inner = null)
    : EncryptionToolsException(ErrorCatalog.AuditLogWriteFailed, message, inner);
