namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1011: a file names an AWS KMS key that KMS reports Disabled.</summary>
internal sealed class FileKmsKeyDisabledRule() : FileRule(RuleId, "FileKmsKeyDisabled", ComplianceSeverity.High,
    "An encrypted file's data key is wrapped under an AWS KMS key that is disabled: KMS refuses to decrypt with it.",
    "Enable the key in KMS (aws kms enable-key), or rewrap the file to another key with Update-EncFileKey.")
{
    public const string RuleId = "ET1011";

    public override bool NeedsKmsKeys => true;

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        foreach (var key in file.Kms)
        {
            if (key is not { Outcome: KmsKeyOutcome.Described, State: "Disabled" }) continue;
            context.Report(this, ComplianceTargetKind.File, file.Path,
                $"The file's data key is wrapped under AWS KMS key {KmsText.Show(key.Arn)}, which is Disabled. {KmsText.Others(file, key.Arn)}",
                new Remediation(ComplianceRemediations.AwsKms("enable-key", key.Arn)), key.Arn);
        }
    }
}
