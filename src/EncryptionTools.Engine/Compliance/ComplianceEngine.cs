using System.Diagnostics;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Compliance.Rules;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance;

/// <summary>
/// Runs the compliance rules of <see cref="ComplianceRuleRegistry"/>: files (a header-only, parallel scan with
/// <see cref="FileScanner"/>), then keys and aliases, then key policies and grants, then the store. Findings come out
/// in that order through <c>onFinding</c> on the caller's thread as they are found, and in the report; the summary is
/// made at the end. The engine reads the data and feeds each rule its targets; the rules judge them.
/// </summary>
public static class ComplianceEngine
{
    public static ComplianceReport Run(ComplianceRequest request, IComplianceSource source, IProgress<ComplianceProgress>? progress = null,
        Action<ComplianceFinding>? onFinding = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        var run = new Runner(request, source, progress, onFinding, cancellationToken);
        return run.Execute();
    }

    private sealed class Runner
    {
        private readonly ComplianceRequest _request;
        private readonly IComplianceSource _source;
        private readonly IProgress<ComplianceProgress>? _progress;
        private readonly CancellationToken _cancel;
        private readonly ComplianceContext _context;
        private readonly IReadOnlyList<ComplianceRuleBase> _rules = ComplianceRuleRegistry.Create();
        private long _files;
        private long _encrypted;
        private int _keysChecked;
        /// <summary>The key whose stored policy made the store refuse to list keys (a store written before policies were validated).</summary>
        private (string KeyId, string Problem)? _storedPolicyInvalid;

        public Runner(ComplianceRequest request, IComplianceSource source, IProgress<ComplianceProgress>? progress,
            Action<ComplianceFinding>? onFinding, CancellationToken cancel)
        {
            _request = request;
            _source = source;
            _progress = progress;
            _cancel = cancel;
            _context = new ComplianceContext(request, source, onFinding);
        }

        private List<T> Rules<T>(Func<T, bool>? where = null) where T : ComplianceRuleBase =>
            _rules.OfType<T>().Where(r => where is null || where(r)).ToList();

        private List<T> Selected<T>(Func<T, bool>? where = null) where T : ComplianceRuleBase =>
            Rules(where).Where(_context.On).ToList();

        private void Progress(CompliancePhase phase, string? current = null) =>
            _progress?.Report(new ComplianceProgress(phase, _files, _context.Findings.Count, current));

        public ComplianceReport Execute()
        {
            var clock = Stopwatch.StartNew();
            EncKeyStoreInfo? info = null;
            string? storeProblem = null;
            try { info = _source.GetStoreInfo(); }
            catch (EncryptionToolsException ex) { storeProblem = ex.Message; }

            IReadOnlyList<EncKey>? keys = null;
            string? keysProblem = storeProblem;
            try { keys = _source.GetKeys(); }
            catch (EncryptionToolsException ex)
            {
                keysProblem = "the store's keys cannot be read: " + ex.Message;
                // The enforcing store refuses to evaluate (and so to list) keys while one holds a policy that does not
                // parse; that policy is itself the ET3004 finding.
                if (ex.InnerException is InvalidKeyPolicyException invalid && ex.Target is string keyId)
                    _storedPolicyInvalid = (keyId, invalid.Message);
            }
            if (keys is not null) _context.Keys = keys.ToDictionary(k => k.KeyId, StringComparer.Ordinal);

            ScanFiles(keysProblem);
            _cancel.ThrowIfCancellationRequested();
            CheckKeys(keys, keysProblem);
            _cancel.ThrowIfCancellationRequested();
            CheckPolicies(keys, keysProblem);
            _cancel.ThrowIfCancellationRequested();
            CheckStore(info, storeProblem);
            clock.Stop();
            Progress(CompliancePhase.Done);
            return new ComplianceReport(_context.Findings, Summarize(clock.Elapsed));
        }

        // ---------------------------------------------------------------------------------------------------- files

