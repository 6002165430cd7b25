using EncryptionTools.Engine.Compliance;

namespace EncryptionTools.Tests.Compliance;

/// <summary>Rule selection, severity filtering, the summary, progress and the rules-not-evaluated list.</summary>
public sealed class EngineBehaviourTests : IDisposable
{
    private readonly ComplianceFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void RulesAreSelectedByIdNameOrWildcardAndExcluded()
    {
        Assert.Equal(15, ComplianceRules.Select(["ET1*"], null).Count);
        Assert.Equal([ComplianceRules.KeyExportable], ComplianceRules.Select(["KeyExportable"], null).Select(r => r.Id));
        Assert.Equal(ComplianceRules.All.Count - 4, ComplianceRules.Select(null, ["ET30*"]).Count);
        var ex = Assert.Throws<ComplianceArgumentException>(() => ComplianceRules.Select(["ET9999"], null));
        Assert.Contains("ET9999", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ComplianceArgumentException>(() => ComplianceRules.Select(null, ["Nope*"]));
    }

    [Fact]
    public void IdsAreStableAndUnique()
    {
        Assert.Equal(ComplianceRules.All.Count, ComplianceRules.All.Select(r => r.Id).Distinct().Count());
        Assert.All(ComplianceRules.All, r => Assert.Matches("^ET[1-4][0-9]{3}$", r.Id));
        Assert.All(ComplianceRules.All, r => Assert.Equal((int)r.Area + 1, r.Id[2] - '0'));
    }

    [Fact]
    public void TheMinimumSeverityFiltersWhatIsReportedAndWhatCounts()
    {
        _f.NewKey(rotation: false); // ET2001, Medium
        var all = _f.Run();
        Assert.False(all.Summary.Compliant);
        var high = _f.Run(minimum: ComplianceSeverity.High);
        Assert.Empty(high.Findings);
        Assert.True(high.Summary.Compliant);
        Assert.Equal(ComplianceSeverity.High, high.Summary.MinimumSeverity);
    }

    [Fact]
    public void ExcludedRulesAndTheProfilesExcludeRuleAreNotEvaluated()
    {
        _f.NewKey(rotation: false);
        var report = _f.Run(new ComplianceProfile { ExcludeRule = ["KeyRotation*"] });
        Assert.True(report.Summary.Compliant);
        Assert.DoesNotContain(ComplianceRules.KeyRotationDisabled, report.Summary.RulesEvaluated);
    }

    [Fact]
    public void WithoutPathsTheFileRulesAreListedAsNotEvaluated()
    {
        _f.Plain("a.txt");
        var report = _f.Run(scan: false);
        Assert.Equal(0, report.Summary.FilesScanned);
        var reasons = report.Summary.RulesNotEvaluated.Where(s => s.RuleId.StartsWith("ET1", StringComparison.Ordinal)).ToList();
        Assert.Equal(15, reasons.Count);
        Assert.All(reasons, r => Assert.Contains("-Path", r.Reason, StringComparison.Ordinal));
        Assert.Contains(report.Summary.RulesNotEvaluated, s => s.RuleId == ComplianceRules.KeyPendingDeletionInUse);
    }

    [Fact]
    public void FindingsStreamInOrderAndProgressIsReported()
    {
        for (var i = 0; i < 600; i++) _f.Plain($"d{i % 7}/f{i}.txt");
        var streamed = new List<ComplianceFinding>();
        var phases = new List<CompliancePhase>();
        using var source = _f.Source();
        var report = ComplianceEngine.Run(new ComplianceRequest { Paths = [_f.Tree], MaxDegreeOfParallelism = 2 }, source,
            new Files.CallbackProgress<ComplianceProgress>(p => phases.Add(p.Phase)), streamed.Add);
        Assert.Equal(report.Findings, streamed);
        Assert.Equal(600, report.Summary.FilesScanned);
        Assert.Equal(600, report.Summary.CountByRule[ComplianceRules.FileNotEncrypted]);
        Assert.Equal(CompliancePhase.Scanning, phases[0]);
        Assert.Equal(CompliancePhase.Done, phases[^1]);
        Assert.Contains(CompliancePhase.Store, phases);
        Assert.Equal(600, report.Summary.CountBySeverity["High"]);
        Assert.Equal(["Critical", "High", "Medium", "Low", "Informational"], report.Summary.CountBySeverity.Keys);
    }

    [Fact]
    public void CancellationStopsTheRun()
    {
        for (var i = 0; i < 300; i++) _f.Plain($"f{i}.txt");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var source = _f.Source();
        Assert.ThrowsAny<OperationCanceledException>(() => ComplianceEngine.Run(new ComplianceRequest { Paths = [_f.Tree] }, source, cancellationToken: cts.Token));
    }

    [Fact]
    public void ALockedStoreLeavesTheFileKeyRulesNotEvaluatedButTheRestRuns()
    {
        using var f = new ComplianceFixture(passwordIterations: 1000);
        var key = f.NewKey();
        f.Encrypted("a.bin", key.KeyId);
        f.Plain("b.txt");
        f.Keys.SetProtection(new EncryptionTools.Engine.Store.ProtectionChange { Protection = EncryptionTools.Engine.Store.StoreProtection.Password, NewPassword = "pw-for-tests".ToCharArray(), PasswordIterations = 1000 });
        f.Keys.Lock();
        var report = f.Run();
        Assert.Contains(report.Findings, x => x.RuleId == ComplianceRules.FileNotEncrypted);
        Assert.Contains(report.Summary.RulesNotEvaluated, s => s.RuleId == ComplianceRules.FileKeyUnknown);
        // Every rule that needs the open store says why, naming the cmdlet that opens it.
        foreach (var id in new[] { ComplianceRules.FileKeyUnknown, ComplianceRules.KeyRotationDisabled, ComplianceRules.PolicyPublicDecrypt,
                     ComplianceRules.GrantWithoutConstraints, ComplianceRules.AuditLogBroken })
            Assert.Contains("Unlock-EncKeyStore", Assert.Single(report.Summary.RulesNotEvaluated, s => s.RuleId == id).Reason, StringComparison.Ordinal);
        // What does not need the root key still runs: the store's protection and permissions.
        Assert.Contains(ComplianceRules.StoreWithoutPassword, report.Summary.RulesEvaluated);
        Assert.Contains(ComplianceRules.StorePermissionsOpen, report.Summary.RulesEvaluated);
    }

    [Fact]
    public void RemediationsCarryTheStorePathWhenOneWasGiven()
    {
        var key = _f.NewKey(rotation: false);
        using var source = _f.Source();
        var report = ComplianceEngine.Run(new ComplianceRequest { RemediationStorePath = "/srv/it's keys", Rules = [ComplianceRules.KeyRotationDisabled] }, source);
        Assert.Equal($"Set-EncKey -KeyId {key.KeyId} -RotationEnabled $true -StorePath '/srv/it''s keys'", Assert.Single(report.Findings).Remediation);
    }
}
