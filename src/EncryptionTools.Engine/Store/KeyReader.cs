using EncryptionTools.Engine.Access;
using static EncryptionTools.Engine.Store.Authorization;

namespace EncryptionTools.Engine.Store;

/// <summary>Reads of the store's keys: one key, the keys the caller may see, a key's rotations, and the quiet catalog
/// that tab completion reads.</summary>
internal sealed class KeyReader(StoreContext store, StoreRepository repository, KeyResolver resolver, KeyRecordMapping mapping,
    StoreAuditTrail audit, Authorization authorization)
{
    public EncKey GetKey(string keyIdentifier)
    {
        using var scope = authorization.Enter();
        return audit.Read("KeyDescribed", () =>
        {
            var (_, doc) = repository.LoadForUse();
            if (doc is null) throw store.NotFound(keyIdentifier, null);
            var key = resolver.Resolve(doc, keyIdentifier);
            Demand(doc, key, KmsActions.DescribeKey);
            audit.EmitRead(doc, "KeyDescribed", key.KeyId, null);
            return mapping.Project(doc, key);
        });
    }

    /// <summary>Every key the caller may describe (kms:DescribeKey); the others are left out, as if absent.</summary>

    public IReadOnlyList<EncKey> GetKeys()
    {
        using var scope = authorization.Enter();
        return audit.Read("KeysListed", () =>
        {
            var (_, doc) = repository.LoadForUse();
            if (doc is null) return (IReadOnlyList<EncKey>)[];
            var visible = doc.Keys.Where(k => Evaluate(doc, k, Call.Caller, KmsActions.DescribeKey).IsAllowed).ToList();
            Call.Action = KmsActions.DescribeKey;
            audit.EmitRead(doc, "KeysListed", null, $"{visible.Count} of {doc.Keys.Count} key(s) visible to the caller");
            return visible.Select(k => mapping.Project(doc, k)).ToList();
        });
    }

    public IReadOnlyList<EncKeyRotation> GetKeyRotations(string keyIdentifier)
    {
        using var scope = authorization.Enter();
        return audit.Read("KeyRotationsListed", () =>
        {
            var (_, doc) = repository.LoadForUse();
            if (doc is null) throw store.NotFound(keyIdentifier, null);
            var key = resolver.Resolve(doc, keyIdentifier);
            Demand(doc, key, KmsActions.ListKeyRotations);
            audit.EmitRead(doc, "KeyRotationsListed", key.KeyId, null);
            return (IReadOnlyList<EncKeyRotation>)key.Versions.Where(v => v.Version > 1)
                .Select(v => new EncKeyRotation(key.KeyId, v.Version, v.CreationDate, v.RotationType, v.KeyName)).ToList();
        });
    }

    /// <summary>
    /// The keys and grants the caller could list, read from the cached document without an audit record and without
    /// maintenance (a Tab press must not rotate keys or grow the log). Visibility follows GetKeys and GetGrants, so it
    /// shows nothing the caller's own Get-EncKey or Get-EncKeyGrant would not.
    /// </summary>
    public StoreCatalog PeekCatalog()
    {
        using var scope = authorization.Enter();
        var (_, doc) = repository.LoadCached();
        if (doc is null) return StoreCatalog.Empty;
        var caller = Call.Caller;
        var keys = doc.Keys.Where(k => Evaluate(doc, k, caller, KmsActions.DescribeKey).IsAllowed).Select(k => mapping.Project(doc, k)).ToList();
        var listable = doc.Keys.Where(k => Evaluate(doc, k, caller, KmsActions.ListGrants).IsAllowed)
            .Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
        var grants = GrantsOf(doc).List().Where(g => listable.Contains(g.KeyId)).ToList();
        return new StoreCatalog(keys, grants);
    }
}
