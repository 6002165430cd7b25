using System.Security.Cryptography;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Compliance;

/// <summary>Every key, policy, grant and store rule with a positive and a negative fixture, on a real temporary store.</summary>
public sealed class KeyAndStoreRuleTests : IDisposable
{
    private readonly ComplianceFixture _f = new(passwordIterations: 1000);

    public void Dispose() => _f.Dispose();

    private const string PublicDecryptPolicy = """
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "user:owner" }, "Action": "kms:*", "Resource": "*" },
            { "Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*" }
          ]
        }
        """;

    // ------------------------------------------------------------------ keys

    [Fact]
    public void ET2001_ACustomerKeyWithoutRotationIsReported()
    {
        var off = _f.NewKey(rotation: false);
        _f.NewKey(rotation: true);
        var finding = Assert.Single(_f.Findings(ComplianceRules.KeyRotationDisabled));
        Assert.Equal(off.KeyId, finding.Target);
        Assert.Equal($"Set-EncKey -KeyId {off.KeyId} -RotationEnabled $true", finding.Remediation);
        Assert.Empty(_f.Findings(ComplianceRules.KeyRotationDisabled, new ComplianceProfile { RequireRotation = false }));
    }

    [Fact]
    public void ET2001_KeysThatRotateOrCannotRotatePass()
    {
        _f.NewKey(rotation: true);
        _f.Keys.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072 }); // asymmetric keys do not rotate automatically
        _f.Keys.GetOrCreateDefaultKey(); // module-managed
        Assert.Empty(_f.Findings(ComplianceRules.KeyRotationDisabled));
    }

    [Fact]
    public void ET2002_ARotationDateThatPassedIsReported()
    {
        var key = _f.NewKey(rotation: true);
        Assert.Empty(_f.Findings(ComplianceRules.KeyRotationOverdue));
        _f.Keys.DisableKey(key.KeyId); // disabled keys do not rotate
        _f.Store.Clock.Advance(TimeSpan.FromDays(400));
        var finding = Assert.Single(_f.Findings(ComplianceRules.KeyRotationOverdue));
        Assert.Equal(key.KeyId, finding.Target);
        Assert.Equal($"Enable-EncKey -KeyId {key.KeyId}; Invoke-EncKeyRotation -KeyId {key.KeyId}", finding.Remediation);
    }

    [Fact]
    public void ET2002_AnEnabledKeyIsRotatedByTheStoreAndPasses()
    {
        _f.NewKey(rotation: true);
        _f.Store.Clock.Advance(TimeSpan.FromDays(400));
        Assert.Empty(_f.Findings(ComplianceRules.KeyRotationOverdue));
    }

    [Fact]
    public void ET2003_AKeyPendingDeletionThatFilesUseIsReported()
    {
        var used = _f.NewKey();
        var unused = _f.NewKey();
        _f.Encrypted("a.bin", used.KeyId);
        _f.Encrypted("b.bin", used.KeyId);
        _f.Keys.ScheduleKeyDeletion(unused.KeyId, 7);
        Assert.Empty(_f.Findings(ComplianceRules.KeyPendingDeletionInUse));
        _f.Keys.ScheduleKeyDeletion(used.KeyId, 7);
        var finding = Assert.Single(_f.Findings(ComplianceRules.KeyPendingDeletionInUse));
        Assert.Equal(used.KeyId, finding.Target);
        Assert.Contains("2 scanned file(s)", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"Restore-EncKey -KeyId {used.KeyId}", finding.Remediation);
    }

    [Fact]
    public void ET2004_AnAliasToAKeyPendingDeletionIsDangling()
    {
        var live = _f.NewKey(alias: "alias/live");
        var doomed = _f.NewKey(alias: "alias/doomed");
        Assert.Empty(_f.Findings(ComplianceRules.AliasDangling));
        _f.Keys.ScheduleKeyDeletion(doomed.KeyId, 7);
        var finding = Assert.Single(_f.Findings(ComplianceRules.AliasDangling));
        Assert.Equal("alias/doomed", finding.Target);
        Assert.Equal("Remove-EncKeyAlias -AliasName alias/doomed", finding.Remediation);
        Assert.NotEqual(live.KeyId, finding.KeyId);
    }

    [Fact]
    public void ET2005_ExportableKeysAreReportedOnlyWhenTheProfileForbidsThem()
    {
        var exportable = _f.NewKey(exportable: true);
        _f.NewKey();
        Assert.Empty(_f.Findings(ComplianceRules.KeyExportable));
        var finding = Assert.Single(_f.Findings(ComplianceRules.KeyExportable, new ComplianceProfile { AllowExportableKeys = false }));
        Assert.Equal(exportable.KeyId, finding.Target);
        Assert.EndsWith($"Remove-EncKey -KeyId {exportable.KeyId}", finding.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void ET2006_KeyMaterialOlderThanTheMaximumAgeIsReportedUntilRotated()
    {
        var key = _f.NewKey(rotation: false);
        var profile = new ComplianceProfile { MaximumKeyAgeDays = 30 };
        Assert.Empty(_f.Findings(ComplianceRules.KeyTooOld, profile));
        _f.Store.Clock.Advance(TimeSpan.FromDays(45));
        var finding = Assert.Single(_f.Findings(ComplianceRules.KeyTooOld, profile));
        Assert.Equal($"Invoke-EncKeyRotation -KeyId {key.KeyId}", finding.Remediation);
        _f.Keys.RotateKey(key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.KeyTooOld, profile));
    }

    // ------------------------------------------------------------------ policies and grants

    [Fact]
    public void ET3001_APolicyThatLetsEveryoneDecryptIsReportedWithThePolicyWithoutThatStatement()
    {
        var key = _f.NewKey(policy: PublicDecryptPolicy);
        _f.NewKey(); // default policy
        var finding = Assert.Single(_f.Findings(ComplianceRules.PolicyPublicDecrypt));
        Assert.Equal(key.KeyId, finding.Target);
        Assert.Contains("statement 1 (Sid 'Everyone')", finding.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Set-EncKeyPolicy -KeyId {key.KeyId} -Policy '", finding.Remediation, StringComparison.Ordinal);
        var policy = finding.Remediation[(finding.Remediation.IndexOf('\'') + 1)..^1];
        var parsed = KeyPolicy.Parse(policy);
        Assert.Equal("Owner", Assert.Single(parsed.Statements).Sid);
    }

    [Fact]
    public void ET3001_WildcardActionsAndNotActionAreCaughtButConditionsAndDeniesAreRespected()
    {
        var notAction = _f.NewKey(policy: """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","NotAction":"kms:ScheduleKeyDeletion","Resource":"*"}]}""");
        _f.NewKey(policy: """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
              {"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}
            """);
        _f.NewKey(policy: """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*",
              "Condition":{"StringEquals":{"kms:EncryptionContext:dept":"it"}}}]}
            """);
        Assert.Equal(notAction.KeyId, Assert.Single(_f.Findings(ComplianceRules.PolicyPublicDecrypt)).Target);
    }

    [Fact]
    public void ET3004_APolicyThatDoesNotParseIsReported()
    {
        var bad = _f.NewKey(policy: """{"Statement":"nope"}""");
        _f.NewKey();
        var finding = Assert.Single(_f.Findings(ComplianceRules.PolicyInvalid));
        Assert.Equal(bad.KeyId, finding.Target);
        Assert.StartsWith($"Set-EncKeyPolicy -KeyId {bad.KeyId}", finding.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void ET3002_AGrantWithoutConstraintsIsReportedWhenTheProfileRequiresThem()
    {
        var key = _f.NewKey();
        var grants = new GrantSet();
        var owner = Principal.User("owner");
        var open = grants.Create(new GrantRequest(key.KeyId, Principal.User("app"), [GrantOperation.Decrypt]), owner).Grant;
        grants.Create(new GrantRequest(key.KeyId, Principal.User("app2"), [GrantOperation.Decrypt])
            { Constraints = GrantConstraints.Subset(new Dictionary<string, string> { ["dept"] = "it" }) }, owner);
        grants.Create(new GrantRequest(key.KeyId, Principal.User("auditor"), [GrantOperation.DescribeKey]), owner);
        _f.Grants = grants;
        var profile = new ComplianceProfile { RequireGrantConstraints = true, RequiredEncryptionContextKeys = ["dept"] };
        var finding = Assert.Single(_f.Findings(ComplianceRules.GrantWithoutConstraints, profile));
        Assert.Equal(open.GrantId, finding.Target);
        Assert.Equal($"Revoke-EncKeyAccess -KeyId {key.KeyId} -GrantId {open.GrantId}; Grant-EncKeyAccess -KeyId {key.KeyId} -Grantee 'user:app' -Operation Decrypt -EncryptionContextSubset @{{ 'dept' = '<value>' }}",
            finding.Remediation);
        Assert.Empty(_f.Findings(ComplianceRules.GrantWithoutConstraints));
    }

    [Fact]
    public void ET3003_AGrantToAPrincipalThatNoLongerExistsIsReported()
    {
        var key = _f.NewKey();
        var alice = new CallerIdentity("alice", 1000, groups: [new GroupInfo("staff", 100)]);
        _f.Resolver = new StaticPrincipalResolver(alice);
        var grants = new GrantSet();
        grants.Create(new GrantRequest(key.KeyId, Principal.User("alice"), [GrantOperation.Decrypt]), Principal.User("alice"));
        grants.Create(new GrantRequest(key.KeyId, Principal.Group("staff"), [GrantOperation.Encrypt]), Principal.User("alice"));
        _f.Grants = grants;
        Assert.Empty(_f.Findings(ComplianceRules.GrantPrincipalMissing));
        var ghost = grants.Create(new GrantRequest(key.KeyId, Principal.User("bob-left-in-2024"), [GrantOperation.Decrypt]), Principal.User("alice")).Grant;
        var finding = Assert.Single(_f.Findings(ComplianceRules.GrantPrincipalMissing));
        Assert.Equal(ghost.GrantId, finding.Target);
        Assert.Equal($"Revoke-EncKeyAccess -KeyId {key.KeyId} -GrantId {ghost.GrantId}", finding.Remediation);
    }

    [Fact]
    public void GrantAndAuditRulesAreNotEvaluatedUntilTheStoreExposesThem()
    {
        _f.NewKey();
        var report = _f.Run(new ComplianceProfile { RequireGrantConstraints = true });
        var skipped = report.Summary.RulesNotEvaluated.Select(s => s.RuleId).ToList();
        Assert.Equal([ComplianceRules.GrantWithoutConstraints, ComplianceRules.GrantPrincipalMissing, ComplianceRules.AuditLogBroken], skipped);
        Assert.DoesNotContain(ComplianceRules.AuditLogBroken, report.Summary.RulesEvaluated);
        Assert.True(report.Summary.Compliant || report.Findings.All(f => !skipped.Contains(f.RuleId)));
    }

    // ------------------------------------------------------------------ store

    [Fact]
    public void ET4001_AStoreOthersCanReadIsReportedWithChmod()
    {
        if (OperatingSystem.IsWindows()) return;
        _f.NewKey();
        Assert.Empty(_f.Findings(ComplianceRules.StorePermissionsOpen));
        File.SetUnixFileMode(_f.Store.Location, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var data = _f.Store.File(StoreFiles.DataFile);
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var report = _f.Run();
        var finding = Assert.Single(report.Findings, f => f.RuleId == ComplianceRules.StorePermissionsOpen);
        Assert.Equal($"chmod 700 '{_f.Store.Location}' && chmod 600 '{data}'", finding.Remediation);
        Assert.Equal(ComplianceSeverity.Critical, finding.Severity);
        // The store refuses to open like this, so the key rules say why they were not evaluated.
        Assert.Contains(report.Summary.RulesNotEvaluated, s => s.RuleId == ComplianceRules.KeyRotationDisabled && s.Reason.Contains("chmod", StringComparison.Ordinal));
    }

    [Fact]
    public void ET4002_AStoreWithoutAPasswordIsReportedWhenTheProfileRequiresOne()
    {
        _f.NewKey();
        var profile = new ComplianceProfile { RequirePassword = true };
        var finding = Assert.Single(_f.Findings(ComplianceRules.StoreWithoutPassword, profile));
        Assert.Equal("Set-EncKeyStore -Protection Password -Password (Read-Host -AsSecureString 'New store password')", finding.Remediation);
        Assert.Empty(_f.Findings(ComplianceRules.StoreWithoutPassword));
        var password = "correct horse battery staple".ToCharArray();
        _f.Keys.SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = password, PasswordIterations = 1000 });
        Assert.Empty(_f.Findings(ComplianceRules.StoreWithoutPassword, profile));
    }

    [Fact]
    public void ET4003_ATamperedAuditLogIsReported()
    {
        var dir = Path.Combine(_f.Store.Dir.Path, "audit");
        var log = new AuditLog(dir, RandomNumberGenerator.GetBytes(32), new AuditLogOptions { Durable = false });
        for (var i = 0; i < 5; i++)
            log.Append(new AuditEntry { Action = KmsActions.Decrypt, Result = i == 2 ? AuditResult.Denied : AuditResult.Succeeded, Principal = "user:alice", KeyId = "k" });
        _f.Audit = log;
        Assert.Empty(_f.Findings(ComplianceRules.AuditLogBroken));
        var file = Path.Combine(dir, AuditLog.FileName(1));
        var lines = File.ReadAllLines(file);
        lines[2] = lines[2].Replace("\"result\":\"Denied\"", "\"result\":\"Succeeded\"", StringComparison.Ordinal);
        File.WriteAllLines(file, lines);
        var finding = Assert.Single(_f.Findings(ComplianceRules.AuditLogBroken));
        Assert.Equal(ComplianceSeverity.Critical, finding.Severity);
        Assert.Contains(AuditLog.FileName(1), finding.Message, StringComparison.Ordinal);
        Assert.Equal("Test-EncAuditLog", finding.Remediation);
    }
}
