namespace EncryptionTools.Engine.Audit;

/// <summary>What <see cref="AuditLog.Verify"/> found.</summary>
public sealed record AuditVerification(bool IsValid, long RecordCount, long LastSequence, int FileCount, AuditBreak? FirstBreak, IReadOnlyList<string> Warnings)
{
    public override string ToString() => IsValid
        ? $"The audit log is intact: {RecordCount} record(s) in {FileCount} file(s), last sequence {LastSequence}."
        : $"The audit log is broken: {FirstBreak!.Message}";
}
