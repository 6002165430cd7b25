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

    // Every policy the store accepts must let its owner (the caller) administer the key: the lockout safety check.
    private static readonly string PublicDecryptPolicy = $$"""
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "{{ComplianceFixture.Me}}" }, "Action": "kms:*", "Resource": "*" },
            { "Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*" }
          ]
        }
        """;

    /// <summary>A policy of the administrator's statement and the given ones.</summary>
    private static string Policy(params string[] statements) =>
        $$"""{"Version":"2012-10-17","Statement":[{{string.Join(",", [ComplianceFixture.AdminStatement, .. statements])}}]}""";

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
        var notAction = _f.NewKey(policy: Policy("""{"Effect":"Allow","Principal":"*","NotAction":"kms:ScheduleKeyDeletion","Resource":"*"}"""));
        var wildcard = _f.NewKey(policy: Policy("""{"Effect":"Allow","Principal":"*","Action":"kms:De*","Resource":"*"}"""));
        _f.NewKey(policy: Policy(
            """{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}""",
            """{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}"""));
        _f.NewKey(policy: Policy("""
            {"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*",
              "Condition":{"StringEquals":{"kms:EncryptionContext:dept":"it"}}}
            """));
        Assert.Equal(new[] { notAction.KeyId, wildcard.KeyId }.Order(StringComparer.Ordinal),
            _f.Findings(ComplianceRules.PolicyPublicDecrypt).Select(f => f.Target).Order(StringComparer.Ordinal));
    }

    private const string UnparseablePolicy = """{"Statement":"nope"}""";

    [Fact]
    public void ET3004_APolicyThatDoesNotParseCannotBeStoredThroughTheApi()
    {
        Assert.Throws<InvalidKeyPolicyException>(() => _f.NewKey(policy: UnparseablePolicy));
        var key = _f.NewKey();
        Assert.Throws<InvalidKeyPolicyException>(() => _f.Keys.PutKeyPolicy(key.KeyId, UnparseablePolicy, bypassLockoutSafetyCheck: true));
        Assert.Empty(_f.Findings(ComplianceRules.PolicyInvalid));
    }

    [Fact]
    public void ET3004_AStoredPolicyThatDoesNotParseIsReportedAndTheStoresRefusalNamesTheRulesNotEvaluated()
    {
        // A store written by a version that did not validate policies (or restored from such a backup): the enforcing
        // store refuses to evaluate, and so to list, its keys; compliance reports the policy instead of crashing.
        var bad = _f.NewKey();
        _f.NewKey();
        _f.WriteStoredPolicy(bad.KeyId, UnparseablePolicy);
        var report = _f.Run(scan: false);
        var finding = Assert.Single(report.Findings, f => f.RuleId == ComplianceRules.PolicyInvalid);
        Assert.Equal(bad.KeyId, finding.Target);
        Assert.Equal(ComplianceTargetKind.Policy, finding.TargetKind);
        Assert.Contains("Statement", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"Set-EncKeyPolicy -KeyId {bad.KeyId} -Policy '<a valid policy document>'", finding.Remediation);
        Assert.Contains(ComplianceRules.PolicyInvalid, report.Summary.RulesEvaluated);
        var keyRule = Assert.Single(report.Summary.RulesNotEvaluated, s => s.RuleId == ComplianceRules.KeyRotationDisabled);
        Assert.Contains(bad.KeyId, keyRule.Reason, StringComparison.Ordinal);
        Assert.Contains(report.Summary.RulesNotEvaluated, s => s.RuleId == ComplianceRules.PolicyPublicDecrypt);
    }

    /// <summary>A source whose key policies come from elsewhere than the store's own validation (the engine's seam).</summary>
    private sealed class PolicyOverride(LocalKeyStore store, string keyId, string policy) : StoreComplianceSource(store)
    {
        public override string GetKeyPolicy(EncKey key) => key.KeyId == keyId ? policy : base.GetKeyPolicy(key);
    }

    [Fact]
    public void ET3004_APolicyTextThatDoesNotParseIsReportedPerKey()
    {
        var bad = _f.NewKey();
        var good = _f.NewKey(policy: PublicDecryptPolicy);
        using var source = new PolicyOverride(_f.Keys, bad.KeyId, UnparseablePolicy);
        var report = ComplianceEngine.Run(new ComplianceRequest { Rules = [ComplianceRules.PolicyPublicDecrypt, ComplianceRules.PolicyInvalid], Time = _f.Store.Clock }, source);
        var invalid = Assert.Single(report.Findings, f => f.RuleId == ComplianceRules.PolicyInvalid);
        Assert.Equal(bad.KeyId, invalid.Target);
        Assert.StartsWith($"Set-EncKeyPolicy -KeyId {bad.KeyId}", invalid.Remediation, StringComparison.Ordinal);
        Assert.Equal(good.KeyId, Assert.Single(report.Findings, f => f.RuleId == ComplianceRules.PolicyPublicDecrypt).Target);
    }

    [Fact]
    public void ET3002_AGrantWithoutConstraintsIsReportedWhenTheProfileRequiresThem()
    {
        var key = _f.NewKey();
        var open = _f.Keys.CreateGrant(new GrantRequest(key.KeyId, Principal.User("app"), [GrantOperation.Decrypt]));
        _f.Keys.CreateGrant(new GrantRequest(key.KeyId, Principal.User("app2"), [GrantOperation.Decrypt])
            { Constraints = GrantConstraints.Subset(new Dictionary<string, string> { ["dept"] = "it" }) });
        _f.Keys.CreateGrant(new GrantRequest(key.KeyId, Principal.User("auditor"), [GrantOperation.DescribeKey]));
        var profile = new ComplianceProfile { RequireGrantConstraints = true, RequiredEncryptionContextKeys = ["dept"] };
        var finding = Assert.Single(_f.Findings(ComplianceRules.GrantWithoutConstraints, profile));
        Assert.Equal(open.GrantId, finding.Target);
        Assert.Equal($"Revoke-EncKeyAccess -KeyId {key.KeyId} -GrantId {PowerShellQuoting.Argument(open.GrantId)}; Grant-EncKeyAccess -KeyId {key.KeyId} -Grantee 'user:app' -Operation Decrypt -EncryptionContextSubset @{{ 'dept' = '<value>' }}",
            finding.Remediation);
        Assert.Empty(_f.Findings(ComplianceRules.GrantWithoutConstraints));
    }

    [Fact]
    public void ET3003_AGrantToAPrincipalThatNoLongerExistsIsReported()
    {
        var key = _f.NewKey();
        var alice = new CallerIdentity("alice", 1000, groups: [new GroupInfo("staff", 100)]);
        _f.Resolver = new StaticPrincipalResolver(alice);
        _f.Keys.CreateGrant(new GrantRequest(key.KeyId, Principal.User("alice"), [GrantOperation.Decrypt]));
        _f.Keys.CreateGrant(new GrantRequest(key.KeyId, Principal.Group("staff"), [GrantOperation.Encrypt]));
        Assert.Empty(_f.Findings(ComplianceRules.GrantPrincipalMissing));
        var ghost = _f.Keys.CreateGrant(new GrantRequest(key.KeyId, Principal.User("bob-left-in-2024"), [GrantOperation.Decrypt]));
        var finding = Assert.Single(_f.Findings(ComplianceRules.GrantPrincipalMissing));
        Assert.Equal(ghost.GrantId, finding.Target);
        Assert.Equal($"Revoke-EncKeyAccess -KeyId {key.KeyId} -GrantId {PowerShellQuoting.Argument(ghost.GrantId)}", finding.Remediation);
    }

    [Fact]
    public void GrantAndAuditRulesAreEvaluatedAgainstTheRealStore()
    {
        var key = _f.NewKey();
        var profile = new ComplianceProfile { RequireGrantConstraints = true };

        // An untouched store: both rules evaluated, nothing found.
        var clean = _f.Run(profile, scan: false);
        Assert.Contains(ComplianceRules.GrantWithoutConstraints, clean.Summary.RulesEvaluated);
        Assert.Contains(ComplianceRules.AuditLogBroken, clean.Summary.RulesEvaluated);
        Assert.DoesNotContain(clean.Summary.RulesNotEvaluated, s => s.RuleId is ComplianceRules.GrantWithoutConstraints or ComplianceRules.AuditLogBroken);
        Assert.DoesNotContain(clean.Findings, f => f.RuleId == ComplianceRules.AuditLogBroken);
        Assert.True(clean.Summary.Compliant);

        // A real grant without constraints, made through the provider interface.
        IKeyStoreProvider provider = _f.Keys;
        var grant = provider.CreateGrant(new GrantRequest(key.KeyId, Principal.User("app"), [GrantOperation.Decrypt, GrantOperation.Encrypt]));
        var withGrant = _f.Run(profile, scan: false);
        var grantFinding = Assert.Single(withGrant.Findings);
        Assert.Equal((ComplianceRules.GrantWithoutConstraints, grant.GrantId), (grantFinding.RuleId, grantFinding.Target));
        Assert.DoesNotContain(withGrant.Findings, f => f.RuleId == ComplianceRules.AuditLogBroken);

        // The store's own audit log, edited on disk: one record's result changed.
        var file = Path.Combine(_f.Keys.AuditDirectory, AuditLog.FileName(1));
        var lines = File.ReadAllLines(file);
        var index = Array.FindIndex(lines, l => l.Contains("GrantCreated", StringComparison.Ordinal));
        Assert.True(index >= 0, "the grant's creation is in the audit log");
        lines[index] = lines[index].Replace("GrantCreated", "GrantRetired", StringComparison.Ordinal);
        File.WriteAllLines(file, lines);
        var tampered = _f.Run(profile, scan: false);
        var audit = Assert.Single(tampered.Findings, f => f.RuleId == ComplianceRules.AuditLogBroken);
        Assert.Equal(ComplianceSeverity.Critical, audit.Severity);
        Assert.Equal(_f.Store.Location, audit.Target);
        Assert.Contains(Path.GetFileName(file), audit.Message, StringComparison.Ordinal);
        Assert.Equal("Test-EncAuditLog", audit.Remediation);
        Assert.Contains(tampered.Findings, f => f.RuleId == ComplianceRules.GrantWithoutConstraints);
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
        Assert.Equal($"chmod 700 '{_f.Store.Location}'; chmod 600 '{data}'", finding.Remediation);
        Assert.Equal(ComplianceSeverity.Critical, finding.Severity);
        // The store refuses to open like this, so the key rules say why they were not evaluated.
        // The store refuses to open like this (the rule's finding is reported all the same), so every rule that needs the
        // open store says why it was not evaluated, with the fix.
        Assert.Throws<KeyStoreException>(() => _f.Keys.GetKeys());
        foreach (var id in new[] { ComplianceRules.KeyRotationDisabled, ComplianceRules.PolicyPublicDecrypt, ComplianceRules.GrantWithoutConstraints, ComplianceRules.AuditLogBroken })
            Assert.Contains("chmod", Assert.Single(report.Summary.RulesNotEvaluated, s => s.RuleId == id).Reason, StringComparison.Ordinal);
        Assert.Contains(ComplianceRules.StorePermissionsOpen, report.Summary.RulesEvaluated);
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
        var key = _f.NewKey();
        _f.Keys.DisableKey(key.KeyId);
        _f.Keys.EnableKey(key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.AuditLogBroken));
        var file = Path.Combine(_f.Keys.AuditDirectory, AuditLog.FileName(1));
        var lines = File.ReadAllLines(file).ToList();
        Assert.True(lines.Count >= 3);
        lines.RemoveAt(1); // a record deleted from the middle
        File.WriteAllLines(file, lines);
        var finding = Assert.Single(_f.Findings(ComplianceRules.AuditLogBroken));
        Assert.Equal(ComplianceSeverity.Critical, finding.Severity);
        Assert.Contains(AuditLog.FileName(1), finding.Message, StringComparison.Ordinal);
        Assert.Equal("Test-EncAuditLog", finding.Remediation);
    }

    [Fact]
    public void ET4003_WithoutAStoreThereIsNoAuditLogToVerify()
    {
        Assert.False(_f.Keys.GetStoreInfo().Exists);
        var report = _f.Run(scan: false);
        Assert.True(report.Summary.Compliant);
        var skip = Assert.Single(report.Summary.RulesNotEvaluated, s => s.RuleId == ComplianceRules.AuditLogBroken);
        Assert.Contains("no key store", skip.Reason, StringComparison.Ordinal);
        Assert.Contains(ComplianceRules.KeyRotationDisabled, report.Summary.RulesEvaluated); // no keys: nothing to find
        Assert.Equal(0, report.Summary.KeysChecked);
        Assert.False(Directory.Exists(_f.Store.Location), "checking compliance does not create a store");
    }
}
