using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.Compliance;

/// <summary>Every file rule with a positive and a negative fixture: real files in a real tree, a real temporary store.</summary>
public sealed class FileRuleTests : IDisposable
{
    private readonly ComplianceFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void ET1001_APlainFileIsReportedWithProtectFileInPlace()
    {
        var key = _f.NewKey();
        var plain = _f.Plain("exports/a.csv");
        _f.Encrypted("exports/b.csv", key.KeyId);
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileNotEncrypted));
        Assert.Equal(plain, finding.Target);
        Assert.Equal(ComplianceSeverity.High, finding.Severity);
        Assert.Equal($"Protect-File -LiteralPath '{plain}' -InPlace", finding.Remediation);
    }

    [Fact]
    public void ET1001_OnlyEncryptedFilesOrFilesOutsidePathsThatMustBeEncryptedPass()
    {
        var key = _f.NewKey();
        _f.Encrypted("exports/b.csv", key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.FileNotEncrypted));
        _f.Plain("logs/app.log");
        var profile = new ComplianceProfile { PathsThatMustBeEncrypted = ["**/*.csv"], KeyId = "alias/exports", RequiredEncryptionContextKeys = ["dept"] };
        Assert.Empty(_f.Findings(ComplianceRules.FileNotEncrypted, profile));
        var csv = _f.Plain("exports/it's.csv");
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileNotEncrypted, profile));
        Assert.Equal($"Protect-File -LiteralPath '{csv.Replace("'", "''")}' -InPlace -KeyId alias/exports -EncryptionContext @{{ 'dept' = '<value>' }}", finding.Remediation);
    }

    [Fact]
    public void ET1002_AFileNoStoreKeyMadeIsReported()
    {
        using var foreign = new TestKey("partner-key", "partner");
        var path = _f.Plain("in/partner.bin");
        FilesSupport.EncryptFile(path, path + ".enc", [foreign.Keyring]);
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileKeyUnknown));
        Assert.Equal(path + ".enc", finding.Target);
        Assert.Contains("partner/partner-key", finding.Message, StringComparison.Ordinal);
        Assert.StartsWith("Import-EncKey -KeyNamespace 'partner' -KeyName 'partner-key'", finding.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void ET1002_AFileOfAStoreKeyIsKnown()
    {
        var key = _f.NewKey();
        _f.Encrypted("in/ours.bin", key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.FileKeyUnknown));
    }

    [Fact]
    public void ET1003_AFileOnlyADisabledKeyOpensIsReportedWithEnableEncKey()
    {
        var key = _f.NewKey();
        var path = _f.Encrypted("a.bin", key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.FileKeyDisabled));
        _f.Keys.DisableKey(key.KeyId);
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileKeyDisabled));
        Assert.Equal(path, finding.Target);
        Assert.Equal($"Enable-EncKey -KeyId {key.KeyId}", finding.Remediation);
    }

    [Fact]
    public void ET1003_AFileAnotherEnabledKeyAlsoOpensPasses()
    {
        var a = _f.NewKey();
        var b = _f.NewKey();
        var path = _f.Plain("both.bin");
        using (var keyring = _f.Keys.CreateEncryptKeyring([a.KeyId, b.KeyId]))
            EncryptionTools.Tests.Files.FileRoute.Protect(path, path, new EncryptionTools.Engine.Files.ProtectRequest { Keyrings = [keyring] });
        _f.Keys.DisableKey(a.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.FileKeyDisabled));
    }

    [Fact]
    public void ET1004_AFileOfAKeyPendingDeletionIsReportedWithRestoreEncKey()
    {
        var key = _f.NewKey();
        var path = _f.Encrypted("a.bin", key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.FileKeyPendingDeletion));
        _f.Keys.ScheduleKeyDeletion(key.KeyId, 7);
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileKeyPendingDeletion));
        Assert.Equal(path, finding.Target);
        Assert.Equal(ComplianceSeverity.Critical, finding.Severity);
        Assert.Equal($"Restore-EncKey -KeyId {key.KeyId}", finding.Remediation);
    }

    [Fact]
    public void ET1005_AFileBelowTheMinimumDecryptionVersionIsReported()
    {
        var key = _f.NewKey();
        var old = _f.Encrypted("v1.bin", key.KeyId);
        _f.Keys.RotateKey(key.KeyId);
        _f.Encrypted("v2.bin", key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.FileKeyVersionRetired));
        _f.Keys.UpdateKey(key.KeyId, new EncryptionTools.Engine.Store.KeyUpdate { MinimumDecryptionVersion = 2 });
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileKeyVersionRetired));
        Assert.Equal(old, finding.Target);
        Assert.Equal($"Set-EncKey -KeyId {key.KeyId} -MinimumDecryptionVersion 1", finding.Remediation);
    }

    [Fact]
    public void ET1006_ANonCommittingSuiteIsReported()
    {
        var key = _f.NewKey();
        _f.Encrypted("good.bin", key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.FileNonCommittingSuite));
        var path = _f.Bytes("legacy.enc", HandHeaders.NonCommittingV2());
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileNonCommittingSuite));
        Assert.Equal(path, finding.Target);
        Assert.Contains("0x0178", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"Protect-File -LiteralPath '{path}' -InPlace", finding.Remediation);
        Assert.Empty(_f.Findings(ComplianceRules.FileNotEncrypted)); // it is encrypted, just weakly
    }

    [Fact]
    public void ET1007_MessageFormatVersion1IsReported()
    {
        var key = _f.NewKey();
        _f.Encrypted("good.bin", key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.FileFormatV1));
        var path = _f.Bytes("old.enc", HandHeaders.Version1());
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileFormatV1));
        Assert.Equal(path, finding.Target);
        Assert.Contains("format version 1", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ET1008_AContextWithoutARequiredKeyIsReported()
    {
        var key = _f.NewKey();
        _f.Encrypted("ok.bin", key.KeyId, new Dictionary<string, string> { ["dept"] = "hr", ["class"] = "secret" });
        var bad = _f.Encrypted("bad.bin", key.KeyId, new Dictionary<string, string> { ["dept"] = "hr" });
        var profile = new ComplianceProfile { RequiredEncryptionContextKeys = ["dept", "class"] };
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileContextMissingKeys, profile));
        Assert.Equal(bad, finding.Target);
        Assert.Contains("class", finding.Message, StringComparison.Ordinal);
        Assert.Equal($"Unprotect-File -LiteralPath '{bad}' -InPlace; Protect-File -LiteralPath '{bad}' -InPlace -EncryptionContext @{{ 'dept' = 'hr'; 'class' = '<value>' }}", finding.Remediation);
        Assert.Empty(_f.Findings(ComplianceRules.FileContextMissingKeys)); // no profile, no requirement
    }

    [Fact]
    public void ET1009_AFileTooManyVersionsBehindNeedsARewrap()
    {
        var key = _f.NewKey();
        var old = _f.Encrypted("old.bin", key.KeyId);
        _f.Keys.RotateKey(key.KeyId);
        _f.Encrypted("new.bin", key.KeyId);
        var strict = new ComplianceProfile { MaximumKeyVersionLag = 0 };
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileKeyVersionTooOld, strict));
        Assert.Equal(old, finding.Target);
        Assert.Equal($"Update-EncFileKey -LiteralPath '{old}' -KeyId {key.KeyId}", finding.Remediation);
        Assert.Empty(_f.Findings(ComplianceRules.FileKeyVersionTooOld, new ComplianceProfile { MaximumKeyVersionLag = 1 }));
        Assert.Empty(_f.Findings(ComplianceRules.FileKeyVersionTooOld));
    }

    [Fact]
    public void ET1010_ADamagedHeaderIsReported()
    {
        var key = _f.NewKey();
        _f.Encrypted("ok.bin", key.KeyId);
        Assert.Empty(_f.Findings(ComplianceRules.FileUnreadable));
        var path = _f.Bytes("cut.enc", HandHeaders.TruncatedCommitting());
        var finding = Assert.Single(_f.Findings(ComplianceRules.FileUnreadable));
        Assert.Equal(path, finding.Target);
        Assert.Equal($"Get-EncFileInfo -LiteralPath '{path}'", finding.Remediation);
    }

    [Fact]
    public void IncludeAndExcludeGlobsLimitTheScan()
    {
        _f.Plain("a/x.csv");
        _f.Plain("a/x.txt");
        _f.Plain("tmp/y.csv");
        using var source = _f.Source();
        var report = ComplianceEngine.Run(new ComplianceRequest
        {
            Paths = [_f.Tree],
            Include = ["*.csv"],
            Exclude = ["tmp"],
            Rules = [ComplianceRules.FileNotEncrypted],
        }, source);
        Assert.Equal(1, report.Summary.FilesScanned);
        Assert.EndsWith("x.csv", Assert.Single(report.Findings).Target, StringComparison.Ordinal);
        var profileGlobs = _f.Run(new ComplianceProfile { Include = ["*.txt"] }, [ComplianceRules.FileNotEncrypted]);
        Assert.EndsWith("x.txt", Assert.Single(profileGlobs.Findings).Target, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0x80, 0x01, 0x78 })]
    [InlineData(new byte[] { 0x02, 0x01, 0x78 })]
    public void ET1010_FirstBytesThatOnlyLookLikeAHeaderDoNotCountAsEncrypted(byte[] start)
    {
        // A plain file can begin with these bytes; only a header whose structure parses (bounded) counts as a message.
        var path = _f.Bytes("looks-encrypted.bin", [.. start, .. System.Text.Encoding.ASCII.GetBytes(new string('x', 300))]);
        var report = _f.Run();
        Assert.DoesNotContain(report.Findings, f => f.RuleId is ComplianceRules.FileFormatV1 or ComplianceRules.FileNonCommittingSuite);
        var finding = Assert.Single(report.Findings, f => f.RuleId == ComplianceRules.FileUnreadable);
        Assert.Equal(path, finding.Target);
        Assert.Contains("header is damaged", finding.Message, StringComparison.Ordinal);
        Assert.Equal(0, report.Summary.FilesEncrypted);
        // The real thing, built after the spec's layout, still counts.
        _f.Bytes("real-v1.enc", HandHeaders.Version1());
        _f.Bytes("real-noncommitting.enc", HandHeaders.NonCommittingV2());
        var after = _f.Run();
        Assert.Equal(2, after.Summary.FilesEncrypted);
        Assert.Single(after.Findings, f => f.RuleId == ComplianceRules.FileFormatV1);
        Assert.Single(after.Findings, f => f.RuleId == ComplianceRules.FileNonCommittingSuite);
    }
}
