using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Compliance;

/// <summary>
/// Runs the compliance rules: files (a header-only, parallel scan with <see cref="FileScanner"/>), then keys and aliases,
/// then key policies and grants, then the store. Findings come out in that order through <c>onFinding</c> on the
/// caller's thread as they are found, and in the report; the summary is made at the end.
/// </summary>
public static partial class ComplianceEngine
{
    private static readonly string[] FileKeyRules =
        [ComplianceRules.FileKeyUnknown, ComplianceRules.FileKeyDisabled, ComplianceRules.FileKeyPendingDeletion, ComplianceRules.FileKeyVersionRetired, ComplianceRules.FileKeyVersionTooOld];

    /// <summary>A caller no policy names: a statement that lets it decrypt lets everyone decrypt.</summary>
    private static readonly CallerIdentity Anyone = new("enctools-compliance-any-principal-" + Guid.NewGuid().ToString("N"));

    public static ComplianceReport Run(ComplianceRequest request, IComplianceSource source, IProgress<ComplianceProgress>? progress = null,
        CancellationToken cancellationToken = default, Action<ComplianceFinding>? onFinding = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        var run = new Runner(request, source, progress, cancellationToken, onFinding);
        return run.Execute();
    }

    private sealed class Runner
    {
        private readonly ComplianceRequest _request;
        private readonly ComplianceProfile _profile;
        private readonly IComplianceSource _source;
        private readonly IProgress<ComplianceProgress>? _progress;
        private readonly CancellationToken _cancel;
        private readonly Action<ComplianceFinding>? _onFinding;
        private readonly HashSet<string> _selected;
        private readonly List<ComplianceFinding> _findings = [];
        private readonly Dictionary<string, ComplianceRuleSkip> _skipped = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _usage = new(StringComparer.Ordinal);
        private readonly DateTimeOffset _now;
        private readonly string? _storePath;
        private long _files;
        private long _encrypted;
        private int _keysChecked;
        private Dictionary<string, EncKey>? _keys;
        /// <summary>The key whose stored policy made the store refuse to list keys (a store written before policies were validated).</summary>
        private (string KeyId, string Problem)? _storedPolicyInvalid;

        public Runner(ComplianceRequest request, IComplianceSource source, IProgress<ComplianceProgress>? progress, CancellationToken cancel,
            Action<ComplianceFinding>? onFinding)
        {
            _request = request;
            _profile = request.Profile ?? ComplianceProfile.Default;
            _source = source;
            _progress = progress;
            _cancel = cancel;
            _onFinding = onFinding;
            _selected = ComplianceRules.Select(request.Rules, request.ExcludeRules.Concat(_profile.ExcludeRule)).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            _now = request.Time.GetUtcNow();
            _storePath = string.IsNullOrEmpty(request.RemediationStorePath) ? null : request.RemediationStorePath;
        }

        private bool On(string ruleId) => _selected.Contains(ruleId);

        private void Skip(string reason, params string[] ruleIds)
        {
            foreach (var id in ruleIds)
                if (On(id) && !_skipped.ContainsKey(id)) _skipped[id] = new ComplianceRuleSkip(id, reason);
        }

