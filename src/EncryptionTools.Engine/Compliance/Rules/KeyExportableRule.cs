using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET2005: an exportable key, when the profile forbids them.</summary>
internal sealed class KeyExportableRule() : KeyRule(RuleId, "KeyExportable", ComplianceSeverity.Medium,
    "A key's material can be exported, and the profile forbids exportable keys (AllowExportableKeys = $false).",
    "Create a non-exportable key, rewrap the files to it with Update-EncFileKey, and remove the exportable key with Remove-EncKey.")
{
    public const string RuleId = "ET2005";

    public override void Check(EncKey key, ComplianceContext context)
    {
        if (context.Profile.AllowExportableKeys || !key.Exportable) return;
        context.Report(this, ComplianceTargetKind.Key, key.KeyId,
            $"Key {ComplianceContext.Describe(key)} was created exportable, and the profile forbids exportable keys. A key cannot be made non-exportable: "
            + "move its files to a new key, then remove it.",
            ReplaceExportableKey(key.KeyId, context.StorePath), key.KeyId);
    }

    /// <summary>A key cannot be made non-exportable: move its files to a new key and remove it.</summary>
    public static Remediation ReplaceExportableKey(string keyId, string? storePath) =>
        new(ComplianceRemediations.Command("New-EncKey", storePath, ComplianceRemediations.Text("Description", "Replaces " + keyId)),
            ComplianceRemediations.Command("Update-EncFileKey", storePath, ComplianceRemediations.Placeholder("LiteralPath", $"<files under {keyId}>"),
                ComplianceRemediations.Placeholder("KeyId", "<the new key>")),
            ComplianceRemediations.Command("Remove-EncKey", storePath, ComplianceRemediations.Word("KeyId", keyId)));
}
