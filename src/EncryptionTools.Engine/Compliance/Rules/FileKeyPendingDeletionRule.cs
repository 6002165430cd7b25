using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1004: the file can only be opened by keys scheduled for deletion.</summary>
internal sealed class FileKeyPendingDeletionRule() : FileKeyStateRule(RuleId, "FileKeyPendingDeletion", ComplianceSeverity.Critical,
    "An encrypted file can only be opened by a key that is scheduled for deletion: when it is destroyed the file is lost.",
    "Cancel the deletion with Restore-EncKey, then rewrap the file with Update-EncFileKey if the key is to go.")
{
    public const string RuleId = "ET1004";

    public override bool Blocks(KeyVersionRef version, EncKey key) => key.KeyState == KeyState.PendingDeletion;

    public override void ReportBlocked(ScannedFile file, KeyVersionRef version, EncKey key, ComplianceContext context) =>
        context.Report(this, ComplianceTargetKind.File, file.Path,
            $"The file can only be opened with key {key.KeyId}, which is PendingDeletion: it will be destroyed on {key.DeletionDate:yyyy-MM-dd} and the file lost with it.",
            ComplianceRemediations.RestoreKey(key.KeyId, context.StorePath), key.KeyId);
}
