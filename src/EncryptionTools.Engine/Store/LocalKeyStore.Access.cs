using System.Security.Cryptography;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using KeyPolicies_Access = EncryptionTools.Engine.Access.KeyPolicies;

namespace EncryptionTools.Engine.Store;

// Key policies, grants, enforcement on every call, and the audit log of the local store.
public sealed partial class LocalKeyStore
{
    /// <summary>The audit log's directory inside the store directory (0700, files 0600).</summary>
    public const string AuditDirectoryName = "audit";

    private byte[]? _auditKey;
    private string? _auditStoreId;
    private AuditLogEventSink? _auditSink;

    private IPrincipalResolver Resolver => _options.PrincipalResolver ?? SystemPrincipalResolver.Instance;

    public string AuditDirectory => Path.Combine(Location, AuditDirectoryName);

    // ------------------------------------------------------------------ calls

    /// <summary>Starts a call: resolves the caller once (nested calls of the same flow reuse it).</summary>
    private CallScope Enter()
    {
        if (StoreCall.CurrentScope.Value is not null) return new CallScope(false);
        StoreCall.CurrentScope.Value = new StoreCall(Resolver.Current(), StoreCall.CommandScope.Value);
        return new CallScope(true);
    }

    private readonly struct CallScope(bool owner) : IDisposable
    {
        public void Dispose()
        {
            if (owner) StoreCall.CurrentScope.Value = null;
        }
    }

    private static StoreCall Call => StoreCall.CurrentScope.Value ?? throw new InvalidOperationException("No store call is in progress.");

    /// <summary>A read-only operation: a refusal or failure is reported (and audited) before it propagates.</summary>
    private T Read<T>(string operation, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (EncryptionToolsException ex)
        {
            EmitFailure(operation, ex);
            throw;
        }
    }

    private void EmitRead(StoreDocument doc, string operation, string? keyId, string? detail) =>
        Emit(new StoreEvent { Time = Now, Operation = operation, StoreLocation = Location, StoreId = doc.StoreId, KeyId = keyId, Detail = detail });

    private void EmitFailure(string operation, EncryptionToolsException ex)
    {
        if (ex is AccessDeniedException denied)
        {
            var d = denied.Decision;
            Emit(new StoreEvent
            {
                Time = Now, Operation = operation, StoreLocation = Location, Succeeded = false, Denied = true, ErrorId = ex.ErrorId,
                Action = d.Action, KeyId = KeyIdOf(d.Key), EncryptionContext = d.EncryptionContext, DecidedBy = d.DecidedBy, Detail = d.Reason,
            });
            return;
        }
        Emit(new StoreEvent { Time = Now, Operation = operation, StoreLocation = Location, Succeeded = false, ErrorId = ex.ErrorId, Detail = ex.Message,
            KeyId = StoreCall.CurrentScope.Value?.KeyId });
    }

    private static string KeyIdOf(string keyOrArn) => KeyArn.TryParse(keyOrArn, out var arn) ? arn!.KeyId : keyOrArn;

    // ------------------------------------------------------------------ evaluation

    private static KeyPolicy PolicyOf(StoreDocument doc, KeyRecord key)
    {
        try
        {
            return KeyPolicy.Parse(key.Policy ?? KeyPolicies.Default(doc.StoreId, key.Creator, doc.Owner));
        }
        catch (InvalidKeyPolicyException ex)
        {
            // A policy stored before the grammar was enforced: deny everything but the owner's repair.
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The stored policy of key {key.KeyId} is not valid ({ex.Message}). Set a valid one with Set-EncKeyPolicy.", ex) { Target = key.KeyId };
        }
    }

    private static GrantSet GrantsOf(StoreDocument doc) => string.IsNullOrEmpty(doc.Grants) ? new GrantSet() : GrantSet.FromJson(doc.Grants);

    private static AccessDecision Evaluate(StoreDocument doc, KeyRecord key, CallerIdentity caller, string action,
        IReadOnlyDictionary<string, string>? context = null, GrantRequest? proposed = null, IReadOnlyList<Grant>? grants = null) =>
        AccessEvaluator.Evaluate(new AccessRequest
        {
            Caller = caller,
            Action = action,
            Key = new KeyArn(doc.StoreId, key.KeyId),
            Policy = PolicyOf(doc, key),
            Grants = grants ?? GrantsOf(doc).List(keyId: key.KeyId),
            EncryptionContext = context,
            ProposedGrant = proposed,
        });

