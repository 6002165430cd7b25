using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1003: the file can only be opened by disabled keys.</summary>
internal sealed class FileKeyDisabledRule() : FileKeyStateRule(RuleId, "FileKeyDisabled", ComplianceSeverity.High,
    "An encrypted file can only be opened by a key that is disabled.",
    "Enable the key with Enable-EncKey, or rewrap the file to another key.")
{
    public const string RuleId = "ET1003";

    public override bool Blocks(KeyVersionRef version, EncKey key) => key.KeyState == KeyState.Disabled;

    public override void ReportBlocked(ScannedFile file, KeyVersionRef version, EncKey key, ComplianceContext context) =>
        context.Report(this, ComplianceTargetKind.File, file.Path,
            $"The file can only be opened with key {key.KeyId}, which is Disabled.",
            ComplianceRemediations.EnableKey(key.KeyId, context.StorePath), key.KeyId);
}
