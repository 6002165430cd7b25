using System.Globalization;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET2006: a key whose current material is older than the profile allows.</summary>
internal sealed class KeyTooOldRule() : KeyRule(RuleId, "KeyTooOld", ComplianceSeverity.Medium,
    "A key's current material is older than the profile allows (MaximumKeyAgeDays).",
    "Rotate it with Invoke-EncKeyRotation.")
{
    public const string RuleId = "ET2006";

    public override void Check(EncKey key, ComplianceContext context)
    {
        if (context.Profile.MaximumKeyAgeDays is not { } maxAge || key.KeyState == KeyState.PendingDeletion) return;
        var current = key.Versions.FirstOrDefault(v => v.IsCurrent)?.CreationDate ?? key.CreationDate;
        var age = (context.Now - current).TotalDays;
        if (age <= maxAge) return;
        context.Report(this, ComplianceTargetKind.Key, key.KeyId,
            $"The current material of key {ComplianceContext.Describe(key)} (version {key.CurrentVersion}, made {current:yyyy-MM-dd}) is {Math.Floor(age).ToString(CultureInfo.InvariantCulture)} days old; the profile allows {maxAge} (MaximumKeyAgeDays).",
            ComplianceRemediations.RotateKey(key.KeyId, false, context.StorePath), key.KeyId);
    }
}