    /// <summary>Evaluates the action for the current caller; throws <see cref="AccessDeniedException"/> (AccessDenied) unless allowed.</summary>
    private static AccessDecision Demand(StoreDocument doc, KeyRecord key, string action, IReadOnlyDictionary<string, string>? context = null,
        GrantRequest? proposed = null)
    {
        var call = Call;
        var decision = Evaluate(doc, key, call.Caller, action, context, proposed);
        call.Action = decision.Action;
        call.DecidedBy = decision.DecidedBy;
        if (context is not null) call.EncryptionContext = context;
        return decision.IsAllowed ? decision : throw new AccessDeniedException(decision) { Target = key.KeyId };
    }

    /// <summary>Set-EncKey needs one action per kind of change (see OperationActionMap).</summary>
    private static void DemandUpdate(StoreDocument doc, KeyRecord key, KeyUpdate update)
    {
        var any = false;
        void Need(bool when, string action)
        {
            if (!when) return;
            any = true;
            Demand(doc, key, action);
        }
        Need(update.Description is not null, KmsActions.UpdateKeyDescription);
        Need(update.Tags is not null, KmsActions.TagResource);
        Need(update.RemoveTags is not null, KmsActions.UntagResource);
        Need(update.RotationEnabled is true || (update.RotationEnabled is null && update.RotationPeriodInDays is not null), KmsActions.EnableKeyRotation);
        Need(update.RotationEnabled is false, KmsActions.DisableKeyRotation);
        Need(update.MinimumDecryptionVersion is not null, KmsActions.DisableKey);
        Need(update.Policy is not null, KmsActions.PutKeyPolicy);
        if (!any) Demand(doc, key, KmsActions.DescribeKey);
    }

    /// <summary>Checks a policy's grammar (errors name the statement and field); returns the text exactly as given.</summary>
    private static string ValidatePolicy(string text) => KeyPolicy.Parse(text).Text;

    /// <summary>The lockout safety check, for the store owner and the caller.</summary>
    private void CheckLockout(StoreDocument doc, KeyRecord key, string policyText, bool bypass)
    {
        var principals = new List<CallerIdentity> { Call.Caller };
        if (OwnerIdentity(doc) is { } owner) principals.Insert(0, owner);
        KeyPolicies_Access.CheckLockout(KeyPolicy.Parse(policyText), new KeyArn(doc.StoreId, key.KeyId), principals, bypass);
    }

    private static Principal? OwnerPrincipal(StoreDocument doc)
    {
        if (string.IsNullOrEmpty(doc.Owner)) return null;
        return Principal.TryParse(doc.Owner.Contains(':', StringComparison.Ordinal) ? doc.Owner : "user:" + doc.Owner, out var p) ? p : null;
    }

    /// <summary>The store owner as an identity (with groups when the platform can look them up).</summary>
    private CallerIdentity? OwnerIdentity(StoreDocument doc)
    {
        var principal = OwnerPrincipal(doc);
        if (principal is null) return null;
        return Resolver.Lookup(principal) ?? IdentityOf(principal);
    }

    /// <summary>An identity for a user:, uid: or sid: principal without its groups; null for other kinds.</summary>
    private static CallerIdentity? IdentityOf(Principal principal) => principal.Kind switch
    {
        PrincipalKind.User => new CallerIdentity(principal.Value),
        PrincipalKind.Uid => new CallerIdentity(null, principal.NumericId),
        PrincipalKind.Sid => new CallerIdentity(null, null, principal.Value),
        _ => null,
    };

    private static void RemoveGrantsOf(MutationContext ctx, string keyId)
    {
        var grants = GrantsOf(ctx.Doc);
        var removed = grants.RemoveKey(keyId);
        if (removed == 0) return;
        ctx.Doc.Grants = grants.ToJson();
        ctx.Event(keyId, null, null, $"{removed} grant(s) deleted with the key", "GrantsDeleted");
    }

    // ------------------------------------------------------------------ keyrings

