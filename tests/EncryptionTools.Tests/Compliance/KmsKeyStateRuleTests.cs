using System.Diagnostics;
using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;
using EncryptionTools.Kms;
using EncryptionTools.Tests.Kms;

namespace EncryptionTools.Tests.Compliance;

/// <summary>
/// ET1011 to ET1014: the AWS KMS keys files name, described through the real provider against the local KMS endpoint
/// (disabled, pending deletion, missing, the endpoint unreachable, no provider at all).
/// </summary>
[Collection(KmsProviderCollection.Name)] // the process-wide provider registry: never beside a test that unregisters it
public sealed class KmsKeyStateRuleTests : IDisposable
{
    private readonly ComplianceFixture _f = new();
    private static KmsEndpoint Kms => KmsEndpoint.Instance;
    private static readonly string[] KmsRules = ["ET1011", "ET1012", "ET1013", "ET1014"];

    public void Dispose() => _f.Dispose();

    [Fact]
    public void ET4002_AStoreWhoseRootKeyAnAwsKmsKeyProtectsMeetsRequirePassword()
    {
        KmsTestProvider.Register();
        _f.NewKey();
        var profile = new ComplianceProfile { RequirePassword = true };
        Assert.Contains("File", Assert.Single(_f.Findings(ComplianceRules.StoreWithoutPassword, profile)).Message, StringComparison.Ordinal);
        _f.Keys.SetProtection(new ProtectionChange { Protection = StoreProtection.AwsKms, KmsKeyId = Kms.CreateKey() });
        Assert.Empty(_f.Findings(ComplianceRules.StoreWithoutPassword, profile));
        Assert.Contains(ComplianceRules.StoreWithoutPassword, _f.Run(profile).Summary.RulesEvaluated);
    }

    [Fact]
    public void ET1011_AFileUnderADisabledKmsKeyIsReportedOncePerFile()
    {
        var arn = Kms.CreateKey();
        var only = _f.KmsFile("kms/only.csv", [arn]);
        var local = _f.NewKey();
        using var localRing = _f.Keys.CreateEncryptKeyring([local.KeyId]);
        var both = _f.KmsFile("kms/both.csv", [arn], localRing);
        Assert.Empty(_f.RunWith(KmsComplianceSupport.Registered, rules: KmsRules).Findings);

        Kms.Disable(arn);
        var findings = _f.RunWith(KmsComplianceSupport.Registered, rules: KmsRules).Findings;
        Assert.All(findings, x => Assert.Equal("ET1011", x.RuleId));
        Assert.Equal([both, only], findings.Select(x => x.Target).Order(StringComparer.Ordinal));
        var finding = findings.Single(x => x.Target == only);
        Assert.Equal(ComplianceSeverity.High, finding.Severity);
        Assert.Equal(arn, finding.KeyId);
        Assert.Contains($"AWS KMS key {arn}, which is Disabled", finding.Message, StringComparison.Ordinal);
        Assert.Contains("only key", finding.Message, StringComparison.Ordinal);
        Assert.Contains("1 other key(s)", findings.Single(x => x.Target == both).Message, StringComparison.Ordinal);
        Assert.Equal($"aws kms enable-key --key-id '{arn}' --region us-east-1", finding.Remediation);
    }

    [Fact]
    public void ET1012_AFileUnderAKmsKeyPendingDeletionIsCriticalWithTheDate()
    {
        var arn = Kms.CreateKey();
        var path = _f.KmsFile("kms/doomed.csv", [arn]);
        Kms.ScheduleDeletion(arn);
        var finding = Assert.Single(_f.RunWith(KmsComplianceSupport.Registered, rules: KmsRules).Findings);
        Assert.Equal(("ET1012", ComplianceSeverity.Critical, path), (finding.RuleId, finding.Severity, finding.Target));
        Assert.Contains("PendingDeletion: KMS deletes it on " + DateTime.UtcNow.AddDays(7).ToString("yyyy-MM-dd"), finding.Message, StringComparison.Ordinal);
        Assert.Equal($"aws kms cancel-key-deletion --key-id '{arn}' --region us-east-1; aws kms enable-key --key-id '{arn}' --region us-east-1", finding.Remediation);
    }

    [Fact]
    public void ET1013_AKeyKmsDoesNotHaveIsReportedWithTheKmsErrorId()
    {
        var missing = $"arn:aws:kms:us-east-1:123456789012:key/{Guid.NewGuid()}";
        var local = _f.NewKey();
        using var localRing = _f.Keys.CreateEncryptKeyring([local.KeyId]);
        var path = _f.KmsFile("kms/gone.csv", [], new ForeignKmsEdk(missing), localRing);
        var report = _f.RunWith(KmsComplianceSupport.Registered);
        var finding = Assert.Single(report.Findings, x => x.RuleId.StartsWith("ET101", StringComparison.Ordinal) && x.RuleId != "ET1010");
        Assert.Equal(("ET1013", ComplianceSeverity.High, path, missing), (finding.RuleId, finding.Severity, finding.Target, finding.KeyId));
        Assert.Contains("KMS answered KmsKeyNotFound", finding.Message, StringComparison.Ordinal);
        Assert.Contains("1 other key(s)", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"aws kms describe-key --key-id '{missing}' --region us-east-1", finding.Remediation);
    }

