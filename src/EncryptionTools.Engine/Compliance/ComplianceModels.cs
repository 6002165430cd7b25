namespace EncryptionTools.Engine.Compliance;

/// <summary>What a finding is about.</summary>
public enum ComplianceTargetKind
{
    File,
    Key,
    Alias,
    Policy,
    Grant,
    Store,
}

/// <summary>One problem: which rule, how bad, what it is about, what is wrong, and the exact command that fixes it.</summary>
public sealed record ComplianceFinding
{
    public required string RuleId { get; init; }
    public required ComplianceSeverity Severity { get; init; }
    /// <summary>A file path, key id, alias name, grant id or store location.</summary>
    public required string Target { get; init; }
    public required string Message { get; init; }
    /// <summary>
    /// The command line to run, rendered from <see cref="RemediationCommands"/> (PowerShell; chmod and icacls for file
    /// modes). Every value in it is a quoted literal: it is safe to read, to copy, and to run once reviewed.
    /// </summary>
    public required string Remediation { get; init; }
    /// <summary>The same remediation as data: each command's name and its parameters with their values.</summary>
    public IReadOnlyList<RemediationCommand> RemediationCommands { get; init; } = [];
    public required string RuleName { get; init; }
    public ComplianceTargetKind TargetKind { get; init; }
    /// <summary>The key the finding concerns, when there is one.</summary>
    public string? KeyId { get; init; }

    public override string ToString() => $"{RuleId} {Severity} {Target}: {Message}";
}

/// <summary>A rule that was selected but could not be evaluated, and why (no data source, no paths, a locked store).</summary>
public sealed record ComplianceRuleSkip(string RuleId, string Reason)
{
    public override string ToString() => $"{RuleId}: {Reason}";
}

/// <summary>The outcome of one compliance run.</summary>
public sealed record ComplianceSummary
{
    /// <summary>True when no finding at or above the minimum severity was reported by the evaluated rules.</summary>
    public required bool Compliant { get; init; }
    public required int FindingCount { get; init; }
    public int Critical { get; init; }
    public int High { get; init; }
    public int Medium { get; init; }
    public int Low { get; init; }
    public int Informational { get; init; }
    /// <summary>Counts by severity name, most severe first (severities without findings included, as 0).</summary>
    public required IReadOnlyDictionary<string, int> CountBySeverity { get; init; }
    /// <summary>Counts by rule id, for rules with findings, in id order.</summary>
    public required IReadOnlyDictionary<string, int> CountByRule { get; init; }
    public long FilesScanned { get; init; }
    public long FilesEncrypted { get; init; }
    public int KeysChecked { get; init; }
    public TimeSpan Duration { get; init; }
    public double FilesPerSecond => Duration.TotalSeconds > 0 ? Math.Round(FilesScanned / Duration.TotalSeconds, 1) : 0;
    public ComplianceSeverity MinimumSeverity { get; init; }
    public required IReadOnlyList<string> RulesEvaluated { get; init; }
    public required IReadOnlyList<ComplianceRuleSkip> RulesNotEvaluated { get; init; }
    public string? StoreLocation { get; init; }
    public DateTimeOffset StartTime { get; init; }

    public override string ToString() =>
        $"{(Compliant ? "Compliant" : "Not compliant")}: {FindingCount} finding(s) (Critical {Critical}, High {High}, Medium {Medium}, Low {Low}, Informational {Informational}); "
        + $"{FilesScanned} file(s) scanned, {KeysChecked} key(s) checked in {Duration.TotalSeconds:0.###} s"
        + (RulesNotEvaluated.Count == 0 ? "" : $"; not evaluated: {string.Join(", ", RulesNotEvaluated.Select(r => r.RuleId))}");
}

/// <summary>All findings (in order: files, keys, policies and grants, store) and the summary.</summary>
public sealed record ComplianceReport(IReadOnlyList<ComplianceFinding> Findings, ComplianceSummary Summary);

/// <summary>What to check.</summary>
public sealed record ComplianceRequest
{
    /// <summary>Files and directories to scan (full paths). None: only the key, policy and store rules run.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];
    public bool Recurse { get; init; } = true;
    /// <summary>Include globs; null: the profile's.</summary>
    public IReadOnlyList<string>? Include { get; init; }
    /// <summary>Exclude globs; null: the profile's.</summary>
    public IReadOnlyList<string>? Exclude { get; init; }
    public ComplianceProfile Profile { get; init; } = ComplianceProfile.Default;
    /// <summary>Rules to evaluate (ids, names, wildcards); empty: all.</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];
    public IReadOnlyList<string> ExcludeRules { get; init; } = [];
    /// <summary>Findings below this are neither reported nor counted against compliance.</summary>
    public ComplianceSeverity MinimumSeverity { get; init; } = ComplianceSeverity.Informational;
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>The -StorePath to put in remediations, when the store is not the default one.</summary>
    public string? RemediationStorePath { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where the KMS rules find the provider of a provider id: the process registry (<see cref="Keyrings.KeyringProviders"/>),
    /// or, for a test, a provider of its own (another endpoint) without touching the process-wide registry.
    /// </summary>
    internal Func<string, Keyrings.IKeyringProvider?> KeyringProvider { get; init; } = Keyrings.KeyringProviders.ForProviderId;
}

public enum CompliancePhase
{
    Scanning,
    Keys,
    Policies,
    Store,
    Done,
}

/// <summary>Progress: the phase, files scanned so far and the file being looked at.</summary>
public sealed record ComplianceProgress(CompliancePhase Phase, long FilesScanned, long Findings, string? CurrentPath);
