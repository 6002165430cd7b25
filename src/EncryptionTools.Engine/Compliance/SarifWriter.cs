using System.Reflection;
using System.Text.Json;

namespace EncryptionTools.Engine.Compliance;

/// <summary>
/// Writes a compliance report as SARIF 2.1.0 (OASIS), for code-scanning dashboards: one run whose driver lists every
/// rule (id, name, short and full description, help = the general remediation, default level), and one result per
/// finding (rule id and index, level, message, the file as a file: URI, or the store for key, policy and store
/// findings with the key or grant as a logical location). The exact remediation command of a finding is in
/// <c>result.properties.remediation</c>: SARIF's <c>fixes</c> describe byte edits of the artifact, which a
/// command is not.
/// </summary>
public static class SarifWriter
{
    public const string Version = "2.1.0";
    public const string SchemaUri = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
    public const string InformationUri = "https://github.com/encryptiontools/EncryptionTools";

    /// <summary>SARIF's level for a severity: Critical and High are errors, Medium warnings, Low and Informational notes.</summary>
    public static string Level(ComplianceSeverity severity) => severity switch
    {
        ComplianceSeverity.Critical or ComplianceSeverity.High => "error",
        ComplianceSeverity.Medium => "warning",
        _ => "note",
    };

    /// <summary>An absolute file: URI for a local path.</summary>
    public static string FileUri(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;

    public static void Write(ComplianceReport report, Stream output, string toolName = "enctools")
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var version = typeof(SarifWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";
        var rules = ComplianceRules.All;
        var index = rules.Select((r, i) => (r.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("version", Version);
        w.WriteString("$schema", SchemaUri);
        w.WriteStartArray("runs");
        w.WriteStartObject();

        w.WriteStartObject("tool");
        w.WriteStartObject("driver");
        w.WriteString("name", toolName);
        w.WriteString("version", version);
        w.WriteString("semanticVersion", version);
        w.WriteString("informationUri", InformationUri);
        w.WriteStartArray("rules");
        foreach (var rule in rules)
        {
            w.WriteStartObject();
            w.WriteString("id", rule.Id);
            w.WriteString("name", rule.Name);
            Text(w, "shortDescription", rule.Description);
            Text(w, "fullDescription", rule.Description + " " + rule.Help);
            Text(w, "help", rule.Help);
            w.WriteStartObject("defaultConfiguration");
            w.WriteString("level", Level(rule.Severity));
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteString("severity", rule.Severity.ToString());
            w.WriteString("area", rule.Area.ToString());
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartArray("invocations");
        w.WriteStartObject();
        w.WriteBoolean("executionSuccessful", true);
        w.WriteStartObject("properties");
        w.WriteBoolean("compliant", report.Summary.Compliant);
        w.WriteNumber("filesScanned", report.Summary.FilesScanned);
        w.WriteNumber("keysChecked", report.Summary.KeysChecked);
        w.WriteStartArray("rulesNotEvaluated");
        foreach (var skip in report.Summary.RulesNotEvaluated)
        {
            w.WriteStartObject();
            w.WriteString("ruleId", skip.RuleId);
            w.WriteString("reason", skip.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();

        w.WriteStartArray("results");
        foreach (var finding in report.Findings)
        {
            w.WriteStartObject();
            w.WriteString("ruleId", finding.RuleId);
            if (index.TryGetValue(finding.RuleId, out var i)) w.WriteNumber("ruleIndex", i);
            w.WriteString("level", Level(finding.Severity));
            w.WriteStartObject("message");
            w.WriteString("text", finding.Message + " Remediation: " + finding.Remediation);
            w.WriteEndObject();
            w.WriteStartArray("locations");
            w.WriteStartObject();
            w.WriteStartObject("physicalLocation");
            w.WriteStartObject("artifactLocation");
            var artifact = finding.TargetKind == ComplianceTargetKind.File ? finding.Target : report.Summary.StoreLocation ?? finding.Target;
            w.WriteString("uri", FileUri(artifact));
            w.WriteEndObject();
            w.WriteEndObject();
            if (finding.TargetKind != ComplianceTargetKind.File)
            {
                w.WriteStartArray("logicalLocations");
                w.WriteStartObject();
                w.WriteString("name", finding.Target);
                w.WriteString("kind", "resource");
                w.WriteEndObject();
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("properties");
            w.WriteString("remediation", finding.Remediation);
            ComplianceJson.WriteCommands(w, finding.RemediationCommands);
            w.WriteString("severity", finding.Severity.ToString());
            w.WriteString("target", finding.Target);
            w.WriteString("targetKind", finding.TargetKind.ToString());
            if (finding.KeyId is not null) w.WriteString("keyId", finding.KeyId);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteFile(ComplianceReport report, string path, string toolName = "enctools")
    {
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Environment.ProcessId;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            Write(report, stream, toolName);
        File.Move(temp, full, overwrite: true);
    }

    private static void Text(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartObject(name);
        w.WriteString("text", text);
        w.WriteEndObject();
    }
}
