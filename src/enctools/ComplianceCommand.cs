using System.CommandLine;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Cli;

/// <summary>
/// <c>enctools compliance PATH... [--include-store] [--profile FILE.psd1] [--rule ID]... [--exclude-rule ID]... [--minimum-severity S]
/// [--json] [--sarif FILE] [--store PATH]</c>: the Test-EncryptionCompliance engine for runbooks and CI. Exit code 0 when
/// compliant, <see cref="NotCompliant"/> when not, and the usual error codes (docs/enctools.md) when it cannot run.
/// </summary>
public static class ComplianceCommand
{
    /// <summary>The run worked and found problems at or above the minimum severity.</summary>
    public const int NotCompliant = 10;

    /// <summary>Adds the command to the root (Program.cs: one line). Uses the root's recursive --json when it has one.</summary>
    public static Command Register(RootCommand root, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        var json = root.Options.OfType<Option<bool>>().FirstOrDefault(o => o.Name == "--json" && o.Recursive);
        var store = root.Options.OfType<Option<string?>>().FirstOrDefault(o => o.Name == "--store" && o.Recursive);
        var command = Create(json, cancellationToken, store);
        root.Subcommands.Add(command);
        return command;
    }

    public static Command Create(Option<bool>? sharedJson, CancellationToken cancellationToken, Option<string?>? sharedStore = null)
    {
        var paths = new Argument<string[]>("path") { Description = "Files or directories to scan (recursively). None: only keys, policies and the store are checked.", Arity = ArgumentArity.ZeroOrMore };
        var profile = new Option<FileInfo?>("--profile") { Description = "A compliance profile (.psd1)." };
        var rule = new Option<string[]>("--rule") { Description = "Evaluate only these rules (id, name or wildcard; repeatable)." };
        var excludeRule = new Option<string[]>("--exclude-rule") { Description = "Do not evaluate these rules (repeatable)." };
        var minimum = new Option<ComplianceSeverity>("--minimum-severity") { Description = "Report only findings at or above this severity (Informational, Low, Medium, High, Critical).", DefaultValueFactory = _ => ComplianceSeverity.Informational };
        var include = new Option<string[]>("--include") { Description = "Scan only files matching these globs (repeatable)." };
        var exclude = new Option<string[]>("--exclude") { Description = "Skip files and directories matching these globs (repeatable)." };
        var noRecurse = new Option<bool>("--no-recurse") { Description = "Scan only the top level of each directory." };
        var includeStore = new Option<bool>("--include-store") { Description = "With paths, also run the key, policy and store rules (without paths they always run)." };
        var sarif = new Option<FileInfo?>("--sarif") { Description = "Also write the findings as SARIF 2.1.0 to this file." };
        var store = sharedStore ?? new Option<string?>("--store") { Description = "The key store (default: ENCRYPTIONTOOLS_STORE, else the per-user store)." };
        var json = sharedJson ?? new Option<bool>("--json") { Description = "Write the findings and the summary as JSON on stdout." };

        var command = new Command("compliance", "Check files, keys, policies and the key store against a compliance profile; exit 10 when not compliant.")
        {
            paths, profile, rule, excludeRule, minimum, include, exclude, noRecurse, includeStore, sarif,
        };
        if (sharedJson is null) command.Options.Add(json);
        if (sharedStore is null) command.Options.Add(store);

        command.SetAction(r =>
        {
            try
            {
                var loaded = r.GetValue(profile) is { } file ? ComplianceProfile.Load(file.FullName) : ComplianceProfile.Default;
                var includeGlobs = r.GetValue(include);
                var excludeGlobs = r.GetValue(exclude);
                var storePath = r.GetValue(store);
                var provider = KeyStoreProviders.Get(CliContext.StorePath(storePath), CliContext.CommandName(r));
                var named = (r.GetValue(paths) ?? []).Select(Path.GetFullPath).ToList();
                var rules = r.GetValue(rule) ?? [];
                var request = new ComplianceRequest
                {
                    Paths = named,
                    Recurse = !r.GetValue(noRecurse),
                    Include = includeGlobs is { Length: > 0 } ? includeGlobs : null,
                    Exclude = excludeGlobs is { Length: > 0 } ? excludeGlobs : null,
                    Profile = loaded,
                    Rules = rules,
                    ExcludeRules = ComplianceRules.Excluded(r.GetValue(excludeRule), named.Count > 0, r.GetValue(includeStore), rules.Length > 0),
                    MinimumSeverity = r.GetValue(minimum),
                    RemediationStorePath = CliContext.StorePath(storePath),
                };
                ComplianceReport report;
                using (var source = new StoreComplianceSource(provider, SystemPrincipalResolver.Instance))
                    report = ComplianceEngine.Run(request, source, Console.IsErrorRedirected ? null : new StderrProgress(), cancellationToken: cancellationToken);
                if (!Console.IsErrorRedirected) Console.Error.Write("\r\u001b[K");
                if (r.GetValue(sarif) is { } sarifFile) SarifWriter.WriteFile(report, sarifFile.FullName);
                if (r.GetValue(json))
                {
                    using var stdout = Console.OpenStandardOutput();
                    ComplianceJson.Write(report, stdout);
                    stdout.Flush();
                    Console.Out.WriteLine();
                }
                else
                {
                    WriteText(report);
                }
                return report.Summary.Compliant ? ExitCodes.Ok : NotCompliant;
            }
            catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                return CliContext.Fail(ex);
            }
        });
        return command;
    }

    private static void WriteText(ComplianceReport report)
    {
        using var output = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };
        foreach (var f in report.Findings)
        {
            output.Write(f.RuleId);
            output.Write(' ');
            output.Write(f.Severity);
            output.Write(' ');
            output.WriteLine(CliContext.Field(f.Target, 1024));
            output.Write("  ");
            output.WriteLine(CliContext.Safe(f.Message));
            var (label, fix) = CliRemediation.Render(f); // quoted from data: no control character survives it
            output.Write($"  {label}: ");
            output.WriteLine(fix);
        }
        output.WriteLine(report.Summary.ToString());
        foreach (var skip in report.Summary.RulesNotEvaluated) output.WriteLine($"  not evaluated: {skip}");
        output.Flush();
    }

    /// <summary>A one-line counter on the terminal's stderr while scanning.</summary>
    private sealed class StderrProgress : IProgress<ComplianceProgress>
    {
        public void Report(ComplianceProgress value) =>
            Console.Error.Write($"\r\u001b[Kcompliance: {value.Phase} {value.FilesScanned} file(s), {value.Findings} finding(s)");
    }
}
