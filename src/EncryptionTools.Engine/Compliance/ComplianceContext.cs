using EncryptionTools.Engine.Compliance.Rules;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance;

/// <summary>
/// What a rule sees during one run: the profile, the data source, the store's keys and the files' key usage, and the
/// two things it may do: report a finding, or say why it could not be evaluated.
/// </summary>
internal sealed class ComplianceContext
{
    private readonly HashSet<string> _selected;
    private readonly ComplianceSeverity _minimumSeverity;
    private readonly Action<ComplianceFinding>? _onFinding;
    private readonly List<ComplianceFinding> _findings = [];
    private readonly Dictionary<string, ComplianceRuleSkip> _skipped = new(StringComparer.Ordinal);

    public ComplianceContext(ComplianceRequest request, IComplianceSource source, Action<ComplianceFinding>? onFinding)
    {
        Profile = request.Profile ?? ComplianceProfile.Default;
        Source = source;
        _onFinding = onFinding;
        _minimumSeverity = request.MinimumSeverity;
        _selected = ComplianceRules.Select(request.Rules, request.ExcludeRules.Concat(Profile.ExcludeRule)).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        Now = request.Time.GetUtcNow();
        StorePath = string.IsNullOrEmpty(request.RemediationStorePath) ? null : request.RemediationStorePath;
        Kms = new ExternalKeyCheck(request.KeyringProvider);
    }

    public ComplianceProfile Profile { get; }
    public IComplianceSource Source { get; }
    public DateTimeOffset Now { get; }

    /// <summary>The -StorePath remediations name, or null for the default store.</summary>
    public string? StorePath { get; }

    /// <summary>The store's keys by id; null when they cannot be read.</summary>
    public IReadOnlyDictionary<string, EncKey>? Keys { get; set; }

    /// <summary>The AWS KMS keys the scanned files name, described once per key per run.</summary>
    public ExternalKeyCheck Kms { get; }

    /// <summary>How many scanned files each key id wraps a data key of.</summary>
    public Dictionary<string, int> Usage { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<ComplianceFinding> Findings => _findings;
    public IReadOnlyCollection<string> Selected => _selected;
    public IReadOnlyDictionary<string, ComplianceRuleSkip> Skipped => _skipped;

    public bool On(ComplianceRuleBase rule) => _selected.Contains(rule.Id);

    /// <summary>Marks selected rules as not evaluated (the first reason given for a rule stands).</summary>
    public void Skip(string reason, IEnumerable<ComplianceRuleBase> rules)
    {
        foreach (var rule in rules)
            if (On(rule) && !_skipped.ContainsKey(rule.Id)) _skipped[rule.Id] = new ComplianceRuleSkip(rule.Id, reason);
    }

    public void Skip(string reason, ComplianceRuleBase rule) => Skip(reason, [rule]);

    public void Report(ComplianceRuleBase rule, ComplianceTargetKind kind, string target, string message, Remediation remediation, string? keyId = null)
    {
        if (!On(rule)) return;
        var info = rule.Info;
        if (info.Severity < _minimumSeverity) return;
        var finding = new ComplianceFinding
        {
            RuleId = info.Id,
            RuleName = info.Name,
            Severity = info.Severity,
            Target = target,
            TargetKind = kind,
            Message = message,
            Remediation = remediation.Text,
            RemediationCommands = remediation.Commands,
            KeyId = keyId,
        };
        _findings.Add(finding);
        _onFinding?.Invoke(finding);
    }

    /// <summary>A key's id with its aliases, for messages.</summary>
    public static string Describe(EncKey key) => key.Aliases.Count == 0 ? key.KeyId : $"{key.KeyId} ({string.Join(", ", key.Aliases)})";
}
