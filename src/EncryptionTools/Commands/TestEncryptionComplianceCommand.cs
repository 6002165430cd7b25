using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Checks files, keys, key policies, grants and the key store against a compliance profile. Writes one finding per
/// problem; -Summary adds the summary last; -Quiet writes only $true or $false. The engine does the work.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "EncryptionCompliance", DefaultParameterSetName = PathSet, HelpUri = HelpLinks.DocsBase + "Test-EncryptionCompliance.md")]
[OutputType(typeof(ComplianceFinding), typeof(ComplianceSummary), typeof(bool))]
public sealed class TestEncryptionComplianceCommand : EncryptionToolsCmdlet
{
    // Not a KeyStoreCmdlet: it reads the store only through the compliance engine's data source, and the key-store
    // cmdlet family (and its tests) stays the set of key cmdlets.
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Scans directories recursively (without it, only the files directly in each directory).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string[]? Include { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string[]? Exclude { get; set; }

    /// <summary>A compliance profile: a hashtable, or the path of a .psd1 file.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Profile { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(ComplianceRuleCompleter))]
    [SupportsWildcards]
    public string[]? Rule { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(ComplianceRuleCompleter))]
    [SupportsWildcards]
    public string[]? ExcludeRule { get; set; }

    [Parameter]
    public ComplianceSeverity MinimumSeverity { get; set; } = ComplianceSeverity.Informational;

    /// <summary>Writes only $true (compliant) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>
    /// With -Path or -LiteralPath, also runs the key, policy, grant and store rules. Without it a path-scoped check reports
    /// only about the files it names, so -Quiet and Should -BeEncrypted answer about the same thing.
    /// </summary>
    [Parameter]
    public SwitchParameter IncludeStore { get; set; }

    /// <summary>Writes the summary object after the findings.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    /// <summary>The store to check against; overrides ENCRYPTIONTOOLS_STORE and the per-user default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StorePath { get; set; }

    private readonly List<string> _paths = [];
    private int _unresolved;

    private string? ResolvedStorePath => string.IsNullOrWhiteSpace(StorePath) ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(StorePath);

    protected override void ProcessRecord()
    {
        var literal = ParameterSetName == LiteralPathSet;
        foreach (var path in literal ? LiteralPath : Path)
        {
            var before = _paths.Count;
            _paths.AddRange(ResolveFileSystemPaths([path], literal));
            if (_paths.Count == before) _unresolved++;
        }
    }

    /// <summary>Whether the caller named files or directories (even ones that turned out not to exist).</summary>
    private bool PathGiven => MyInvocation.BoundParameters.ContainsKey(nameof(Path)) || MyInvocation.BoundParameters.ContainsKey(nameof(LiteralPath))
        || _paths.Count > 0 || _unresolved > 0;

    protected override void EndProcessing()
    {
        try
        {
            var request = new ComplianceRequest
            {
                Paths = _paths.Distinct(StringComparer.Ordinal).ToList(),
                Recurse = Recurse.IsPresent,
                Include = Include,
                Exclude = Exclude,
                Profile = LoadProfile(),
                Rules = Rule ?? [],
                ExcludeRules = ComplianceRules.Excluded(ExcludeRule, PathGiven, IncludeStore, Rule is { Length: > 0 }),
                MinimumSeverity = MinimumSeverity,
                RemediationStorePath = ResolvedStorePath,
            };
            ComplianceReport report;
            var progress = new PipelineProgress(this);
            using (var source = new StoreComplianceSource(KeyStoreProviders.Get(ResolvedStorePath), SystemPrincipalResolver.Instance))
            {
                report = ComplianceEngine.Run(request, source, progress, Quiet ? null : f => WriteObject(f), CancellationToken);
            }
            progress.Complete();
            WriteVerbose(report.Summary.ToString());
            foreach (var skip in report.Summary.RulesNotEvaluated) WriteVerbose("Not evaluated: " + skip);
            if (PathGiven && !IncludeStore && Rule is not { Length: > 0 })
                WriteVerbose("Key, policy and store rules were not evaluated: the check is scoped to the named paths (add -IncludeStore).");
            // A path that could not be checked is not compliant: -Quiet never says $true about files it did not see.
            if (Quiet) WriteObject(report.Summary.Compliant && _unresolved == 0);
            else if (Summary) WriteObject(report.Summary);
        }
        catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(ErrorRecordFactory.Create(ex, _paths.FirstOrDefault()));
        }
        finally
        {
            base.EndProcessing();
        }
    }

    private ComplianceProfile LoadProfile() => PSObjects.Unwrap(Profile) switch
    {
        null => ComplianceProfile.Default,
        ComplianceProfile p => p,
        IDictionary table => ComplianceProfile.FromDictionary(PlainTable(table), "profile hashtable", SessionState.Path.CurrentFileSystemLocation.ProviderPath),
        string path => ComplianceProfile.Load(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path)),
        FileInfo file => ComplianceProfile.Load(file.FullName),
        var other => throw new ComplianceArgumentException($"-Profile takes a hashtable or the path of a .psd1 file, not a {other.GetType().Name}."),
    };

    /// <summary>PSObject wrappers and switch values become plain values before the engine sees them.</summary>
    private static Hashtable PlainTable(IDictionary table)
    {
        var result = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in table) result[e.Key.ToString()!] = PlainValue(e.Value);
        return result;
    }

    private static object? PlainValue(object? value) => value switch
    {
        PSObject => PlainValue(PSObjects.Unwrap(value)),
        SwitchParameter s => s.IsPresent,
        IDictionary d => PlainTable(d),
        string s => s,
        IEnumerable list => list.Cast<object?>().Select(PlainValue).ToList(),
        _ => value,
    };

    /// <summary>Progress records from the engine, written on the pipeline thread (the engine reports on the caller's thread).</summary>
    private sealed class PipelineProgress(TestEncryptionComplianceCommand cmdlet) : IProgress<ComplianceProgress>
    {
        private readonly ProgressRecord _record = new(1, "Test-EncryptionCompliance", "Starting");

        public void Report(ComplianceProgress value)
        {
            _record.StatusDescription = value.Phase == CompliancePhase.Scanning
                ? $"Scanning file headers: {value.FilesScanned} file(s), {value.Findings} finding(s)"
                : $"Checking {value.Phase.ToString().ToLowerInvariant()}: {value.Findings} finding(s)";
            _record.CurrentOperation = value.CurrentPath ?? "";
            cmdlet.WriteProgress(_record);
        }

        public void Complete()
        {
            _record.RecordType = ProgressRecordType.Completed;
            cmdlet.WriteProgress(_record);
        }
    }
}

/// <summary>Tab completion of compliance rule ids (and names), with the rule's severity and description.</summary>
public sealed class ComplianceRuleCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        foreach (var rule in ComplianceRules.All)
        {
            if (!rule.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase) && !rule.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase)) continue;
            yield return new CompletionResult(rule.Id, $"{rule.Id} {rule.Name}", CompletionResultType.ParameterValue, $"{rule.Severity}: {rule.Description}");
        }
    }
}
