using EncryptionTools.Engine.Compliance.Rules;

namespace EncryptionTools.Engine.Compliance;

/// <summary>How bad a finding is. Ordered: a -MinimumSeverity of Medium reports Medium, High and Critical.</summary>
public enum ComplianceSeverity
{
    Informational = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

/// <summary>What a rule looks at.</summary>
public enum ComplianceArea
{
    Files,
    Keys,
    Policies,
    Store,
}

/// <summary>One rule: a stable id (never reused), its default severity, what it checks and how to fix it in general.</summary>
public sealed record ComplianceRule(string Id, string Name, ComplianceArea Area, ComplianceSeverity Severity, string Description, string Help);

/// <summary>
/// The rule catalog: each rule is one class in Rules/, listed in <see cref="ComplianceRuleRegistry"/>. Ids are stable:
/// ET1xxx files, ET2xxx keys, ET3xxx policies and grants, ET4xxx the store. A rule that is retired keeps its id
/// reserved; new rules take new ids.
/// </summary>
public static class ComplianceRules
{
    public const string FileNotEncrypted = FileNotEncryptedRule.RuleId;
    public const string FileKeyUnknown = FileKeyUnknownRule.RuleId;
    public const string FileKeyDisabled = FileKeyDisabledRule.RuleId;
    public const string FileKeyPendingDeletion = FileKeyPendingDeletionRule.RuleId;
    public const string FileKeyVersionRetired = FileKeyVersionRetiredRule.RuleId;
    public const string FileNonCommittingSuite = FileNonCommittingSuiteRule.RuleId;
    public const string FileFormatV1 = FileFormatV1Rule.RuleId;
    public const string FileContextMissingKeys = FileContextMissingKeysRule.RuleId;
    public const string FileKeyVersionTooOld = FileKeyVersionTooOldRule.RuleId;
    public const string FileUnreadable = FileUnreadableRule.RuleId;
    public const string FileKmsKeyDisabled = FileKmsKeyDisabledRule.RuleId;
    public const string FileKmsKeyPendingDeletion = FileKmsKeyPendingDeletionRule.RuleId;
    public const string FileKmsKeyUnavailable = FileKmsKeyUnavailableRule.RuleId;
    public const string FileKmsKeysNotChecked = FileKmsKeysNotCheckedRule.RuleId;
    public const string FileRecoveryKeyMissing = FileRecoveryKeyMissingRule.RuleId;

    public const string KeyRotationDisabled = KeyRotationDisabledRule.RuleId;
    public const string KeyRotationOverdue = KeyRotationOverdueRule.RuleId;
    public const string KeyPendingDeletionInUse = KeyPendingDeletionInUseRule.RuleId;
    public const string AliasDangling = AliasDanglingRule.RuleId;
    public const string KeyExportable = KeyExportableRule.RuleId;
    public const string KeyTooOld = KeyTooOldRule.RuleId;

    public const string PolicyPublicDecrypt = PolicyPublicDecryptRule.RuleId;
    public const string GrantWithoutConstraints = GrantWithoutConstraintsRule.RuleId;
    public const string GrantPrincipalMissing = GrantPrincipalMissingRule.RuleId;
    public const string PolicyInvalid = PolicyInvalidRule.RuleId;

    public const string StorePermissionsOpen = StorePermissionsOpenRule.RuleId;
    public const string StoreWithoutPassword = StoreWithoutPasswordRule.RuleId;
    public const string AuditLogBroken = AuditLogBrokenRule.RuleId;

    /// <summary>
    /// The rules a run leaves out. A check of named paths reports on those files only: the key, policy and store rules
    /// are left out unless the caller asks for them (-IncludeStore, --include-store) or names rules itself. The cmdlet
    /// and the CLI share this rule, so a path means the same to both.
    /// </summary>
    public static IReadOnlyList<string> Excluded(IEnumerable<string>? excludeRules, bool pathsNamed, bool includeStore, bool rulesNamed)
    {
        var excluded = new List<string>(excludeRules ?? []);
        if (pathsNamed && !includeStore && !rulesNamed)
            excluded.AddRange(All.Where(r => r.Area != ComplianceArea.Files).Select(r => r.Id));
        return excluded;
    }

    /// <summary>Every rule's catalog entry, in id order (from <see cref="ComplianceRuleRegistry"/>).</summary>
    public static IReadOnlyList<ComplianceRule> All { get; } = [.. ComplianceRuleRegistry.Create().Select(r => r.Info)];

    private static readonly Dictionary<string, ComplianceRule> ById = All.ToDictionary(r => r.Id, StringComparer.OrdinalIgnoreCase);

    public static ComplianceRule Get(string id) => ById.TryGetValue(id, out var rule)
        ? rule
        : throw new ComplianceArgumentException($"'{id}' is not a compliance rule id. The rules are {string.Join(", ", All.Select(r => r.Id))}.");

    public static bool TryGet(string id, out ComplianceRule? rule) => ById.TryGetValue(id, out rule);

    /// <summary>
    /// The rules selected by ids or names (with * and ? wildcards: ET1*, *Grant*), less the excluded ones; every rule when
    /// <paramref name="include"/> is empty. A pattern that matches no rule is an error naming it.
    /// </summary>
    public static IReadOnlyList<ComplianceRule> Select(IEnumerable<string>? include, IEnumerable<string>? exclude)
    {
        var included = (include ?? []).ToList();
        var selected = included.Count == 0 ? All.ToList() : All.Where(r => included.Any(p => Matches(p, r))).ToList();
        foreach (var p in included.Concat(exclude ?? []))
        {
            if (!All.Any(r => Matches(p, r)))
                throw new ComplianceArgumentException($"'{p}' matches no compliance rule. The rules are {string.Join(", ", All.Select(r => r.Id))}.");
        }
        var excluded = (exclude ?? []).ToList();
        return selected.Where(r => !excluded.Any(p => Matches(p, r))).ToList();
    }

    private static bool Matches(string pattern, ComplianceRule rule) =>
        Wildcard.IsMatch(pattern.Trim(), rule.Id, ignoreCase: true) || Wildcard.IsMatch(pattern.Trim(), rule.Name, ignoreCase: true);
}

/// <summary>A bad argument to the compliance engine (a rule id, a severity, a path).</summary>
public sealed class ComplianceArgumentException(string message)
    : EncryptionToolsException(ErrorCatalog.ComplianceInvalidArgument, message);

/// <summary>A compliance profile that does not parse or names an unknown or mistyped field; the message names the field (and line).</summary>
internal sealed class ComplianceProfileException(string message, string? field = null, int? line = null)
    : EncryptionToolsException(ErrorCatalog.ComplianceProfileInvalid, message)
{
    public string? Field { get; } = field;
    public int? Line { get; } = line;
}
