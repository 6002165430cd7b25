using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET2001: a customer-managed symmetric key of this store that does not rotate, when the profile requires rotation.</summary>
internal sealed class KeyRotationDisabledRule() : KeyRule(RuleId, "KeyRotationDisabled", ComplianceSeverity.Medium,
    "A customer-managed symmetric key does not rotate automatically (profile RequireRotation).",
    "Turn rotation on with Set-EncKey -RotationEnabled $true.")
{
    public const string RuleId = "ET2001";

    public override void Check(EncKey key, ComplianceContext context)
    {
        if (!context.Profile.RequireRotation || key.KeyState == KeyState.PendingDeletion || key.RotationEnabled || key.KeyManager != KeyManager.Customer
            || key.KeySpec != KeySpec.SYMMETRIC_DEFAULT || key.Origin != KeyOrigin.EncryptionTools)
            return;
        context.Report(this, ComplianceTargetKind.Key, key.KeyId,
            $"Key {ComplianceContext.Describe(key)} does not rotate automatically.",
            EnableRotation(key.KeyId, context.StorePath), key.KeyId);
    }

    public static Remediation EnableRotation(string keyId, string? storePath) =>
        new(ComplianceRemediations.Command("Set-EncKey", storePath, ComplianceRemediations.Word("KeyId", keyId), RemediationArgument.Boolean("RotationEnabled", true)));
}
