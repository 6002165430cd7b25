using EncryptionTools.Engine.Audit;

namespace EncryptionTools.Engine.Compliance.Rules;

/// <summary>ET4003: an audit log whose hash chain does not verify.</summary>
internal sealed class AuditLogBrokenRule() : StoreRule(RuleId, "AuditLogBroken", ComplianceSeverity.Critical,
    "The store's audit log does not verify: records were edited, deleted, reordered, inserted or cut.",
    "Run Test-EncAuditLog to see the first broken record, and investigate it.")
{
    public const string RuleId = "ET4003";

    public override void Check(StoreFacts store, ComplianceContext context)
    {
        if (store.Info is { Exists: false })
        {
            context.Skip($"there is no key store at '{store.Location}', so there is no audit log to verify", this);
            return;
        }
        AuditVerification? verification;
        try { verification = context.Source.VerifyAuditLog(); }
        catch (EncryptionToolsException ex)
        {
            context.Skip("the audit log cannot be verified: " + ex.Message, this);
            return;
        }
        if (verification is null)
        {
            context.Skip("this store has no audit log to verify", this);
            return;
        }
        if (verification.IsValid) return;
        var at = verification.FirstBreak is { LogFile: { } file } b ? $" ({file}{(b.Line is { } line ? $", line {line}" : "")})" : "";
        context.Report(this, ComplianceTargetKind.Store, store.Location,
            $"The audit log does not verify{at}: {verification.FirstBreak?.Message ?? "broken"}",
            TestAuditLog(context.StorePath));
    }

    public static Remediation TestAuditLog(string? storePath) => new(ComplianceRemediations.Command("Test-EncAuditLog", storePath));
}