        private void Report(string ruleId, ComplianceTargetKind kind, string target, string message, Remediation remediation, string? keyId = null)
        {
            if (!On(ruleId)) return;
            var rule = ComplianceRules.Get(ruleId);
            if (rule.Severity < _request.MinimumSeverity) return;
            var finding = new ComplianceFinding
            {
                RuleId = rule.Id,
                RuleName = rule.Name,
                Severity = rule.Severity,
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

        private void Progress(CompliancePhase phase, string? current = null) =>
            _progress?.Report(new ComplianceProgress(phase, _files, _findings.Count, current));

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
            if (keys is not null) _keys = keys.ToDictionary(k => k.KeyId, StringComparer.Ordinal);

            ScanFiles(keysProblem);
            _cancel.ThrowIfCancellationRequested();
            CheckKeys(keys, keysProblem);
            _cancel.ThrowIfCancellationRequested();
            CheckPolicies(keys, keysProblem);
            _cancel.ThrowIfCancellationRequested();
            CheckStore(info, storeProblem);
            clock.Stop();
            Progress(CompliancePhase.Done);
            return new ComplianceReport(_findings, Summarize(clock.Elapsed));
        }

        // ---------------------------------------------------------------------------------------------------- files

        private void ScanFiles(string? keysProblem)
        {
            string[] fileRules = [.. ComplianceRules.All.Where(r => r.Area == ComplianceArea.Files).Select(r => r.Id)];
            if (_request.Paths.Count == 0)
            {
                Skip("no -Path or -LiteralPath was given, so no file was scanned", [.. fileRules, ComplianceRules.KeyPendingDeletionInUse]);
                return;
            }
            if (!fileRules.Any(On) && !On(ComplianceRules.KeyPendingDeletionInUse)) return;
            if (_keys is null) Skip(keysProblem ?? "the store's keys cannot be read", [.. FileKeyRules, ComplianceRules.KeyPendingDeletionInUse]);
            if (_profile.RequiredEncryptionContextKeys.Count == 0) { /* ET1008 evaluates and finds nothing */ }

            var mustBeEncrypted = _profile.PathsThatMustBeEncrypted.Select(g => new GlobPattern(g)).ToArray();
            var scan = new ScanRequest
            {
                Roots = _request.Paths,
                Recurse = _request.Recurse,
                Include = _request.Include ?? _profile.Include,
                Exclude = _request.Exclude ?? _profile.Exclude,
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
                CheckFile(entry, mustBeEncrypted);
            }
        }

        private void CheckFile(ScanEntry entry, GlobPattern[] mustBeEncrypted)
        {
            var path = entry.Path;
            switch (entry.Kind)
            {
                case MessageKind.NotAMessage:
                    if (mustBeEncrypted.Length == 0 || mustBeEncrypted.Any(g => g.IsMatch(entry.RelativePath)))
                        Report(ComplianceRules.FileNotEncrypted, ComplianceTargetKind.File, path,
                            mustBeEncrypted.Length == 0
                                ? "The file is not encrypted."
                                : $"The file is not encrypted, and it matches PathsThatMustBeEncrypted ({string.Join(", ", mustBeEncrypted.Where(g => g.IsMatch(entry.RelativePath)).Select(g => g.Pattern))}).",
                            ComplianceRemediations.ProtectFile(path, _profile.KeyId, null, _profile.RequiredEncryptionContextKeys, _storePath));
                    return;
                case MessageKind.EsdkV1:
                    _encrypted++;
                    Report(ComplianceRules.FileFormatV1, ComplianceTargetKind.File, path,
                        $"The file is an AWS Encryption SDK message in format version 1 (suite 0x{entry.SuiteId:X4} {entry.SuiteName}), which has no key commitment. Decrypt it with the SDK that wrote it, then encrypt it again.",
                        ComplianceRemediations.ProtectFile(path, _profile.KeyId, null, _profile.RequiredEncryptionContextKeys, _storePath));
                    return;
                case MessageKind.NonCommitting:
                    _encrypted++;
                    Report(ComplianceRules.FileNonCommittingSuite, ComplianceTargetKind.File, path,
                        $"The file uses algorithm suite 0x{entry.SuiteId:X4} ({entry.SuiteName}), which does not commit to its key. Decrypt it with the SDK that wrote it, then encrypt it again.",
                        ComplianceRemediations.ProtectFile(path, _profile.KeyId, null, _profile.RequiredEncryptionContextKeys, _storePath));
                    return;
                case MessageKind.Malformed:
                case MessageKind.Unreadable:
                    Report(ComplianceRules.FileUnreadable, ComplianceTargetKind.File, path,
                        entry.Kind == MessageKind.Malformed
                            ? $"The file starts like an encrypted message but its header is damaged: {entry.Sniff.Detail}"
                            : $"The file could not be read: {entry.Sniff.Detail}",
                        ComplianceRemediations.InspectFile(path));
                    return;
            }
            _encrypted++;
            var header = entry.Header!;
            CheckContext(path, header.EncryptionContext);
            if (_keys is null) return;

            var refs = new List<KeyVersionRef>();
            foreach (var edk in header.EncryptedDataKeys)
            {
                if (HeaderReserve.IsPadding(edk)) continue;
                var found = _source.Identify(edk);
                if (found is not null && !refs.Contains(found)) refs.Add(found);
            }
            foreach (var keyId in refs.Select(r => r.KeyId).Distinct(StringComparer.Ordinal))
                _usage[keyId] = _usage.GetValueOrDefault(keyId) + 1;

            var known = refs.Where(r => _keys.ContainsKey(r.KeyId)).ToList();
            if (known.Count == 0)
            {
                ReportUnknownKey(path, entry.Keys);
                return;
            }
            var usable = new List<(KeyVersionRef Ref, EncKey Key)>();
            var problems = new List<(string Rule, KeyVersionRef Ref, EncKey Key)>();
            foreach (var r in known)
            {
                var key = _keys[r.KeyId];
                if (key.KeyState == KeyState.PendingDeletion) problems.Add((ComplianceRules.FileKeyPendingDeletion, r, key));
                else if (key.KeyState == KeyState.Disabled) problems.Add((ComplianceRules.FileKeyDisabled, r, key));
                else if (r.Version < key.MinimumDecryptionVersion) problems.Add((ComplianceRules.FileKeyVersionRetired, r, key));
                else usable.Add((r, key));
            }
            if (usable.Count == 0)
            {
                foreach (var (rule, r, key) in problems)
                {
                    switch (rule)
                    {
                        case ComplianceRules.FileKeyPendingDeletion:
                            Report(rule, ComplianceTargetKind.File, path,
                                $"The file can only be opened with key {key.KeyId}, which is PendingDeletion: it will be destroyed on {key.DeletionDate:yyyy-MM-dd} and the file lost with it.",
                                ComplianceRemediations.RestoreKey(key.KeyId, _storePath), key.KeyId);
                            break;
                        case ComplianceRules.FileKeyDisabled:
                            Report(rule, ComplianceTargetKind.File, path,
                                $"The file can only be opened with key {key.KeyId}, which is Disabled.",
                                ComplianceRemediations.EnableKey(key.KeyId, _storePath), key.KeyId);
                            break;
                        default:
                            Report(rule, ComplianceTargetKind.File, path,
                                $"The file was made by version {r.Version} of key {key.KeyId}, below its minimum decryption version {key.MinimumDecryptionVersion}: it cannot be opened.",
                                ComplianceRemediations.LowerMinimumDecryptionVersion(key.KeyId, r.Version, _storePath), key.KeyId);
                            break;
                    }
                }
                return;
            }
            if (_profile.MaximumKeyVersionLag is { } maxLag)
            {
                var best = usable.OrderBy(u => u.Key.CurrentVersion - u.Ref.Version).First();
                var lag = best.Key.CurrentVersion - best.Ref.Version;
                if (lag > maxLag)
                    Report(ComplianceRules.FileKeyVersionTooOld, ComplianceTargetKind.File, path,
                        $"The file is wrapped under version {best.Ref.Version} of key {best.Key.KeyId}, {lag} version(s) behind its current version {best.Key.CurrentVersion}; the profile allows {maxLag} (MaximumKeyVersionLag).",
                        ComplianceRemediations.RewrapFile(path, best.Key.KeyId, _storePath), best.Key.KeyId);
            }
        }

        private void ReportUnknownKey(string path, IReadOnlyList<FileKeyIdentity> identities)
        {
            var first = identities.FirstOrDefault();
            Remediation remediation;
            if (first is not null && first.ProviderId == LocalKeyStore.DefaultKeyNamespace && KeyIds.TryParseVersionKeyName(first.KeyName, out var keyId, out _))
                remediation = ComplianceRemediations.CheckAgainstOtherStore(path, keyId);
            else if (first is not null)
                remediation = ComplianceRemediations.ImportWrappingKey(first.ProviderId, first.KeyName, _storePath);
            else
                remediation = ComplianceRemediations.InspectFile(path);
            Report(ComplianceRules.FileKeyUnknown, ComplianceTargetKind.File, path,
                $"No key of the store '{_source.Location}' made any of the file's data keys ({string.Join(", ", identities.Take(10).Select(i => UntrustedText.Neutralize(i.ToString(), 160)))}{(identities.Count > 10 ? $" and {identities.Count - 10} more" : "")}): it cannot be opened with this store.",
                remediation);
        }

        private void CheckContext(string path, IReadOnlyDictionary<string, string> context)
        {
            var required = _profile.RequiredEncryptionContextKeys;
            if (required.Count == 0 || !On(ComplianceRules.FileContextMissingKeys)) return;
            var missing = required.Where(k => !context.ContainsKey(k)).ToList();
            if (missing.Count == 0) return;
            Report(ComplianceRules.FileContextMissingKeys, ComplianceTargetKind.File, path,
                $"The file's encryption context {UntrustedText.Neutralize(AccessEvaluator.FormatContext(context), 1024)} lacks the required key(s) {string.Join(", ", missing)}. "
                + "The context is authenticated, so the file must be decrypted and encrypted again.",
                ComplianceRemediations.ReEncryptWithContext(path, _profile.KeyId, context, required, _storePath));
        }

        // ---------------------------------------------------------------------------------------------------- keys

        private void CheckKeys(IReadOnlyList<EncKey>? keys, string? keysProblem)
        {
            string[] keyRules = [.. ComplianceRules.All.Where(r => r.Area == ComplianceArea.Keys).Select(r => r.Id)];
            if (keys is null)
            {
                Skip(keysProblem ?? "the store's keys cannot be read", keyRules);
                return;
            }
            Progress(CompliancePhase.Keys);
            foreach (var key in keys)
            {
                _keysChecked++;
                var pending = key.KeyState == KeyState.PendingDeletion;
                if (_profile.RequireRotation && !pending && !key.RotationEnabled && key.KeyManager == KeyManager.Customer
                    && key.KeySpec == KeySpec.SYMMETRIC_DEFAULT && key.Origin == KeyOrigin.EncryptionTools)
                    Report(ComplianceRules.KeyRotationDisabled, ComplianceTargetKind.Key, key.KeyId,
                        $"Key {Describe(key)} does not rotate automatically.",
                        ComplianceRemediations.EnableRotation(key.KeyId, _storePath), key.KeyId);
                if (!pending && key.RotationEnabled && key.NextRotationDate is { } next && next <= _now)
                    Report(ComplianceRules.KeyRotationOverdue, ComplianceTargetKind.Key, key.KeyId,
                        $"Key {Describe(key)} was due to rotate on {next:yyyy-MM-dd} and has not"
                        + (key.KeyState == KeyState.Disabled ? " (it is Disabled, and disabled keys do not rotate)." : "."),
                        ComplianceRemediations.RotateKey(key.KeyId, key.KeyState == KeyState.Disabled, _storePath), key.KeyId);
                if (pending && _usage.TryGetValue(key.KeyId, out var used) && used > 0)
                    Report(ComplianceRules.KeyPendingDeletionInUse, ComplianceTargetKind.Key, key.KeyId,
                        $"Key {Describe(key)} is scheduled for deletion on {key.DeletionDate:yyyy-MM-dd}, and {used} scanned file(s) are encrypted under it.",
                        ComplianceRemediations.RestoreKey(key.KeyId, _storePath), key.KeyId);
                if (!_profile.AllowExportableKeys && key.Exportable)
                    Report(ComplianceRules.KeyExportable, ComplianceTargetKind.Key, key.KeyId,
                        $"Key {Describe(key)} was created exportable, and the profile forbids exportable keys. A key cannot be made non-exportable: "
                        + "move its files to a new key, then remove it.",
                        ComplianceRemediations.ReplaceExportableKey(key.KeyId, _storePath), key.KeyId);
                if (_profile.MaximumKeyAgeDays is { } maxAge && !pending)
                {
                    var current = key.Versions.FirstOrDefault(v => v.IsCurrent)?.CreationDate ?? key.CreationDate;
                    var age = (_now - current).TotalDays;
                    if (age > maxAge)
                        Report(ComplianceRules.KeyTooOld, ComplianceTargetKind.Key, key.KeyId,
                            $"The current material of key {Describe(key)} (version {key.CurrentVersion}, made {current:yyyy-MM-dd}) is {Math.Floor(age).ToString(CultureInfo.InvariantCulture)} days old; the profile allows {maxAge} (MaximumKeyAgeDays).",
                            ComplianceRemediations.RotateKey(key.KeyId, false, _storePath), key.KeyId);
                }
            }

            IReadOnlyList<EncKeyAlias>? aliases = null;
            try { aliases = _source.GetAliases(); }
            catch (EncryptionToolsException ex) { Skip("the store's aliases cannot be read: " + ex.Message, ComplianceRules.AliasDangling); }
            foreach (var alias in aliases ?? [])
            {
                if (_keys!.TryGetValue(alias.KeyId, out var target) && target.KeyState != KeyState.PendingDeletion) continue;
                Report(ComplianceRules.AliasDangling, ComplianceTargetKind.Alias, alias.AliasName,
                    target is null
                        ? $"The alias {alias.AliasName} points to key {alias.KeyId}, which does not exist."
                        : $"The alias {alias.AliasName} points to key {alias.KeyId}, which is scheduled for deletion on {target.DeletionDate:yyyy-MM-dd}.",
                    ComplianceRemediations.RemoveAlias(alias.AliasName, _storePath), alias.KeyId);
            }
        }

        private static string Describe(EncKey key) => key.Aliases.Count == 0 ? key.KeyId : $"{key.KeyId} ({string.Join(", ", key.Aliases)})";

        // ---------------------------------------------------------------------------------------------------- policies and grants

        private void CheckPolicies(IReadOnlyList<EncKey>? keys, string? keysProblem)
        {
            if (keys is null)
            {
                if (_storedPolicyInvalid is { } invalid)
                    ReportInvalidPolicy(invalid.KeyId, invalid.KeyId, invalid.Problem);
                else
                    Skip(keysProblem ?? "the store's keys cannot be read", ComplianceRules.PolicyInvalid);
                Skip(keysProblem ?? "the store's keys cannot be read", ComplianceRules.PolicyPublicDecrypt,
                    ComplianceRules.GrantWithoutConstraints, ComplianceRules.GrantPrincipalMissing);
                return;
            }
            Progress(CompliancePhase.Policies);
            if (On(ComplianceRules.PolicyPublicDecrypt) || On(ComplianceRules.PolicyInvalid))
            {
                foreach (var key in keys) CheckPolicy(key);
            }

            if (!On(ComplianceRules.GrantWithoutConstraints) && !On(ComplianceRules.GrantPrincipalMissing)) return;
            IReadOnlyList<Grant>? grants;
            try { grants = _source.GetGrants(); }
            catch (EncryptionToolsException ex)
            {
                Skip("the store's grants cannot be read: " + ex.Message, ComplianceRules.GrantWithoutConstraints, ComplianceRules.GrantPrincipalMissing);
                return;
            }
            if (grants is null)
            {
                Skip("this store does not list grants", ComplianceRules.GrantWithoutConstraints, ComplianceRules.GrantPrincipalMissing);
                return;
            }
            var anyResolved = false;
            foreach (var grant in grants)
            {
                var revoke = ComplianceRemediations.RevokeGrant(grant.KeyId, grant.GrantId, _storePath);
                var cryptographic = grant.Operations.Where(o => !GrantOperations.IgnoresConstraints(o) && KmsActions.TakesEncryptionContext.Contains(o.ToAction())).ToList();
                if (_profile.RequireGrantConstraints && grant.Constraints is null && cryptographic.Count > 0)
                {
                    Report(ComplianceRules.GrantWithoutConstraints, ComplianceTargetKind.Grant, grant.GrantId,
                        $"Grant {grant.GrantId}{(grant.Name is null ? "" : $" ('{grant.Name}')")} on key {grant.KeyId} lets {grant.GranteePrincipal} {string.Join(", ", cryptographic)} under any encryption context.",
                        ComplianceRemediations.RegrantWithConstraint(grant.KeyId, grant.GrantId, grant.GranteePrincipal.ToString(), grant.Operations,
                            _profile.RequiredEncryptionContextKeys, _storePath),
                        grant.KeyId);
                }
                var exists = _source.PrincipalExists(grant.GranteePrincipal);
                if (exists is not null) anyResolved = true;
                if (exists == false)
                    Report(ComplianceRules.GrantPrincipalMissing, ComplianceTargetKind.Grant, grant.GrantId,
                        $"Grant {grant.GrantId} on key {grant.KeyId} is for {grant.GranteePrincipal}, which no longer exists: an account or group created later under that name would inherit it.",
                        revoke, grant.KeyId);
            }
            if (!anyResolved && grants.Count > 0)
                Skip("whether the grantees exist cannot be known on this platform", ComplianceRules.GrantPrincipalMissing);
        }

        private void CheckPolicy(EncKey key)
        {
            string text;
            KeyPolicy policy;
            try
            {
                text = _source.GetKeyPolicy(key);
                policy = KeyPolicy.Parse(text);
            }
            catch (InvalidKeyPolicyException ex)
            {
                ReportInvalidPolicy(key.KeyId, Describe(key), ex.Message);
                return;
            }
            if (!On(ComplianceRules.PolicyPublicDecrypt) || !KeyArn.TryParse(key.Arn, out var arn)) return;
            var decision = AccessEvaluator.Evaluate(new AccessRequest
            {
                Caller = Anyone,
                Action = KmsActions.Decrypt,
                Key = arn!,
                Policy = policy,
                EncryptionContext = Format.EncryptionContext.Empty,
            });
            if (!decision.IsAllowed) return;
            var fixedPolicy = decision.StatementIndex is { } index ? WithoutStatement(text, index) : null;
            Report(ComplianceRules.PolicyPublicDecrypt, ComplianceTargetKind.Policy, key.KeyId,
                $"The policy of key {Describe(key)} lets any principal ('*') call kms:Decrypt: {decision.DecidedBy} allows it.",
                ComplianceRemediations.ReplacePolicy(key.KeyId, fixedPolicy, _storePath),
                key.KeyId);
        }

        private void ReportInvalidPolicy(string keyId, string described, string problem) =>
            Report(ComplianceRules.PolicyInvalid, ComplianceTargetKind.Policy, keyId,
                $"The policy of key {described} is not a valid key policy: {problem}",
                ComplianceRemediations.ReplaceInvalidPolicy(keyId, _storePath), keyId);

        /// <summary>The policy text without one statement (Statement may be one object or an array).</summary>
        private static string? WithoutStatement(string text, int index)
        {
            try
            {
                if (JsonNode.Parse(text) is not JsonObject root) return null;
                var statementKey = root.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, "Statement", StringComparison.OrdinalIgnoreCase));
                if (statementKey is null) return null;
                switch (root[statementKey])
                {
                    case JsonArray array when index < array.Count:
                        array.RemoveAt(index);
                        break;
                    case JsonObject when index == 0:
                        root[statementKey] = new JsonArray();
                        break;
                    default:
                        return null;
                }
                return root.ToJsonString();
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }

