using System.Text.Json;

namespace EncryptionTools.Engine.Compliance;

/// <summary>The report as JSON (enctools compliance --json): { "findings": [...], "summary": {...} }, enums as names.</summary>
public static class ComplianceJson
{
    /// <summary>
    /// "remediationCommands": [{ "command": "Protect-File", "arguments": [{ "name": "LiteralPath", "kind": "Text",
    /// "value": "..." }, ...] }, ...]: the remediation as data, for tools that run or check it without parsing text.
    /// </summary>
    public static void WriteCommands(Utf8JsonWriter w, IReadOnlyList<RemediationCommand> commands)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(commands);
        w.WriteStartArray("remediationCommands");
        foreach (var c in commands)
        {
            w.WriteStartObject();
            w.WriteString("command", c.Command);
            w.WriteStartArray("arguments");
            foreach (var a in c.Arguments)
            {
                w.WriteStartObject();
                if (a.Name is null) w.WriteNull("name");
                else w.WriteString("name", a.Name);
                w.WriteString("kind", a.Kind.ToString());
                if (a.Value is not null) w.WriteString("value", a.Value);
                if (a.Values is not null)
                {
                    w.WriteStartArray("values");
                    foreach (var v in a.Values) w.WriteStringValue(v);
                    w.WriteEndArray();
                }
                if (a.Entries is not null)
                {
                    w.WriteStartArray("entries");
                    foreach (var e in a.Entries)
                    {
                        w.WriteStartObject();
                        w.WriteString("key", e.Key);
                        w.WriteString("value", e.Value);
                        w.WriteBoolean("isPlaceholder", e.IsPlaceholder);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void Write(ComplianceReport report, Stream output)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteStartArray("findings");
        foreach (var f in report.Findings)
        {
            w.WriteStartObject();
            w.WriteString("ruleId", f.RuleId);
            w.WriteString("ruleName", f.RuleName);
            w.WriteString("severity", f.Severity.ToString());
            w.WriteString("target", f.Target);
            w.WriteString("targetKind", f.TargetKind.ToString());
            w.WriteString("message", f.Message);
            w.WriteString("remediation", f.Remediation);
            WriteCommands(w, f.RemediationCommands);
            if (f.KeyId is null) w.WriteNull("keyId");
            else w.WriteString("keyId", f.KeyId);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        var s = report.Summary;
        w.WriteStartObject("summary");
        w.WriteBoolean("compliant", s.Compliant);
        w.WriteNumber("findingCount", s.FindingCount);
        w.WriteStartObject("countBySeverity");
        foreach (var (k, v) in s.CountBySeverity) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteStartObject("countByRule");
        foreach (var (k, v) in s.CountByRule) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteNumber("filesScanned", s.FilesScanned);
        w.WriteNumber("filesEncrypted", s.FilesEncrypted);
        w.WriteNumber("keysChecked", s.KeysChecked);
        w.WriteNumber("durationSeconds", Math.Round(s.Duration.TotalSeconds, 3));
        w.WriteNumber("filesPerSecond", s.FilesPerSecond);
        w.WriteString("minimumSeverity", s.MinimumSeverity.ToString());
        w.WriteStartArray("rulesEvaluated");
        foreach (var r in s.RulesEvaluated) w.WriteStringValue(r);
        w.WriteEndArray();
        w.WriteStartArray("rulesNotEvaluated");
        foreach (var r in s.RulesNotEvaluated)
        {
            w.WriteStartObject();
            w.WriteString("ruleId", r.RuleId);
            w.WriteString("reason", r.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (s.StoreLocation is null) w.WriteNull("storeLocation");
        else w.WriteString("storeLocation", s.StoreLocation);
        w.WriteString("startTime", s.StartTime);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