    /// <summary>What a keyring needs to check and audit each use: the caller, the policies and grants as of its creation.</summary>
    private KeyringAccess KeyringAccessFor(StoreDocument doc, StoreFileContext? fileContext)
    {
        var call = Call;
        var grants = GrantsOf(doc).Grants;
        var policies = new Dictionary<string, KeyPolicy>(StringComparer.Ordinal);
        return new KeyringAccess
        {
            FileContext = fileContext,
            Evaluate = (keyId, action, context) =>
            {
                var key = doc.Keys.First(k => k.KeyId == keyId);
                lock (policies)
                {
                    if (!policies.TryGetValue(keyId, out var policy)) policies[keyId] = policy = PolicyOf(doc, key);
                    return AccessEvaluator.Evaluate(new AccessRequest
                    {
                        Caller = call.Caller, Action = action, Key = new KeyArn(doc.StoreId, keyId), Policy = policy,
                        Grants = grants.Where(g => g.KeyId == keyId), EncryptionContext = context,
                    });
                }
            },
            Stamp = e => Attribute(e with { StoreLocation = Location, StoreId = doc.StoreId, Time = Now }, call),
            Send = SendKeyUse,
        };
    }

    // ------------------------------------------------------------------ policies

    public EncKeyPolicy GetKeyPolicy(string keyIdentifier)
    {
        using var scope = Enter();
        return Read("KeyPolicyRead", () =>
        {
            var (_, doc) = LoadForUse();
            if (doc is null) throw NotFound(keyIdentifier, null);
            var key = ResolveKey(doc, keyIdentifier);
            Demand(doc, key, KmsActions.GetKeyPolicy);
            EmitRead(doc, "KeyPolicyRead", key.KeyId, null);
            return ProjectPolicy(doc, key);
        });
    }

    public EncKeyPolicy PutKeyPolicy(string keyIdentifier, string policy, bool bypassLockoutSafetyCheck = false)
    {
        ArgumentNullException.ThrowIfNull(policy);
        using var scope = Enter();
        return Mutate("KeyPolicyChanged", ctx =>
        {
            var key = ResolveKey(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, KmsActions.PutKeyPolicy);
            if (key.KeyManager == KeyManager.Module) throw ManagedByModule(key, "Its policy is set by the module and cannot be replaced");
            RefusePending(key, "given a new policy");
            var text = ValidatePolicy(policy);
            CheckLockout(ctx.Doc, key, text, bypassLockoutSafetyCheck);
            key.Policy = text;
            Record(ctx, key, "PolicyChanged", null, bypassLockoutSafetyCheck ? "lockout safety check bypassed" : null);
            return key.KeyId;
        }, (keyId, doc) => ProjectPolicy(doc, doc.Keys.First(k => k.KeyId == keyId)), createIfMissing: false);
    }

    private EncKeyPolicy ProjectPolicy(StoreDocument doc, KeyRecord key)
    {
        var parsed = PolicyOf(doc, key);
        return new EncKeyPolicy
        {
            KeyId = key.KeyId,
            Arn = Arns.Key(doc.StoreId, key.KeyId),
            Policy = parsed.Text,
            IsDefault = key.Policy is null,
            StatementCount = parsed.Statements.Count,
            Warnings = parsed.Warnings,
            StoreLocation = Location,
        };
    }

    /// <summary>
    /// Test-EncKeyAccess: the decision for an action on a key, for the caller or another user principal, with an
    /// optional encryption context. Testing another principal needs kms:GetKeyPolicy; testing oneself needs nothing.
    /// </summary>
    public AccessDecision TestKeyAccess(string keyIdentifier, string action, string? principal = null, IReadOnlyDictionary<string, string>? encryptionContext = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        using var scope = Enter();
        return Read("KeyAccessTested", () =>
        {
            var name = KmsActions.Normalize(action.Contains(':', StringComparison.Ordinal) ? action : "kms:" + action)
                ?? throw Invalid($"'{action}' is not a kms: action. Use a name such as kms:Decrypt (about_EncryptionTools_Policies lists them).");
            var (_, doc) = LoadForUse();
            if (doc is null) throw NotFound(keyIdentifier, null);
            var key = ResolveKey(doc, keyIdentifier);
            var subject = Call.Caller;
            if (principal is not null)
            {
                var p = Principal.Parse(principal);
                if (!(Call.Caller.Matches(p) && p.Kind is PrincipalKind.User or PrincipalKind.Uid or PrincipalKind.Sid))
                {
                    Demand(doc, key, KmsActions.GetKeyPolicy);
                    subject = Resolver.Lookup(p) ?? IdentityOf(p)
                        ?? throw Invalid($"Test-EncKeyAccess tests a user (user:, uid: or sid:), not '{p}': a group's members may each have more rights through their other groups.");
                }
            }
            var decision = Evaluate(doc, key, subject, name, encryptionContext);
            Emit(new StoreEvent
            {
                Time = Now, Operation = "KeyAccessTested", StoreLocation = Location, StoreId = doc.StoreId, KeyId = key.KeyId,
                Action = "KeyAccessTested", EncryptionContext = encryptionContext, DecidedBy = decision.DecidedBy,
                Succeeded = decision.IsAllowed, Denied = !decision.IsAllowed,
                Detail = $"{name} for {subject.Primary}: {decision.Kind}: {decision.Reason}",
            });
            return decision;
        });
    }

