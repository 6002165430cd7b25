using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET1005: the file was made by key versions below the key's minimum decryption version.</summary>
internal sealed class FileKeyVersionRetiredRule() : FileKeyStateRule(RuleId, "FileKeyVersionRetired", ComplianceSeverity.High,
    "An encrypted file was made by a key version below the key's minimum decryption version: it cannot be opened.",
    "Lower the key's minimum decryption version with Set-EncKey -MinimumDecryptionVersion, then rewrap the file.")
{
    public const string RuleId = "ET1005";

    public override bool Blocks(KeyVersionRef version, EncKey key) => version.Version < key.MinimumDecryptionVersion;

    public override void ReportBlocked(ScannedFile file, KeyVersionRef version, EncKey key, ComplianceContext context) =>
        context.Report(this, ComplianceTargetKind.File, file.Path,
            $"The file was made by version {version.Version} of key {key.KeyId}, below its minimum decryption version {key.MinimumDecryptionVersion}: it cannot be opened.",
            LowerMinimumDecryptionVersion(key.KeyId, version.Version, context.StorePath), key.KeyId);

    public static Remediation LowerMinimumDecryptionVersion(string keyId, int version, string? storePath) =>
        new(ComplianceRemediations.Command("Set-EncKey", storePath, ComplianceRemediations.Word("KeyId", keyId),
            RemediationArgument.Number("MinimumDecryptionVersion", version)));
}
