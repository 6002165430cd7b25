using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>Test-EncryptionCompliance: findings, their scope, -Quiet, -Summary and profile errors.</summary>
[Collection(ModuleCollection.Name)]
public sealed class ComplianceTests(ModuleRunspace ps)
{
    [Fact]
    public void APlainFileIsOneET1001FindingWithARemediation()
    {
        using var box = new Sandbox();
        box.File("d/plain.csv", "a,b");
        var r = ps.Run("""
            New-EncKey -StorePath $store -EnableRotation | Out-Null
            Test-EncryptionCompliance -LiteralPath "$root/d" -Recurse -StorePath $store
            """, Vars(box));
        r.AssertNoErrors();
        var finding = OfType(Assert.Single(r.Output), "EncryptionTools.Engine.Compliance.ComplianceFinding");
        Assert.Equal("ET1001", Prop(finding, "RuleId"));
        Assert.StartsWith("Protect-File -LiteralPath ", Prop(finding, "Remediation")?.ToString());
    }

    [Fact]
    public void APathScopedCheckIgnoresStoreFindingsUnlessIncludeStoreIsGiven()
    {
        using var box = new Sandbox();
        var plain = box.File("d/data.csv", "x");
        var r = ps.Run("""
            New-EncKey -Alias alias/rotating -EnableRotation -StorePath $store | Out-Null
            New-EncKey -Alias alias/static -StorePath $store | Out-Null   # ET2001: a key that does not rotate
            Protect-File -LiteralPath $plain -KeyId alias/rotating -InPlace -StorePath $store | Out-Null
            Test-EncryptionCompliance -LiteralPath "$root/d" -Recurse -StorePath $store -Quiet
            Test-EncryptionCompliance -LiteralPath "$root/d" -Recurse -StorePath $store -IncludeStore -Quiet
            @(Test-EncryptionCompliance -LiteralPath "$root/d" -Recurse -StorePath $store -IncludeStore).RuleId -contains 'ET2001'
            Test-EncryptionCompliance -StorePath $store -Quiet
            """, Vars(box, ("plain", plain)));
        r.AssertNoErrors();
        Assert.Equal(["True", "False", "True", "False"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void QuietIsFalseForAPathThatDoesNotExist()
    {
        using var box = new Sandbox();
        var missing = Path.Combine(box.Root, "nope");
        var r = ps.Run("Test-EncryptionCompliance -LiteralPath $missing -Rule ET1001 -StorePath $store -Quiet", Vars(box, ("missing", missing)));
        SingleError(r, "PathNotFound", ErrorCategory.ObjectNotFound, missing);
        Assert.Equal("False", Assert.Single(r.Output).ToString());
    }

    [Fact]
    public void TheSummaryComesLastAndCountsTheScannedFiles()
    {
        using var box = new Sandbox();
        box.File("d/a.txt", "1");
        box.File("d/b.txt", "2");
        var r = ps.Run("Test-EncryptionCompliance -LiteralPath \"$root/d\" -Rule ET1001 -StorePath $store -Summary", Vars(box));
        r.AssertNoErrors();
        var summary = OfType(r.Output[^1], "EncryptionTools.Engine.Compliance.ComplianceSummary");
        Assert.Equal(2L, Convert.ToInt64(Prop(summary, "FilesScanned")));
        Assert.Equal(false, Prop(summary, "Compliant"));
        Assert.Equal(2, r.Output.Count - 1);
        Assert.All(r.Output.SkipLast(1), o => OfType(o, "EncryptionTools.Engine.Compliance.ComplianceFinding"));
    }

    [Fact]
    public void AnUnknownProfileFieldIsATerminatingComplianceProfileInvalid()
    {
        using var box = new Sandbox();
        var r = ps.Run("try { Test-EncryptionCompliance -Profile @{ Nope = 1 } -StorePath $store } catch { $_ }", Vars(box));
        var error = CaughtError(r, "ComplianceProfileInvalid", ErrorCategory.InvalidArgument, null);
        Assert.Contains("Nope", error.Exception.Message);
    }
}
