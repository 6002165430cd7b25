using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Compliance;

/// <summary>
/// The compliance acceptance scenario: a tree mixing encrypted and plain files, keys with and without rotation, and a broad policy
/// report exactly the expected findings with their remediations; after the remediations are run through the engine, the
/// -Quiet equivalent (Summary.Compliant) flips to true.
/// </summary>
public sealed class DoneWhenScenarioTests : IDisposable
{
    private readonly ComplianceFixture _f = new();

    public void Dispose() => _f.Dispose();

    // A real administrator's broad policy: full control for the store owner (the caller; the store's lockout safety check
    // requires it), and decryption for everyone.
    private static readonly string BroadPolicy = $$"""
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Sid": "Admins", "Effect": "Allow", "Principal": { "EncTools": "{{ComplianceFixture.Me}}" }, "Action": "kms:*", "Resource": "*" },
            { "Sid": "AnyoneMayDecrypt", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*" }
          ]
        }
        """;

    [Fact]
    public void ExactlyTheExpectedFindingsThenCompliantAfterTheRemediations()
    {
        var rotating = _f.NewKey(rotation: true, alias: "alias/exports");
        var still = _f.NewKey(rotation: false, alias: "alias/archive");
        var broad = _f.NewKey(rotation: true, policy: BroadPolicy, alias: "alias/reports");
        _f.Encrypted("exports/q1.csv", rotating.KeyId, new Dictionary<string, string> { ["dept"] = "finance" });
        var q2 = _f.Plain("exports/q2.csv");
        var q3 = _f.Plain("exports/sub dir/q3.csv");
        _f.Encrypted("archive/2024.bin", still.KeyId);
        _f.Encrypted("reports/r.txt", broad.KeyId);

        var report = _f.Run();
        Assert.False(report.Summary.Compliant);
        Assert.Equal(5, report.Summary.FilesScanned);
        Assert.Equal(3, report.Summary.FilesEncrypted);
        Assert.Equal(3, report.Summary.KeysChecked);

        var expected = new[]
        {
            (ComplianceRules.FileNotEncrypted, q2, $"Protect-File -LiteralPath '{q2}' -InPlace"),
            (ComplianceRules.FileNotEncrypted, q3, $"Protect-File -LiteralPath '{q3}' -InPlace"),
            (ComplianceRules.KeyRotationDisabled, still.KeyId, $"Set-EncKey -KeyId {still.KeyId} -RotationEnabled $true"),
        };
        var actual = report.Findings.Where(f => f.RuleId != ComplianceRules.PolicyPublicDecrypt).Select(f => (f.RuleId, f.Target, f.Remediation))
            .OrderBy(t => t.RuleId, StringComparer.Ordinal).ThenBy(t => t.Target, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected.OrderBy(t => t.Item1, StringComparer.Ordinal).ThenBy(t => t.Item2, StringComparer.Ordinal).ToArray(), actual);

        var policyFinding = Assert.Single(report.Findings, f => f.RuleId == ComplianceRules.PolicyPublicDecrypt);
        Assert.Equal(broad.KeyId, policyFinding.Target);
        Assert.Equal(ComplianceSeverity.Critical, policyFinding.Severity);
        Assert.Contains("AnyoneMayDecrypt", policyFinding.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Set-EncKeyPolicy -KeyId {broad.KeyId} -Policy '", policyFinding.Remediation, StringComparison.Ordinal);
        Assert.Equal(4, report.Findings.Count);
        Assert.Equal(new Dictionary<string, int> { ["ET1001"] = 2, ["ET2001"] = 1, ["ET3001"] = 1 }, report.Summary.CountByRule);
        Assert.Equal(1, report.Summary.Critical);
        Assert.Equal(2, report.Summary.High);
        Assert.Equal(1, report.Summary.Medium);

        // The remediations, through the engine: encrypt the plain files in place with the store's keyring, turn rotation
        // on, and replace the policy with the one the finding gives.
        using (var keyring = _f.Keys.CreateEncryptKeyring(["alias/exports"]))
        {
            var outcomes = FileProtector.Protect([q2, q3], new ProtectRequest { Keyrings = [keyring], InPlace = true }).ToList();
            Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error?.Message));
        }
        _f.Keys.UpdateKey(still.KeyId, new KeyUpdate { RotationEnabled = true });
        var fixedPolicy = policyFinding.Remediation[(policyFinding.Remediation.IndexOf(" -Policy '", StringComparison.Ordinal) + 10)..^1].Replace("''", "'", StringComparison.Ordinal);
        _f.Keys.UpdateKey(broad.KeyId, new KeyUpdate { Policy = fixedPolicy });

        var after = _f.Run();
        Assert.Empty(after.Findings);
        Assert.True(after.Summary.Compliant); // what -Quiet returns
        Assert.Equal(5, after.Summary.FilesEncrypted);
    }
}
