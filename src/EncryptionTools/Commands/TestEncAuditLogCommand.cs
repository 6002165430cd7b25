using System.Management.Automation;
using EncryptionTools.Engine.Audit;

namespace EncryptionTools.Module.Commands;

/// <summary>Verifies the audit log's hash chain, record HMACs and head; names the first broken record.</summary>
[Cmdlet(VerbsDiagnostic.Test, "EncAuditLog", HelpUri = HelpLinks.DocsBase + "Test-EncAuditLog.md")]
[OutputType(typeof(AuditVerification))]
[OutputType(typeof(bool))]
public sealed class TestEncAuditLogCommand : KeyStoreCmdlet
{
    /// <summary>Writes only $true (intact) or $false (broken).</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        ForItem(Store.Location, () =>
        {
            var result = Store.VerifyAuditLog();
            if (Quiet) WriteObject(result.IsValid);
            else WriteObject(result);
        });
    }
}