    // ------------------------------------------------------------------ grants

    /// <summary>
    /// Grant-EncKeyAccess: creates a grant on the key <paramref name="request"/> names (any key identifier). Needs
    /// kms:CreateGrant, from the policy or from a grant that includes CreateGrant. Idempotent per KMS for named grants.
    /// </summary>
    public Grant CreateGrant(GrantRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var scope = Enter();
        return Mutate("GrantCreated", ctx =>
        {
            var key = ResolveKey(ctx.Doc, request.KeyId);
            var resolved = request with { KeyId = key.KeyId };
            Demand(ctx.Doc, key, KmsActions.CreateGrant, proposed: resolved);
            RefusePending(key, "granted");
            var grants = GrantsOf(ctx.Doc);
            var result = grants.Create(resolved, Call.Caller.Primary, ctx.Now);
            if (result.Created)
            {
                ctx.Doc.Grants = grants.ToJson();
                ctx.Event(key.KeyId, null, null, result.Grant.ToString());
            }
            else
            {
                ctx.Unchanged(null);
                ctx.Event(key.KeyId, null, null, "existing grant returned: " + result.Grant, recordChange: false);
            }
            return result.Grant;
        }, (grant, _) => grant, createIfMissing: false);
    }

    /// <summary>
    /// Get-EncKeyGrant: grants filtered by key, grant id and grantee. With a key, kms:ListGrants on it is demanded;
    /// without one, only grants on keys where the caller has kms:ListGrants are listed.
    /// </summary>
    public IReadOnlyList<Grant> GetGrants(string? keyIdentifier = null, string? grantId = null, string? grantee = null)
    {
        using var scope = Enter();
        var granteePrincipal = grantee is null ? null : Principal.Parse(grantee);
        return Read("GrantsListed", () =>
        {
            var (_, doc) = LoadForUse();
            if (doc is null)
            {
                if (keyIdentifier is not null) throw NotFound(keyIdentifier, null);
                return (IReadOnlyList<Grant>)[];
            }
            var grants = GrantsOf(doc);
            IReadOnlyList<Grant> list;
            if (keyIdentifier is not null)
            {
                var key = ResolveKey(doc, keyIdentifier);
                Demand(doc, key, KmsActions.ListGrants);
                list = grants.List(key.KeyId, grantId, granteePrincipal);
                EmitRead(doc, "GrantsListed", key.KeyId, $"{list.Count} grant(s)");
            }
            else
            {
                Call.Action = KmsActions.ListGrants;
                var allowed = doc.Keys.Where(k => Evaluate(doc, k, Call.Caller, KmsActions.ListGrants).IsAllowed).Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
                list = grants.List(null, grantId, granteePrincipal).Where(g => allowed.Contains(g.KeyId)).ToList();
                EmitRead(doc, "GrantsListed", null, $"{list.Count} grant(s) on keys the caller may list grants of");
            }
            return list;
        });
    }

    /// <summary>Revoke-EncKeyAccess: deletes a grant; needs kms:RevokeGrant on its key.</summary>
    public Grant RevokeGrant(string keyIdentifier, string grantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(grantId);
        using var scope = Enter();
        return Mutate("GrantRevoked", ctx =>
        {
            var key = ResolveKey(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, KmsActions.RevokeGrant);
            var grants = GrantsOf(ctx.Doc);
            var grant = grants.Revoke(key.KeyId, grantId);
            ctx.Doc.Grants = grants.ToJson();
            ctx.Event(key.KeyId, null, null, grant.ToString());
            return grant;
        }, (grant, _) => grant, createIfMissing: false);
    }

