namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1009: the best usable key version of a file lags the key's current version by more than the profile allows.</summary>
internal sealed class FileKeyVersionTooOldRule() : FileRule(RuleId, "FileKeyVersionTooOld", ComplianceSeverity.Medium,
    "An encrypted file is wrapped under a key version more versions behind the current one than the profile allows (MaximumKeyVersionLag).",
    "Rewrap it under the key's current version with Update-EncFileKey (the body is not re-encrypted).")
{
    public const string RuleId = "ET1009";

    public override bool NeedsKeys => true;

    public override void Check(ScannedFile file, ComplianceContext context)
    {
        if (file.Usable.Count == 0 || context.Profile.MaximumKeyVersionLag is not { } maxLag) return;
        var best = file.Usable.OrderBy(u => u.Key.CurrentVersion - u.Ref.Version).First();
        var lag = best.Key.CurrentVersion - best.Ref.Version;
        if (lag <= maxLag) return;
        context.Report(this, ComplianceTargetKind.File, file.Path,
            $"The file is wrapped under version {best.Ref.Version} of key {best.Key.KeyId}, {lag} version(s) behind its current version {best.Key.CurrentVersion}; the profile allows {maxLag} (MaximumKeyVersionLag).",
            RewrapFile(file.Path, best.Key.KeyId, context.StorePath), best.Key.KeyId);
    }

    public static Remediation RewrapFile(string path, string keyId, string? storePath) =>
        new(ComplianceRemediations.Command("Update-EncFileKey", storePath, ComplianceRemediations.Text("LiteralPath", path), ComplianceRemediations.Word("KeyId", keyId)));
}
