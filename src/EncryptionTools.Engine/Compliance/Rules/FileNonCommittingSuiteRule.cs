using EncryptionTools.Engine.Files;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1006: a version 2 message with an algorithm suite that does not commit to its key.</summary>
internal sealed class FileNonCommittingSuiteRule() : FileRule(RuleId, "FileNonCommittingSuite", ComplianceSeverity.High,
    "An encrypted file uses an algorithm suite without key commitment.",
    "Decrypt it with the SDK that wrote it and encrypt it again with Protect-File (committing suite 0x0478).")
{
    public const string RuleId = "ET1006";

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        var entry = file.Entry;
        if (entry.Kind != MessageKind.NonCommitting) return;
        context.Report(this, ComplianceTargetKind.File, file.Path,
            $"The file uses algorithm suite 0x{entry.SuiteId:X4} ({entry.SuiteName}), which does not commit to its key. Decrypt it with the SDK that wrote it, then encrypt it again.",
            ComplianceRemediations.ProtectFile(file.Path, context.Profile.KeyId, null, context.Profile.RequiredEncryptionContextKeys, context.StorePath));
    }
}