    /// <summary>
    /// Remove-EncKeyGrant: retires a grant. The grant decides, not the policy: its retiring principal, its grantee when
    /// it includes RetireGrant, or the store owner.
    /// </summary>
    public Grant RetireGrant(string grantId, string? keyIdentifier = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(grantId);
        using var scope = Enter();
        return Mutate("GrantRetired", ctx =>
        {
            var keyId = keyIdentifier is null ? null : ResolveKey(ctx.Doc, keyIdentifier).KeyId;
            var grants = GrantsOf(ctx.Doc);
            Call.Action = KmsActions.RetireGrant;
            var target = grants.List(keyId, grantId).FirstOrDefault() ?? throw new GrantNotFoundException(grantId, keyId);
            var decision = AccessEvaluator.EvaluateRetire(target, Call.Caller, OwnerPrincipal(ctx.Doc));
            Call.DecidedBy = decision.DecidedBy;
            if (!decision.IsAllowed) throw new AccessDeniedException(decision) { Target = grantId };
            var grant = grants.Retire(grantId, Call.Caller, OwnerPrincipal(ctx.Doc), keyId);
            ctx.Doc.Grants = grants.ToJson();
            ctx.Event(grant.KeyId, null, null, grant.ToString());
            return grant;
        }, (grant, _) => grant, createIfMissing: false);
    }

    // ------------------------------------------------------------------ audit

    /// <summary>The audit log's key comes from the sealed document (it survives a change of root key).</summary>
    private void RememberAuditKey(StoreDocument doc)
    {
        if (!_options.Audit || doc.AuditKey is not { Length: 32 } key) return;
        lock (_sync)
        {
            if (_auditKey is not null && _auditStoreId == doc.StoreId && CryptographicOperations.FixedTimeEquals(_auditKey, key)) return;
            if (_auditKey is not null) CryptographicOperations.ZeroMemory(_auditKey);
            _auditKey = key.ToArray();
            _auditStoreId = doc.StoreId;
            _auditSink = new AuditLogEventSink(new AuditLog(AuditDirectory, _auditKey, _options.AuditLogOptions) { Anchor = KnownAnchor });
        }
    }

    private void ForgetAuditKey()
    {
        lock (_sync)
        {
            if (_auditKey is not null) CryptographicOperations.ZeroMemory(_auditKey);
            _auditKey = null;
            _auditStoreId = null;
            _auditSink = null;
        }
    }

    private AuditLogEventSink? AuditSink()
    {
        lock (_sync) return _auditSink;
    }

    /// <summary>The audit log, after the store's root key gave its audit key (so a locked store cannot be verified).</summary>
    private AuditLog OpenAuditLog()
    {
        var descriptor = ReadDescriptor() ?? throw StoreMissing();
        var root = GetRootKey(descriptor);
        try { LoadDocument(descriptor, root); } // the audit key is sealed in the document, with its anchor
        finally { CryptographicOperations.ZeroMemory(root); }
        return AuditSink()?.Log ?? throw new KeyStoreException(StoreErrorIds.InvalidArgument, EngineErrorCategory.InvalidOperation,
            $"Auditing is turned off for the key store '{Location}'.");
    }

    /// <summary>Name prefix of an audit directory found where a store is being created (an orphan of a creation that crashed,
    /// or the log of a store whose other files were removed): kept as evidence, never reused.</summary>
    internal const string SetAsidePrefix = "audit.set-aside-";

    private AuditAnchor? _anchor; // guarded by _sync

    /// <summary>Remembers the newest anchor of this store's documents seen by this process (an older one is still a true bound).</summary>
    private void NoteAnchor(StoreDocument doc)
    {
        if (doc.AuditAnchor is not { } a) return;
        lock (_sync)
        {
            if (_anchor is null || a.Sequence >= _anchor.Sequence) _anchor = new AuditAnchor(a.Sequence, a.Hash);
        }
    }

    private AuditAnchor? KnownAnchor()
    {
        lock (_sync) return _anchor;
    }

    /// <summary>
    /// Write-ahead record of a store change, under the writer lock and before the document is saved: if the records cannot
    /// be made durable the change is refused (AuditLogWriteFailed) and nothing is saved. The records name the revision the
    /// change commits, and the document keeps the last record as its anchor. A crash between the two leaves a record of a
    /// change that never happened, whose revision the next change records again; never a change without its record.
    /// </summary>
    private void RecordAhead(StoreDocument doc, IReadOnlyList<StoreEvent> events, bool changed)
    {
        if (events.Count == 0) return;
        var audit = AuditSink();
        if (audit is null) return;
        var call = StoreCall.CurrentScope.Value;
        long? revision = changed ? doc.Revision + 1 : null;
        var entries = events.Select(e => AuditLogEventSink.ToEntry(Attribute(e, call)) with { StoreRevision = revision }).ToList();
        var anchor = audit.Log.AppendMany(entries);
        CrashPoint?.Invoke("audit-written");
        if (changed && anchor is not null) doc.AuditAnchor = new AuditAnchorRecord { Sequence = anchor.Sequence, Hash = anchor.Hash };
    }

