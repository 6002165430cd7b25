using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET2003: a key scheduled for deletion that still wraps data keys of scanned files.</summary>
internal sealed class KeyPendingDeletionInUseRule() : KeyRule(RuleId, "KeyPendingDeletionInUse", ComplianceSeverity.Critical,
    "A key scheduled for deletion still wraps data keys of scanned files.",
    "Cancel the deletion with Restore-EncKey, rewrap the files with Update-EncFileKey, then schedule the deletion again.")
{
    public const string RuleId = "ET2003";

    public override bool NeedsScannedFiles => true;

    public override void Check(EncKey key, ComplianceContext context)
    {
        if (key.KeyState != KeyState.PendingDeletion || !context.Usage.TryGetValue(key.KeyId, out var used) || used <= 0) return;
        context.Report(this, ComplianceTargetKind.Key, key.KeyId,
            $"Key {ComplianceContext.Describe(key)} is scheduled for deletion on {key.DeletionDate:yyyy-MM-dd}, and {used} scanned file(s) are encrypted under it.",
            ComplianceRemediations.RestoreKey(key.KeyId, context.StorePath), key.KeyId);
    }
}
