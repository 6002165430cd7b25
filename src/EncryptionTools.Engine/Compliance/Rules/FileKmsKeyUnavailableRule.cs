namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>
/// ET1013: a file names an AWS KMS key that KMS does not have, that the caller may not describe, or that is in a state
/// that forbids use; and, once per run and region, KMS that could not be asked at all (endpoint unreachable, no
/// credentials, throttled), the scan going on without it.
/// </summary>
internal sealed class FileKmsKeyUnavailableRule() : FileRule(RuleId, "FileKmsKeyUnavailable", ComplianceSeverity.High,
    "An encrypted file names an AWS KMS key that KMS does not have, will not describe to the caller, or holds in a state that forbids use; or KMS could not be reached to check the files' keys (one finding per run).",
    "Run aws kms describe-key on the key to see KMS's answer; restore access, or rewrap the file to a key that exists with Update-EncFileKey.")
{
    public const string RuleId = "ET1013";

    public override bool NeedsKmsKeys => true;

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        foreach (var key in file.Kms)
        {
            string? why = key switch
            {
                { Outcome: KmsKeyOutcome.KeyError } => $"KMS answered {key.ErrorId}: {UntrustedText.Neutralize(key.Problem, 600)}",
                { Outcome: KmsKeyOutcome.Described, State: not ("Enabled" or "Disabled" or "PendingDeletion" or "PendingReplicaDeletion") } =>
                    $"KMS reports it in state {UntrustedText.Neutralize(key.State, 64)}, which forbids its use",
                _ => null,
            };
            if (why is null) continue;
            context.Report(this, ComplianceTargetKind.File, file.Path,
                $"The file's data key is wrapped under AWS KMS key {KmsText.Show(key.Arn)}, which cannot be used: {why}. {KmsText.Others(file, key.Arn)}",
                new Remediation(ComplianceRemediations.AwsKms("describe-key", key.Arn)), key.Arn);
        }
    }

    public override void Finish(ComplianceContext context)
    {
        foreach (var problem in context.Kms.ServiceProblems)
        {
            var region = problem.Region == "*" ? "" : $" in {problem.Region}";
            context.Report(this, ComplianceTargetKind.Key, problem.FirstArn,
                $"AWS KMS could not be asked about the keys of {problem.Files} file(s){region} ({problem.Keys.Count} key(s), the first file '{UntrustedText.Neutralize(problem.FirstFile, 400)}'): "
                + $"{problem.ErrorId}: {UntrustedText.Neutralize(problem.Message, 600)}. Their KMS keys were not checked; the rest of the scan went on.",
                new Remediation(ComplianceRemediations.AwsKms("describe-key", problem.FirstArn)), problem.FirstArn);
        }
    }
}