    /// <summary>
    /// A key use: its record must be durable before the key's result is released (a file published, a data key
    /// returned), so a failed append throws and the use is refused. Refusals are recorded as well as can be.
    /// </summary>
    private void SendKeyUse(IReadOnlyList<StoreEvent> events)
    {
        if (events.Any(e => e.Succeeded && !e.Denied) && AuditSink() is { } audit)
        {
            audit.OnEvents(events);
            SendToSink(events);
        }
        else Send(events);
    }

    /// <summary>A new store starts a new log: an audit directory already there is renamed aside, never deleted or continued.</summary>
    private void SetAsideForeignAuditLog()
    {
        if (!Directory.Exists(AuditDirectory) || !Directory.EnumerateFileSystemEntries(AuditDirectory).Any()) return;
        var aside = Path.Combine(Location, SetAsidePrefix + Now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture) + "-" + KeyIds.New()[..8]);
        try { Directory.Move(AuditDirectory, aside); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyStoreException(StoreErrorIds.StoreWriteFailed, EngineErrorCategory.WriteError,
                $"Cannot set aside the audit directory '{AuditDirectory}' found where the key store is being created: {ex.Message}", ex) { Target = Location };
        }
    }

    /// <summary>
    /// Test-EncAuditLog: verifies the chain, the records' HMACs and the head. Reading the evidence is not itself recorded,
    /// so that verifying never changes the log. Store owner only: the store's file permissions decide.
    /// </summary>
    public AuditVerification VerifyAuditLog()
    {
        using var scope = Enter();
        return OpenAuditLog().Verify();
    }

    /// <summary>Get-EncAuditEvent: the records that match the filter, oldest first. Not itself recorded.</summary>
    public IReadOnlyList<AuditEvent> QueryAudit(AuditQuery? filter = null)
    {
        using var scope = Enter();
        return OpenAuditLog().Query(filter).ToList();
    }
}

/// <summary>Evaluation and reporting of a store keyring's uses.</summary>
internal sealed class KeyringAccess
{
    public required Func<string, string, IReadOnlyDictionary<string, string>, AccessDecision> Evaluate { get; init; }
    /// <summary>Completes an event as it happens (time, store, caller).</summary>
    public required Func<StoreEvent, StoreEvent> Stamp { get; init; }
    /// <summary>Records completed events (event sink and audit log).</summary>
    public required Action<IReadOnlyList<StoreEvent>> Send { get; init; }
    public StoreFileContext? FileContext { get; set; }

    private AuditHold? _hold; // guarded by lock (this)

    /// <summary>Records a key use now, or puts it in the hold after <see cref="Hold"/>.</summary>
    public void Emit(StoreEvent storeEvent)
    {
        storeEvent = Stamp(storeEvent);
        AuditHold? hold;
        lock (this) hold = _hold;
        if (hold is not null) hold.Add(storeEvent, Send);
        else Send([storeEvent]);
    }

    /// <summary>From now on key uses wait in <paramref name="hold"/>: a batch of files records them once per group.</summary>
    public void Hold(AuditHold hold)
    {
        lock (this) _hold = hold;
    }

    /// <summary>Records what the hold has (for this keyring and any other sharing it).</summary>
    public void FlushHeld()
    {
        AuditHold? hold;
        lock (this) hold = _hold;
        hold?.Flush();
    }

    /// <summary>A store event for one use of a key, with the file and the decision.</summary>
    public StoreEvent Event(string operation, KeyVersionRef key, AccessDecision decision) => new()
    {
        Time = default,
        Operation = operation,
        StoreLocation = "",
        KeyId = key.KeyId,
        Version = key.Version,
        Action = decision.Action,
        EncryptionContext = decision.EncryptionContext,
        FilePath = FileContext?.FilePath,
        DecidedBy = decision.DecidedBy,
        Succeeded = decision.IsAllowed,
        Denied = !decision.IsAllowed,
        ErrorId = decision.IsAllowed ? null : ErrorCatalog.AccessDenied.Id,
        Detail = decision.IsAllowed ? null : decision.Reason,
    };
}
