namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1012: a file names an AWS KMS key that KMS has scheduled for deletion.</summary>
internal sealed class FileKmsKeyPendingDeletionRule() : FileRule(RuleId, "FileKmsKeyPendingDeletion", ComplianceSeverity.Critical,
    "An encrypted file's data key is wrapped under an AWS KMS key scheduled for deletion: when KMS deletes it, that data key is lost for good.",
    "Cancel the deletion in KMS (aws kms cancel-key-deletion, then aws kms enable-key), or rewrap the file to another key with Update-EncFileKey before the date.")
{
    public const string RuleId = "ET1012";

    public override bool NeedsKmsKeys => true;

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        foreach (var key in file.Kms)
        {
            if (key is not { Outcome: KmsKeyOutcome.Described, State: "PendingDeletion" or "PendingReplicaDeletion" }) continue;
            var when = key.Status!.DeletionDate is { } date ? $" on {date.UtcDateTime:yyyy-MM-dd}" : "";
            context.Report(this, ComplianceTargetKind.File, file.Path,
                $"The file's data key is wrapped under AWS KMS key {KmsText.Show(key.Arn)}, which is {key.State}: KMS deletes it{when}. {KmsText.Others(file, key.Arn)}",
                CancelDeletion(key.Arn), key.Arn);
        }
    }

    /// <summary>A cancelled deletion leaves the key Disabled: enable it too.</summary>
    internal static Remediation CancelDeletion(string keyArn) =>
        new(ComplianceRemediations.AwsKms("cancel-key-deletion", keyArn), ComplianceRemediations.AwsKms("enable-key", keyArn));
}
