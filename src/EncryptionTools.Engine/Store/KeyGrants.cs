using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Store;

/// <summary>Grants on the store's keys: create, list, revoke, retire (Grant-, Get-, Revoke-, Remove-EncKeyAccess/Grant).</summary>
internal sealed class KeyGrants(StoreContext store, StoreAuditTrail audit, StoreRepository repository, KeyResolver resolver, Authorization authorization)
{
    /// <summary>
    /// Grant-EncKeyAccess: creates a grant on the key <paramref name="request"/> names (any key identifier). Needs
    /// kms:CreateGrant, from the policy or from a grant that includes CreateGrant. Idempotent per KMS for named grants.
    /// </summary>
    public Grant CreateGrant(GrantRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var scope = authorization.Enter();
        return repository.Mutate("GrantCreated", ctx =>
        {
            var key = resolver.Resolve(ctx.Doc, request.KeyId);
            var resolved = request with { KeyId = key.KeyId };
            Authorization.Demand(ctx.Doc, key, KmsActions.CreateGrant, proposed: resolved);
            KeyRules.RefusePending(key, "granted");
            var grants = Authorization.GrantsOf(ctx.Doc);
            var result = grants.Create(resolved, Authorization.Call.Caller.Primary, ctx.Now);
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
        using var scope = authorization.Enter();
        var granteePrincipal = grantee is null ? null : Principal.Parse(grantee);
        return audit.Read("GrantsListed", () =>
        {
            var (_, doc) = repository.LoadForUse();
            if (doc is null)
            {
                if (keyIdentifier is not null) throw store.NotFound(keyIdentifier, null);
                return (IReadOnlyList<Grant>)[];
            }
            var grants = Authorization.GrantsOf(doc);
            IReadOnlyList<Grant> list;
            if (keyIdentifier is not null)
            {
                var key = resolver.Resolve(doc, keyIdentifier);
                Authorization.Demand(doc, key, KmsActions.ListGrants);
                list = grants.List(key.KeyId, grantId, granteePrincipal);
                audit.EmitRead(doc, "GrantsListed", key.KeyId, $"{list.Count} grant(s)");
            }
            else
            {
                var call = Authorization.Call;
                call.Action = KmsActions.ListGrants;
                var allowed = doc.Keys.Where(k => Authorization.Evaluate(doc, k, call.Caller, KmsActions.ListGrants).IsAllowed).Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
                list = grants.List(null, grantId, granteePrincipal).Where(g => allowed.Contains(g.KeyId)).ToList();
                audit.EmitRead(doc, "GrantsListed", null, $"{list.Count} grant(s) on keys the caller may list grants of");
            }
            return list;
        });
    }

    /// <summary>Revoke-EncKeyAccess: deletes a grant; needs kms:RevokeGrant on its key.</summary>
    public Grant RevokeGrant(string keyIdentifier, string grantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(grantId);
        using var scope = authorization.Enter();
        return repository.Mutate("GrantRevoked", ctx =>
        {
            var key = resolver.Resolve(ctx.Doc, keyIdentifier);
            Authorization.Demand(ctx.Doc, key, KmsActions.RevokeGrant);
            var grants = Authorization.GrantsOf(ctx.Doc);
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
        using var scope = authorization.Enter();
        return repository.Mutate("GrantRetired", ctx =>
        {
            var keyId = keyIdentifier is null ? null : resolver.Resolve(ctx.Doc, keyIdentifier).KeyId;
            var grants = Authorization.GrantsOf(ctx.Doc);
            var call = Authorization.Call;
            call.Action = KmsActions.RetireGrant;
            var target = grants.List(keyId, grantId).FirstOrDefault() ?? throw new GrantNotFoundException(grantId, keyId);
            var decision = AccessEvaluator.EvaluateRetire(target, call.Caller, Authorization.OwnerPrincipal(ctx.Doc));
            call.DecidedBy = decision.DecidedBy;
            if (!decision.IsAllowed) throw new AccessDeniedException(decision) { Target = grantId };
            var grant = grants.Retire(grantId, call.Caller, Authorization.OwnerPrincipal(ctx.Doc), keyId);
            ctx.Doc.Grants = grants.ToJson();
            ctx.Event(grant.KeyId, null, null, grant.ToString());
            return grant;
        }, (grant, _) => grant, createIfMissing: false);
    }

    /// <summary>A destroyed key's grants go with it.</summary>
    public static void RemoveGrantsOf(MutationContext ctx, string keyId)
    {
        var grants = Authorization.GrantsOf(ctx.Doc);
        var removed = grants.RemoveKey(keyId);
        if (removed == 0) return;
        ctx.Doc.Grants = grants.ToJson();
        ctx.Event(keyId, null, null, $"{removed} grant(s) deleted with the key", "GrantsDeleted");
    }
}
