namespace EncryptionTools.PowerShell.Tests;

/// <summary>Test-EncAuditLog in a real runspace: a deleted audit log is tampering with a stable id, not an empty log.</summary>
[Collection(ModuleCollection.Name)]
public sealed class AuditLogTamperingTests(ModuleRunspace ps)
{
    [Fact]
    public void Test_EncAuditLog_reports_a_deleted_log_as_AuditLogMissing_and_Quiet_is_false()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            (Test-EncAuditLog -StorePath $store).IsValid
            Remove-Item -Recurse -Force -LiteralPath (Join-Path $store 'audit')
            $result = Test-EncAuditLog -StorePath $store
            $result.IsValid
            $result.FirstBreak.ErrorId
            Test-EncAuditLog -StorePath $store -Quiet
            """, new Dictionary<string, object?> { ["store"] = box.StorePath });
        r.AssertNoErrors();
        Assert.Equal(["True", "False", "AuditLogMissing", "False"], r.Output.Select(o => o?.ToString()));
    }
}