        private void ScanFiles(string? keysProblem)
        {
            var fileRules = Rules<FileRule>();
            var usageRules = Rules<KeyRule>(r => r.NeedsScannedFiles);
            if (_request.Paths.Count == 0)
            {
                _context.Skip("no -Path or -LiteralPath was given, so no file was scanned", [.. fileRules, .. usageRules]);
                return;
            }
            if (!fileRules.Any(_context.On) && !usageRules.Any(_context.On)) return;
            if (_context.Keys is null) _context.Skip(keysProblem ?? "the store's keys cannot be read", [.. fileRules.Where(r => r.NeedsKeys), .. usageRules]);

            var messageRules = Selected<FileRule>(r => !r.NeedsKeys);
            var keyRules = Selected<FileRule>(r => r.NeedsKeys);
            var describeKms = Selected<FileRule>(r => r.NeedsKmsKeys).Count > 0;
            var states = Rules<FileKeyStateRule>();
            var profile = _context.Profile;
            var scan = new ScanRequest
            {
                Roots = _request.Paths,
                Recurse = _request.Recurse,
                Include = _request.Include ?? profile.Include,
                Exclude = _request.Exclude ?? profile.Exclude,
                MaxDegreeOfParallelism = _request.MaxDegreeOfParallelism,
            };
            Progress(CompliancePhase.Scanning);
            var lastReport = Environment.TickCount64;
            foreach (var entry in FileScanner.Scan(scan, _cancel))
            {
                _files++;
                if ((_files & 255) == 0)
                {
                    _cancel.ThrowIfCancellationRequested();
                    var tick = Environment.TickCount64;
                    if (tick - lastReport >= 200)
                    {
                        lastReport = tick;
                        Progress(CompliancePhase.Scanning, entry.Path);
                    }
                }
                if (entry.Kind is MessageKind.EsdkV1 or MessageKind.NonCommitting or MessageKind.Committing) _encrypted++;
                var kms = describeKms && entry.Kind == MessageKind.Committing ? _context.Kms.Check(entry) : [];
                var message = new ScannedFile(entry) { Kms = kms };
                foreach (var rule in messageRules) rule.Check(message, _context);
                if (entry.Kind != MessageKind.Committing || _context.Keys is null) continue;

                var file = WithKeys(entry, states, kms);
                foreach (var rule in keyRules) rule.Check(file, _context);
                // A KMS key that is enabled (or whose state is not known here) may open the file: the store's blocked
                // keys are then not the only way in.
                var kmsMayOpen = describeKms ? kms.Any(k => k.MayBeUsable) : entry.Keys.Any(k => k.ProviderId == Keyrings.AwsKmsArn.ProviderId);
                if (file.Usable.Count == 0 && !kmsMayOpen)
                    foreach (var (rule, version, key) in file.Blocked)
                        if (_context.On(rule)) rule.ReportBlocked(file, version, key, _context);
            }
            foreach (var rule in Selected<FileRule>()) rule.Finish(_context);
        }

        /// <summary>The file with the store's key versions that made its data keys, sorted into usable and blocked ones; counts the usage.</summary>
        private ScannedFile WithKeys(ScanEntry entry, List<FileKeyStateRule> states, IReadOnlyList<KmsKeyFacts> kms)
        {
            var keys = _context.Keys!;
            var refs = new List<KeyVersionRef>();
            foreach (var edk in entry.Header!.EncryptedDataKeys)
            {
                if (HeaderReserve.IsPadding(edk)) continue;
                var found = _source.Identify(edk);
                if (found is not null && !refs.Contains(found)) refs.Add(found);
            }
            foreach (var keyId in refs.Select(r => r.KeyId).Distinct(StringComparer.Ordinal))
                _context.Usage[keyId] = _context.Usage.GetValueOrDefault(keyId) + 1;

            var known = refs.Where(r => keys.ContainsKey(r.KeyId)).ToList();
            var usable = new List<(KeyVersionRef, EncKey)>();
            var blocked = new List<(FileKeyStateRule, KeyVersionRef, EncKey)>();
            foreach (var r in known)
            {
                var key = keys[r.KeyId];
                var state = states.FirstOrDefault(s => s.Blocks(r, key));
                if (state is null) usable.Add((r, key));
                else blocked.Add((state, r, key));
            }
            return new ScannedFile(entry) { KeysKnown = true, Known = known, Usable = usable, Blocked = blocked, Kms = kms };
        }

        // ---------------------------------------------------------------------------------------------------- keys

        private void CheckKeys(IReadOnlyList<EncKey>? keys, string? keysProblem)
        {
            if (keys is null)
            {
                _context.Skip(keysProblem ?? "the store's keys cannot be read", [.. Rules<KeyRule>(), .. Rules<AliasRule>()]);
                return;
            }
            Progress(CompliancePhase.Keys);
            var keyRules = Selected<KeyRule>();
            foreach (var key in keys)
            {
                _keysChecked++;
                foreach (var rule in keyRules) rule.Check(key, _context);
            }

            var aliasRules = Selected<AliasRule>();
            if (aliasRules.Count == 0) return;
            IReadOnlyList<EncKeyAlias> aliases;
            try { aliases = _source.GetAliases(); }
            catch (EncryptionToolsException ex)
            {
                _context.Skip("the store's aliases cannot be read: " + ex.Message, aliasRules);
                return;
            }
            foreach (var alias in aliases)
                foreach (var rule in aliasRules) rule.Check(alias, _context);
        }

