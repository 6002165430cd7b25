using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET2004: an alias whose key does not exist or is scheduled for deletion.</summary>
internal sealed class AliasDanglingRule() : AliasRule(RuleId, "AliasDangling", ComplianceSeverity.Low,
    "An alias points to a key that does not exist or is scheduled for deletion.",
    "Remove the alias with Remove-EncKeyAlias, or point it to a live key with Set-EncKeyAlias.")
{
    public const string RuleId = "ET2004";

    public override void Check(EncKeyAlias alias, ComplianceContext context)
    {
        if (context.Keys!.TryGetValue(alias.KeyId, out var target) && target.KeyState != KeyState.PendingDeletion) return;
        context.Report(this, ComplianceTargetKind.Alias, alias.AliasName,
            target is null
                ? $"The alias {alias.AliasName} points to key {alias.KeyId}, which does not exist."
                : $"The alias {alias.AliasName} points to key {alias.KeyId}, which is scheduled for deletion on {target.DeletionDate:yyyy-MM-dd}.",
            RemoveAlias(alias.AliasName, context.StorePath), alias.KeyId);
    }

    public static Remediation RemoveAlias(string aliasName, string? storePath) =>
        new(ComplianceRemediations.Command("Remove-EncKeyAlias", storePath, ComplianceRemediations.Word("AliasName", aliasName)));
}
