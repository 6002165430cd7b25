using System.Text.Json;
using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Tests.Kms;

namespace EncryptionTools.Tests.Compliance;

/// <summary>
/// ET1015 (RequireRecoveryKey): every encrypted file must also open with a recovery key kept off the machine, an AWS KMS
/// key (real EDKs from the local endpoint) or an RSA recipient (Protect-File -RecipientPublicKey's EDK identity).
/// </summary>
[Collection(KmsProviderCollection.Name)] // the process-wide provider registry: never beside a test that unregisters it
public sealed class KmsRecoveryKeyTests : IDisposable
{
    private readonly ComplianceFixture _f = new();
    private static KmsEndpoint Kms => KmsEndpoint.Instance;

    public void Dispose() => _f.Dispose();

    private (string With, string Without) LocalFilesWithAndWithout(IKeyring recovery)
    {
        var local = _f.NewKey();
        using var ring = _f.Keys.CreateEncryptKeyring([local.KeyId]);
        return (_f.KmsFile("data/with.csv", [], ring, recovery), _f.KmsFile("data/without.csv", [], ring));
    }

    [Fact]
    public void AnRsaRecipientRecoveryKeyNamedByItsPemFileReportsOnlyTheFileWithoutIt()
    {
        var pem = _f.RecipientPem("breakglass.pem");
        using var recipient = RsaRecipient.FromPemFile(pem);
        var (with, without) = LocalFilesWithAndWithout(recipient);
        _f.Plain("data/plain.txt"); // not encrypted: ET1001's business, not a missing recovery key

        var profile = ComplianceProfile.Parse($"@{{ RequireRecoveryKey = '{pem}' }}");
        var finding = Assert.Single(_f.RunWith(_ => null, profile, ["ET1015"]).Findings);
        Assert.Equal(("ET1015", ComplianceSeverity.High, without), (finding.RuleId, finding.Severity, finding.Target));
        Assert.Contains("RSA recipient " + recipient.KeyName, finding.Message, StringComparison.Ordinal);
        Assert.Equal($"Update-EncFileKey -LiteralPath '{without}' -RecipientPublicKey '{pem}'", finding.Remediation);
        Assert.NotEqual(with, finding.Target);

        // The same key named by its key name or its PEM text; without the requirement, nothing.
        foreach (var named in new[] { recipient.KeyName, File.ReadAllText(pem) })
        {
            var other = new ComplianceProfile { RequireRecoveryKey = [RecoveryKey.Parse(named)] };
            var again = Assert.Single(_f.RunWith(_ => null, other, ["ET1015"]).Findings);
            Assert.Equal(without, again.Target);
            Assert.Equal($"Update-EncFileKey -LiteralPath '{without}' -RecipientPublicKey '<the recovery key''s PEM public key file>'", again.Remediation);
        }
        Assert.Empty(_f.RunWith(_ => null, rules: ["ET1015"]).Findings);
    }

    [Fact]
    public void AKmsRecoveryKeyIsFoundByTheKeyArnInTheHeaderAndAnAliasArnIsResolvedThroughKms()
    {
        var recovery = Kms.CreateKey();
        var alias = Kms.CreateAlias(recovery, "alias/recovery-" + Guid.NewGuid().ToString("N")[..8]);
        var local = _f.NewKey();
        using var ring = _f.Keys.CreateEncryptKeyring([local.KeyId]);
        var with = _f.KmsFile("data/with.csv", [recovery], ring);
        var without = _f.KmsFile("data/without.csv", [], ring);
        var other = _f.KmsFile("data/other-kms.csv", [Kms.CreateKey()]);

        foreach (var named in new[] { recovery, alias })
        {
            var profile = new ComplianceProfile { RequireRecoveryKey = [RecoveryKey.Parse(named)] };
            var report = _f.RunWith(KmsComplianceSupport.Registered, profile, ["ET1015"]);
            Assert.Empty(report.Summary.RulesNotEvaluated);
            Assert.Equal([other, without], report.Findings.Select(x => x.Target).Order(StringComparer.Ordinal));
            Assert.DoesNotContain(with, report.Findings.Select(x => x.Target));
            var finding = report.Findings.Single(x => x.Target == without);
            Assert.Equal(named, finding.KeyId);
            Assert.Equal($"Update-EncFileKey -LiteralPath '{without}' -AddKeyId '{named}'", finding.Remediation);
        }
    }

    [Fact]
    public void OneOfSeveralRecoveryKeysIsEnough()
    {
        var kmsRecovery = Kms.CreateKey();
        var pem = _f.RecipientPem("dr.pem");
        using var recipient = RsaRecipient.FromPemFile(pem);
        var local = _f.NewKey();
        using var ring = _f.Keys.CreateEncryptKeyring([local.KeyId]);
        _f.KmsFile("data/kms.csv", [kmsRecovery], ring);
        _f.KmsFile("data/rsa.csv", [], ring, recipient);
        var neither = _f.KmsFile("data/neither.csv", [], ring);
        var profile = ComplianceProfile.Parse($"@{{ RequireRecoveryKey = '{kmsRecovery}', '{pem}' }}");
        var finding = Assert.Single(_f.RunWith(_ => null, profile, ["ET1015"]).Findings);
        Assert.Equal(neither, finding.Target);
        Assert.Equal($"Update-EncFileKey -LiteralPath '{neither}' -AddKeyId '{kmsRecovery}'", finding.Remediation);
    }

    [Fact]
    public void AnAliasArnThatCannotBeResolvedLeavesTheRuleNotEvaluatedWithTheReason()
    {
        var local = _f.NewKey();
        using (var ring = _f.Keys.CreateEncryptKeyring([local.KeyId])) _f.KmsFile("data/a.csv", [], ring);
        var profile = new ComplianceProfile { RequireRecoveryKey = [RecoveryKey.Parse("arn:aws:kms:us-east-1:123456789012:alias/dr")] };
        var report = _f.RunWith(_ => null, profile, ["ET1015"]);
        Assert.Empty(report.Findings);
        var skip = Assert.Single(report.Summary.RulesNotEvaluated);
        Assert.Equal("ET1015", skip.RuleId);
        Assert.Contains("AWS KMS support is not loaded", skip.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("ET1015", report.Summary.RulesEvaluated);
    }

    [Fact]
    public void FindingsAreInSarifAndCountAgainstCompliance()
    {
        var pem = _f.RecipientPem("r.pem");
        var local = _f.NewKey();
        using (var ring = _f.Keys.CreateEncryptKeyring([local.KeyId])) _f.KmsFile("data/a.csv", [], ring);
        var report = _f.RunWith(_ => null, ComplianceProfile.Parse($"@{{ RequireRecoveryKey = '{pem}' }}"));
        Assert.False(report.Summary.Compliant);
        Assert.Equal(1, report.Summary.CountByRule["ET1015"]);
        using var sarif = new MemoryStream();
        SarifWriter.Write(report, sarif);
        var run = JsonDocument.Parse(sarif.ToArray()).RootElement.GetProperty("runs")[0];
        Assert.Contains(run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray(), r => r.GetProperty("id").GetString() == "ET1015");
        var result = Assert.Single(run.GetProperty("results").EnumerateArray(), r => r.GetProperty("ruleId").GetString() == "ET1015");
        Assert.Equal("error", result.GetProperty("level").GetString());
    }
}
