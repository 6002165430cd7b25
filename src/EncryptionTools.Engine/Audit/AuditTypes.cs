namespace EncryptionTools.Engine.Audit;

/// <summary>Another process held the audit log's lock for longer than the timeout.</summary>
internal sealed class AuditLogLockedException(string message)
    : EncryptionToolsException("AuditLogLocked", EngineErrorCategory.ResourceUnavailable, message);

/// <summary>An entry cannot be recorded as given (a required field is empty, or a field is too long).</summary>
internal sealed class InvalidAuditEntryException(string message)
    : EncryptionToolsException("InvalidAuditEntry", EngineErrorCategory.InvalidArgument, message);

/// <summary>The log or its head could not be written.</summary>
internal sealed class AuditLogWriteException(string message, Exception? inner = null)
    : EncryptionToolsException("AuditLogWriteFailed", EngineErrorCategory.WriteError, message, inner);
