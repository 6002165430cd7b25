using EncryptionTools.Engine.Access;
using KeyPolicies_Access = EncryptionTools.Engine.Access.KeyPolicies;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Who is calling and whether they may: each call resolves its caller once (<see cref="Enter"/>), every operation
/// demands its kms: action of the key's policy and grants (<see cref="Demand"/>), and the call records what decided.
/// Also the key-policy operations (Get-/Set-EncKeyPolicy, Test-EncKeyAccess) and what a keyring needs to check each use.
/// </summary>
internal sealed class Authorization(StoreContext store, StoreAuditTrail audit, StoreRepository repository, KeyResolver resolver,
    KeyRecordMapping mapping, Action releaseAfterDispose)
{
    private IPrincipalResolver Resolver => store.Options.PrincipalResolver ?? SystemPrincipalResolver.Instance;

    // ------------------------------------------------------------------ calls

    /// <summary>Starts a call: resolves the caller once (nested calls of the same flow reuse it).</summary>
    public CallScope Enter()
    {
        if (StoreCall.CurrentScope.Value is not null) return new CallScope(null);
        StoreCall.CurrentScope.Value = new StoreCall(Resolver.Current(), StoreCall.CommandScope.Value);
        return new CallScope(this);
    }

    /// <summary>Ends the call that <see cref="Enter"/> started. A provider disposed meanwhile keeps nothing the call read.</summary>
    public readonly struct CallScope(Authorization? owner) : IDisposable
    {
        public void Dispose()
        {
            if (owner is null) return;
            StoreCall.CurrentScope.Value = null;
            owner.EndCall();
        }
    }

    private void EndCall()
    {
        if (store.Disposed) releaseAfterDispose();
    }

    public static StoreCall Call => StoreCall.CurrentScope.Value ?? throw new InvalidOperationException("No store call is in progress.");

    // ------------------------------------------------------------------ evaluation

    public static KeyPolicy PolicyOf(StoreDocument doc, KeyRecord key)
    {
        try
        {
            return KeyPolicy.Parse(key.Policy ?? KeyPolicies.Default(key.Creator, doc.Owner));
        }
        catch (InvalidKeyPolicyException ex)
        {
            // A policy stored before the grammar was enforced: deny everything but the owner's repair.
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The stored policy of key {key.KeyId} is not valid ({ex.Message}). Set a valid one with Set-EncKeyPolicy.", ex) { Target = key.KeyId };
        }
    }

    public static GrantSet GrantsOf(StoreDocument doc) => string.IsNullOrEmpty(doc.Grants) ? new GrantSet() : GrantSet.FromJson(doc.Grants);

    public static AccessDecision Evaluate(StoreDocument doc, KeyRecord key, CallerIdentity caller, string action,
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
    public static AccessDecision Demand(StoreDocument doc, KeyRecord key, string action, IReadOnlyDictionary<string, string>? context = null,
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
    public static void DemandUpdate(StoreDocument doc, KeyRecord key, KeyUpdate update)
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
    public static string ValidatePolicy(string text) => KeyPolicy.Parse(text).Text;

    /// <summary>The lockout safety check, for the store owner and the caller.</summary>
    public void CheckLockout(StoreDocument doc, KeyRecord key, string policyText, bool bypass)
    {
        var principals = new List<CallerIdentity> { Call.Caller };
        if (OwnerIdentity(doc) is { } owner) principals.Insert(0, owner);
        KeyPolicies_Access.CheckLockout(KeyPolicy.Parse(policyText), new KeyArn(doc.StoreId, key.KeyId), principals, bypass);
    }

    public static Principal? OwnerPrincipal(StoreDocument doc)
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

    /// <summary>What a keyring needs to check and audit each use: the caller, the policies and grants as of its creation.</summary>
    public KeyringAccess KeyringAccessFor(StoreDocument doc, StoreFileContext? fileContext)
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
            Stamp = e => StoreAuditTrail.Attribute(e with { StoreLocation = store.Location, StoreId = doc.StoreId, Time = store.Now }, call),
            Send = audit.SendKeyUse,
        };
    }

    // ------------------------------------------------------------------ policies

    public EncKeyPolicy GetKeyPolicy(string keyIdentifier)
    {
        using var scope = Enter();
        return audit.Read("KeyPolicyRead", () =>
        {
            var (_, doc) = repository.LoadForUse();
            if (doc is null) throw store.NotFound(keyIdentifier, null);
            var key = resolver.Resolve(doc, keyIdentifier);
            Demand(doc, key, KmsActions.GetKeyPolicy);
            audit.EmitRead(doc, "KeyPolicyRead", key.KeyId, null);
            return mapping.ProjectPolicy(doc, key);
        });
    }

    public EncKeyPolicy PutKeyPolicy(string keyIdentifier, string policy, bool bypassLockoutSafetyCheck = false)
    {
        ArgumentNullException.ThrowIfNull(policy);
        using var scope = Enter();
        return repository.Mutate("KeyPolicyChanged", ctx =>
        {
            var key = resolver.Resolve(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, KmsActions.PutKeyPolicy);
            if (key.KeyManager == KeyManager.Module) throw KeyRules.ManagedByModule(key, "Its policy is set by the module and cannot be replaced");
            KeyRules.RefusePending(key, "given a new policy");
            var text = ValidatePolicy(policy);
            CheckLockout(ctx.Doc, key, text, bypassLockoutSafetyCheck);
            key.Policy = text;
            KeyMaintenance.Record(ctx, key, "PolicyChanged", null, bypassLockoutSafetyCheck ? "lockout safety check bypassed" : null);
            return key.KeyId;
        }, (keyId, doc) => mapping.ProjectPolicy(doc, doc.Keys.First(k => k.KeyId == keyId)), createIfMissing: false);
    }

    /// <summary>
    /// Test-EncKeyAccess: the decision for an action on a key, for the caller or another user principal, with an
    /// optional encryption context. Testing another principal needs kms:GetKeyPolicy; testing oneself needs nothing.
    /// </summary>
    public AccessDecision TestKeyAccess(string keyIdentifier, string action, string? principal = null, IReadOnlyDictionary<string, string>? encryptionContext = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        using var scope = Enter();
        return audit.Read("KeyAccessTested", () =>
        {
            var name = KmsActions.Normalize(action.Contains(':', StringComparison.Ordinal) ? action : "kms:" + action)
                ?? throw StoreContext.Invalid($"'{action}' is not a kms: action. Use a name such as kms:Decrypt (about_EncryptionTools_Policies lists them).");
            var (_, doc) = repository.LoadForUse();
            if (doc is null) throw store.NotFound(keyIdentifier, null);
            var key = resolver.Resolve(doc, keyIdentifier);
            var subject = Call.Caller;
            if (principal is not null)
            {
                var p = Principal.Parse(principal);
                if (!(Call.Caller.Matches(p) && p.Kind is PrincipalKind.User or PrincipalKind.Uid or PrincipalKind.Sid))
                {
                    Demand(doc, key, KmsActions.GetKeyPolicy);
                    subject = Resolver.Lookup(p) ?? IdentityOf(p)
                        ?? throw StoreContext.Invalid($"Test-EncKeyAccess tests a user (user:, uid: or sid:), not '{p}': a group's members may each have more rights through their other groups.");
                }
            }
            var decision = Evaluate(doc, key, subject, name, encryptionContext);
            audit.Emit(new StoreEvent
            {
                Time = store.Now, Operation = "KeyAccessTested", StoreLocation = store.Location, StoreId = doc.StoreId, KeyId = key.KeyId,
                Action = "KeyAccessTested", EncryptionContext = encryptionContext, DecidedBy = decision.DecidedBy,
                Succeeded = decision.IsAllowed, Denied = !decision.IsAllowed,
                Detail = $"{name} for {subject.Primary}: {decision.Kind}: {decision.Reason}",
            });
            return decision;
        });
    }
}