        // ---------------------------------------------------------------------------------------------------- policies and grants

        private void CheckPolicies(IReadOnlyList<EncKey>? keys, string? keysProblem)
        {
            var policyRules = Rules<PolicyRule>();
            var grantRules = Rules<GrantRule>();
            var problem = keysProblem ?? "the store's keys cannot be read";
            if (keys is null)
            {
                if (_storedPolicyInvalid is { } invalid)
                {
                    var facts = new KeyPolicyFacts(invalid.KeyId, invalid.KeyId, null, null, null, invalid.Problem);
                    foreach (var rule in policyRules.Where(r => !r.NeedsParsedPolicy && _context.On(r))) rule.Check(facts, _context);
                    _context.Skip(problem, [.. policyRules.Where(r => r.NeedsParsedPolicy), .. grantRules]);
                }
                else
                {
                    _context.Skip(problem, [.. policyRules, .. grantRules]);
                }
                return;
            }
            Progress(CompliancePhase.Policies);
            var selectedPolicyRules = policyRules.Where(_context.On).ToList();
            if (selectedPolicyRules.Count > 0)
            {
                foreach (var key in keys)
                {
                    var facts = ReadPolicy(key);
                    foreach (var rule in selectedPolicyRules) rule.Check(facts, _context);
                }
            }

            var selectedGrantRules = grantRules.Where(_context.On).ToList();
            if (selectedGrantRules.Count == 0) return;
            IReadOnlyList<Grant>? grants;
            try { grants = _source.GetGrants(); }
            catch (EncryptionToolsException ex)
            {
                _context.Skip("the store's grants cannot be read: " + ex.Message, grantRules);
                return;
            }
            if (grants is null)
            {
                _context.Skip("this store does not list grants", grantRules);
                return;
            }
            foreach (var grant in grants)
                foreach (var rule in selectedGrantRules) rule.Check(grant, _context);
            foreach (var rule in selectedGrantRules) rule.Finish(grants, _context);
        }

        private KeyPolicyFacts ReadPolicy(EncKey key)
        {
            try
            {
                var text = _source.GetKeyPolicy(key);
                return new KeyPolicyFacts(key.KeyId, ComplianceContext.Describe(key), key, text, KeyPolicy.Parse(text), null);
            }
            catch (InvalidKeyPolicyException ex)
            {
                return new KeyPolicyFacts(key.KeyId, ComplianceContext.Describe(key), key, null, null, ex.Message);
            }
        }

        // ---------------------------------------------------------------------------------------------------- store

        private void CheckStore(EncKeyStoreInfo? info, string? storeProblem)
        {
            Progress(CompliancePhase.Store);
            var store = new StoreFacts(_source.Location, info, storeProblem);
            foreach (var rule in Selected<StoreRule>()) rule.Check(store, _context);
        }

        // ---------------------------------------------------------------------------------------------------- summary

        private ComplianceSummary Summarize(TimeSpan duration)
        {
            var findings = _context.Findings;
            int Count(ComplianceSeverity s) => findings.Count(f => f.Severity == s);
            var bySeverity = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var s in Enum.GetValues<ComplianceSeverity>().OrderDescending()) bySeverity[s.ToString()] = Count(s);
            var byRule = findings.GroupBy(f => f.RuleId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var skipped = _context.Skipped.Values.OrderBy(s => s.RuleId, StringComparer.Ordinal).ToList();
            return new ComplianceSummary
            {
                Compliant = findings.Count == 0,
                FindingCount = findings.Count,
                Critical = Count(ComplianceSeverity.Critical),
                High = Count(ComplianceSeverity.High),
                Medium = Count(ComplianceSeverity.Medium),
                Low = Count(ComplianceSeverity.Low),
                Informational = Count(ComplianceSeverity.Informational),
                CountBySeverity = bySeverity,
                CountByRule = byRule,
                FilesScanned = _files,
                FilesEncrypted = _encrypted,
                KeysChecked = _keysChecked,
                Duration = duration,
                MinimumSeverity = _request.MinimumSeverity,
                RulesEvaluated = _context.Selected.Where(id => !_context.Skipped.ContainsKey(id)).Order(StringComparer.Ordinal).ToList(),
                RulesNotEvaluated = skipped,
                StoreLocation = _source.Location,
                StartTime = _context.Now,
            };
        }
    }
}
