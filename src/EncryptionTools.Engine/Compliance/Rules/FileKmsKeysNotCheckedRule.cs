namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1014: files name AWS KMS keys, but no AWS KMS provider is loaded in this process (one finding per run).</summary>
internal sealed class FileKmsKeysNotCheckedRule() : FileRule(RuleId, "FileKmsKeysNotChecked", ComplianceSeverity.Informational,
    "Encrypted files name AWS KMS keys, but AWS KMS support is not loaded in this process, so the state of those keys was not checked (one finding per run).",
    "Run the check where AWS KMS support is loaded: Test-EncryptionCompliance in the EncryptionTools module.")
{
    public const string RuleId = "ET1014";

    public override bool NeedsKmsKeys => true;

    public override void Check(ScannedFile file, ComplianceContext context) { }

    public override void Finish(ComplianceContext context)
    {
        var kms = context.Kms;
        if (kms.UncheckedFiles == 0 || kms.FirstUncheckedFile is not { } first) return;
        context.Report(this, ComplianceTargetKind.File, first,
            $"{kms.UncheckedFiles} file(s) name AWS KMS keys (this one names {KmsText.Show(kms.FirstUncheckedArn)}), but no AWS KMS keyring provider is loaded in this process: "
            + $"whether those keys are enabled, scheduled for deletion or gone was not checked ({FileKmsKeyDisabledRule.RuleId}, {FileKmsKeyPendingDeletionRule.RuleId}, {FileKmsKeyUnavailableRule.RuleId}).",
            CheckWithKms(first), kms.FirstUncheckedArn);
    }

    public static Remediation CheckWithKms(string path) =>
        new(ComplianceRemediations.Command("Test-EncryptionCompliance", null, ComplianceRemediations.Text("LiteralPath", path),
            RemediationArgument.List("Rule", [FileKmsKeyDisabledRule.RuleId, FileKmsKeyPendingDeletionRule.RuleId, FileKmsKeyUnavailableRule.RuleId])));
}
