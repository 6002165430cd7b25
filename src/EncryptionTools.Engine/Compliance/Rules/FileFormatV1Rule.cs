using EncryptionTools.Engine.Files;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1007: a message in format version 1, which has no key commitment.</summary>
internal sealed class FileFormatV1Rule() : FileRule(RuleId, "FileFormatV1", ComplianceSeverity.High,
    "An encrypted file is in message format version 1, which has no key commitment.",
    "Decrypt it with the SDK that wrote it and encrypt it again with Protect-File (format version 2).")
{
    public const string RuleId = "ET1007";

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        var entry = file.Entry;
        if (entry.Kind != MessageKind.EsdkV1) return;
        context.Report(this, ComplianceTargetKind.File, file.Path,
            $"The file is an AWS Encryption SDK message in format version 1 (suite 0x{entry.SuiteId:X4} {entry.SuiteName}), which has no key commitment. Decrypt it with the SDK that wrote it, then encrypt it again.",
            ComplianceRemediations.ProtectFile(file.Path, context.Profile.KeyId, null, context.Profile.RequiredEncryptionContextKeys, context.StorePath));
    }
}
