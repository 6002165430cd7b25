using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET2002: a rotating key whose next rotation date has passed.</summary>
internal sealed class KeyRotationOverdueRule() : KeyRule(RuleId, "KeyRotationOverdue", ComplianceSeverity.High,
    "A key's automatic rotation date has passed without a rotation (the key is disabled, or the store was not used since).",
    "Rotate it now with Invoke-EncKeyRotation (enable it first with Enable-EncKey if it is disabled).")
{
    public const string RuleId = "ET2002";

    public override void Check(EncKey key, ComplianceContext context)
    {
        if (key.KeyState == KeyState.PendingDeletion || !key.RotationEnabled || key.NextRotationDate is not { } next || next > context.Now) return;
        context.Report(this, ComplianceTargetKind.Key, key.KeyId,
            $"Key {ComplianceContext.Describe(key)} was due to rotate on {next:yyyy-MM-dd} and has not"
            + (key.KeyState == KeyState.Disabled ? " (it is Disabled, and disabled keys do not rotate)." : "."),
            ComplianceRemediations.RotateKey(key.KeyId, key.KeyState == KeyState.Disabled, context.StorePath), key.KeyId);
    }
}
