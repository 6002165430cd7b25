using System.Text.Json;
using EncryptionTools.Engine.Compliance;

namespace EncryptionTools.Tests.Compliance;

/// <summary>
/// The SARIF output against the SARIF 2.1.0 schema's required fields, written out from the schema
/// (sarif-schema-2.1.0.json): sarifLog requires version ("2.1.0") and runs; run requires tool; tool requires driver;
/// toolComponent requires name; reportingDescriptor requires id; multiformatMessageString requires text; result requires
/// message; message requires text or id; physicalLocation requires artifactLocation or address; invocation requires
/// executionSuccessful; levels are one of none, note, warning, error; uris are absolute here.
/// </summary>
public sealed class SarifTests : IDisposable
{
    private readonly ComplianceFixture _f = new();

    public void Dispose() => _f.Dispose();

    private JsonElement Sarif(ComplianceReport report)
    {
        using var ms = new MemoryStream();
        SarifWriter.Write(report, ms);
        return JsonDocument.Parse(ms.ToArray()).RootElement.Clone();
    }

    private static JsonElement Required(JsonElement obj, string name, JsonValueKind kind)
    {
        Assert.Equal(JsonValueKind.Object, obj.ValueKind);
        Assert.True(obj.TryGetProperty(name, out var value), $"required property '{name}' is missing from {obj}");
        Assert.Equal(kind, value.ValueKind);
        return value;
    }

    private static void Message(JsonElement message)
    {
        Assert.Equal(JsonValueKind.Object, message.ValueKind);
        Assert.True(message.TryGetProperty("text", out var text) || message.TryGetProperty("id", out _), "a message needs text or id");
        Assert.False(string.IsNullOrWhiteSpace(text.GetString()));
    }

    private static readonly string[] Levels = ["none", "note", "warning", "error"];

    [Fact]
    public void EveryFieldTheSchemaRequiresIsThere()
    {
        var key = _f.NewKey(rotation: false, policy: """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}""");
        _f.Plain("a b/plain.txt");
        _f.Encrypted("enc.bin", key.KeyId);
        var report = _f.Run();
        Assert.NotEmpty(report.Findings);
        var log = Sarif(report);

        Assert.Equal("2.1.0", Required(log, "version", JsonValueKind.String).GetString());
        Assert.Equal(SarifWriter.SchemaUri, Required(log, "$schema", JsonValueKind.String).GetString());
        var runs = Required(log, "runs", JsonValueKind.Array);
        var run = Assert.Single(runs.EnumerateArray());
        var driver = Required(Required(run, "tool", JsonValueKind.Object), "driver", JsonValueKind.Object);
        Assert.Equal("enctools", Required(driver, "name", JsonValueKind.String).GetString());
        Required(driver, "version", JsonValueKind.String);
        Assert.True(Uri.IsWellFormedUriString(Required(driver, "informationUri", JsonValueKind.String).GetString(), UriKind.Absolute));

        var rules = Required(driver, "rules", JsonValueKind.Array).EnumerateArray().ToList();
        Assert.Equal(ComplianceRules.All.Select(r => r.Id), rules.Select(r => Required(r, "id", JsonValueKind.String).GetString()));
        foreach (var rule in rules)
        {
            Required(Required(rule, "shortDescription", JsonValueKind.Object), "text", JsonValueKind.String);
            Required(Required(rule, "fullDescription", JsonValueKind.Object), "text", JsonValueKind.String);
            Required(Required(rule, "help", JsonValueKind.Object), "text", JsonValueKind.String);
            Assert.Contains(Required(Required(rule, "defaultConfiguration", JsonValueKind.Object), "level", JsonValueKind.String).GetString(), Levels);
        }

        foreach (var invocation in Required(run, "invocations", JsonValueKind.Array).EnumerateArray())
            Assert.True(Required(invocation, "executionSuccessful", JsonValueKind.True).GetBoolean());

        var results = Required(run, "results", JsonValueKind.Array).EnumerateArray().ToList();
        Assert.Equal(report.Findings.Count, results.Count);
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            var finding = report.Findings[i];
            Message(Required(result, "message", JsonValueKind.Object));
            Assert.Equal(finding.RuleId, Required(result, "ruleId", JsonValueKind.String).GetString());
            var ruleIndex = Required(result, "ruleIndex", JsonValueKind.Number).GetInt32();
            Assert.Equal(finding.RuleId, rules[ruleIndex].GetProperty("id").GetString());
            Assert.Equal(SarifWriter.Level(finding.Severity), Required(result, "level", JsonValueKind.String).GetString());
            Assert.Contains(result.GetProperty("level").GetString(), Levels);
            var location = Assert.Single(Required(result, "locations", JsonValueKind.Array).EnumerateArray());
            var physical = Required(location, "physicalLocation", JsonValueKind.Object);
            var uri = Required(Required(physical, "artifactLocation", JsonValueKind.Object), "uri", JsonValueKind.String).GetString()!;
            Assert.True(Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.IsFile, $"'{uri}' is not an absolute file URI");
            if (finding.TargetKind == ComplianceTargetKind.File) Assert.Equal(Path.GetFullPath(finding.Target), parsed.LocalPath);
            Assert.Equal(finding.Remediation, Required(Required(result, "properties", JsonValueKind.Object), "remediation", JsonValueKind.String).GetString());
        }
        Assert.Contains(results, r => r.GetProperty("ruleId").GetString() == ComplianceRules.FileNotEncrypted
            && r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!.Contains("a%20b/plain.txt", StringComparison.Ordinal));
    }

    [Fact]
    public void ACompliantRunHasAnEmptyResultsArray()
    {
        var log = Sarif(_f.Run(rules: [ComplianceRules.FileNotEncrypted]));
        var run = log.GetProperty("runs")[0];
        Assert.Equal(0, run.GetProperty("results").GetArrayLength());
        Assert.True(run.GetProperty("invocations")[0].GetProperty("properties").GetProperty("compliant").GetBoolean());
    }

    [Fact]
    public void RemediationsAreDataInSarifAndJsonAlike()
    {
        const string name = "c\u2019; New-Item PWNED; Write-Output \u2019";
        var plain = _f.Plain(name);
        var report = _f.Run(rules: [ComplianceRules.FileNotEncrypted]);
        var finding = Assert.Single(report.Findings);
        var command = Assert.Single(finding.RemediationCommands);

        using var json = new MemoryStream();
        ComplianceJson.Write(report, json);
        var fromJson = JsonDocument.Parse(json.ToArray()).RootElement.GetProperty("findings")[0];
        var fromSarif = Required(Required(Sarif(report), "runs", JsonValueKind.Array)[0], "results", JsonValueKind.Array)[0].GetProperty("properties");
        foreach (var holder in new[] { fromJson, fromSarif })
        {
            var commands = Required(holder, "remediationCommands", JsonValueKind.Array);
            var first = Assert.Single(commands.EnumerateArray());
            Assert.Equal("Protect-File", first.GetProperty("command").GetString());
            var path = first.GetProperty("arguments")[0];
            Assert.Equal("LiteralPath", path.GetProperty("name").GetString());
            Assert.Equal("Text", path.GetProperty("kind").GetString());
            Assert.Equal(plain, path.GetProperty("value").GetString());
            Assert.Equal("InPlace", first.GetProperty("arguments")[1].GetProperty("name").GetString());
            Assert.Equal(command.Arguments.Count, first.GetProperty("arguments").GetArrayLength());
            Assert.Equal(finding.Remediation, holder.GetProperty("remediation").GetString());
        }
    }
}