        // ---------------------------------------------------------------------------------------------------- store

        private void CheckStore(EncKeyStoreInfo? info, string? storeProblem)
        {
            Progress(CompliancePhase.Store);
            var location = _source.Location;
            if (On(ComplianceRules.StorePermissionsOpen))
            {
                IReadOnlyList<PermissionIssue>? issues;
                string? permissionsProblem = null;
                try { issues = _source.CheckPermissions(); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or EncryptionToolsException)
                {
                    issues = null;
                    permissionsProblem = "the store's permissions cannot be read: " + ex.Message;
                }
                if (permissionsProblem is not null) Skip(permissionsProblem, ComplianceRules.StorePermissionsOpen);
                else if (issues is null) Skip("the store's permissions cannot be checked here", ComplianceRules.StorePermissionsOpen);
                else if (issues.Count > 0)
                    Report(ComplianceRules.StorePermissionsOpen, ComplianceTargetKind.Store, location,
                        $"The key store '{location}' is accessible to other users: {string.Join("; ", issues.Select(i => i.Problem))}.",
                        new Remediation(issues.Select(i => i.Fix).ToList()));
            }
            if (On(ComplianceRules.StoreWithoutPassword) && _profile.RequirePassword)
            {
                if (info is null) Skip(storeProblem ?? "the store cannot be read", ComplianceRules.StoreWithoutPassword);
                else if (!info.Exists) Skip($"there is no key store at '{location}'", ComplianceRules.StoreWithoutPassword);
                else if (info.Protection != StoreProtection.Password)
                    Report(ComplianceRules.StoreWithoutPassword, ComplianceTargetKind.Store, location,
                        $"The key store's root key is protected by {info.Protection}, not a password, and the profile requires one (RequirePassword).",
                        ComplianceRemediations.SetStorePassword(_storePath));
            }
            if (On(ComplianceRules.AuditLogBroken))
            {
                AuditVerification? verification = null;
                if (info is { Exists: false })
                    Skip($"there is no key store at '{location}', so there is no audit log to verify", ComplianceRules.AuditLogBroken);
                else
                {
                    try
                    {
                        verification = _source.VerifyAuditLog();
                        if (verification is null) Skip("this store has no audit log to verify", ComplianceRules.AuditLogBroken);
                    }
                    catch (EncryptionToolsException ex)
                    {
                        Skip("the audit log cannot be verified: " + ex.Message, ComplianceRules.AuditLogBroken);
                    }
                }
                if (verification is { IsValid: false })
                {
                    var at = verification.FirstBreak is { LogFile: { } file } b ? $" ({file}{(b.Line is { } line ? $", line {line}" : "")})" : "";
                    Report(ComplianceRules.AuditLogBroken, ComplianceTargetKind.Store, location,
                        $"The audit log does not verify{at}: {verification.FirstBreak?.Message ?? "broken"}",
                        ComplianceRemediations.TestAuditLog(_storePath));
                }
            }
        }

        // ---------------------------------------------------------------------------------------------------- summary

        private ComplianceSummary Summarize(TimeSpan duration)
        {
            int Count(ComplianceSeverity s) => _findings.Count(f => f.Severity == s);
            var bySeverity = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var s in Enum.GetValues<ComplianceSeverity>().OrderDescending()) bySeverity[s.ToString()] = Count(s);
            var byRule = _findings.GroupBy(f => f.RuleId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var skipped = _skipped.Values.OrderBy(s => s.RuleId, StringComparer.Ordinal).ToList();
            return new ComplianceSummary
            {
                Compliant = _findings.Count == 0,
                FindingCount = _findings.Count,
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
                RulesEvaluated = _selected.Where(id => !_skipped.ContainsKey(id)).Order(StringComparer.Ordinal).ToList(),
                RulesNotEvaluated = skipped,
                StoreLocation = _source.Location,
                StartTime = _now,
            };
        }
    }
}