    [Fact]
    public void ET1013_AKeyTheCallerMayNotDescribeIsReportedAsAccessDenied()
    {
        var denied = Kms.CreateKey(policy: KmsEndpoint.DenyPolicy("kms:DescribeKey"));
        var path = _f.KmsFile("kms/denied.csv", [], new ForeignKmsEdk(denied));
        var finding = Assert.Single(_f.RunWith(KmsComplianceSupport.Registered, rules: KmsRules).Findings);
        Assert.Equal(("ET1013", path, denied), (finding.RuleId, finding.Target, finding.KeyId));
        Assert.Contains("KMS answered KmsAccessDenied", finding.Message, StringComparison.Ordinal);
        Assert.Contains("only key", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ET1013_AnUnreachableEndpointIsOneFindingPerRunAndTheScanGoesOnInBoundedTime()
    {
        var arns = new[] { Kms.CreateKey(), Kms.CreateKey() };
        for (var i = 0; i < 12; i++) _f.KmsFile($"kms/f{i:00}.csv", [arns[i % 2]]);
        var plain = _f.Plain("kms/zz-plain.txt");
        using var closed = new AwsKmsKeyringProvider(KmsKeyringTestSupport.Settings($"http://127.0.0.1:{KmsEndpoint.ClosedPort()}"));
        var clock = Stopwatch.StartNew();
        var report = _f.RunWith(id => id == AwsKmsArn.ProviderId ? closed : null);
        clock.Stop();

        var finding = Assert.Single(report.Findings, x => x.RuleId == "ET1013");
        Assert.Equal(ComplianceTargetKind.Key, finding.TargetKind);
        Assert.Contains("KmsEndpointUnreachable", finding.Message, StringComparison.Ordinal);
        Assert.Contains("keys of 12 file(s) in us-east-1 (2 key(s)", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, x => x.RuleId is "ET1011" or "ET1012" or "ET1014");
        // The scan went on: the plain file after the KMS files is still found, and every file was scanned.
        Assert.Contains(report.Findings, x => x.RuleId == "ET1001" && x.Target == plain);
        Assert.Equal(13, report.Summary.FilesScanned);
        // One attempt for the region, not one per file or per key: within one call's bounded time.
        Assert.True(clock.Elapsed < AwsKmsClientSettings.DefaultTotalTimeout + TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void ET1014_WithoutAProviderOneInformationalFindingSaysTheKeysWereNotChecked()
    {
        var arn = Kms.CreateKey();
        string[] files = [_f.KmsFile("kms/a.csv", [arn]), _f.KmsFile("kms/b.csv", [arn])];
        Kms.Disable(arn);
        var report = _f.RunWith(_ => null);
        var finding = Assert.Single(report.Findings, x => x.RuleId.StartsWith("ET101", StringComparison.Ordinal) && x.RuleId != "ET1010");
        Assert.Equal(("ET1014", ComplianceSeverity.Informational, arn), (finding.RuleId, finding.Severity, finding.KeyId));
        Assert.Contains(finding.Target, files);
        var first = finding.Target;
        Assert.Contains("2 file(s) name AWS KMS keys", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"Test-EncryptionCompliance -LiteralPath '{first}' -Rule ET1011,ET1012,ET1013", finding.Remediation);
        Assert.Empty(_f.RunWith(_ => null, rules: ["ET1011", "ET1012", "ET1013"]).Findings);
    }

    [Fact]
    public void AKmsOnlyFileIsNotUnknownToTheStoreAndAnEnabledKmsKeyKeepsBlockedStoreKeysQuiet()
    {
        var arn = Kms.CreateKey();
        _f.KmsFile("kms/only.csv", [arn]);
        var local = _f.NewKey();
        using (var ring = _f.Keys.CreateEncryptKeyring([local.KeyId])) _f.KmsFile("kms/both.csv", [arn], ring);
        _f.Keys.DisableKey(local.KeyId);
        var rules = new[] { "ET1002", "ET1003", "ET1011" };
        Assert.Empty(_f.RunWith(KmsComplianceSupport.Registered, rules: rules).Findings);

        // Once the KMS key is disabled too, the store's disabled key is the file's last way in, and both are reported.
        Kms.Disable(arn);
        var findings = _f.RunWith(KmsComplianceSupport.Registered, rules: rules).Findings;
        Assert.Equal(["ET1003", "ET1011", "ET1011"], findings.Select(x => x.RuleId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheKmsRulesAreFileRulesInTheCatalogWithTheDocumentedSeverities()
    {
        var expected = new Dictionary<string, ComplianceSeverity>
        {
            ["ET1011"] = ComplianceSeverity.High, ["ET1012"] = ComplianceSeverity.Critical, ["ET1013"] = ComplianceSeverity.High,
            ["ET1014"] = ComplianceSeverity.Informational, ["ET1015"] = ComplianceSeverity.High,
        };
        foreach (var (id, severity) in expected)
        {
            var rule = ComplianceRules.Get(id);
            Assert.Equal((ComplianceArea.Files, severity), (rule.Area, rule.Severity));
        }
        Assert.Equal(["ET1011", "ET1012", "ET1013", "ET1014"], ComplianceRules.Select(["*Kms*"], null).Select(r => r.Id));
    }
}
