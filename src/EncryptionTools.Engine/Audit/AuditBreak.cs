namespace EncryptionTools.Engine.Audit;

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
