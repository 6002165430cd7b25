namespace EncryptionTools.Engine.Store;

// The read-only listing for tab completion and result views.
public sealed partial class LocalKeyStore
{
    /// <summary>
    /// The keys and grants the caller could list, read from the cached document without an audit record and without
    /// maintenance (a Tab press must not rotate keys or grow the log). Visibility follows GetKeys and GetGrants, so it
    /// shows nothing the caller's own Get-EncKey or Get-EncKeyGrant would not.
    /// </summary>
    public StoreCatalog PeekCatalog()
    {
        using var scope = Enter();
        var (_, doc) = LoadCached();
        if (doc is null) return StoreCatalog.Empty;
        var caller = Call.Caller;
        var keys = doc.Keys.Where(k => Evaluate(doc, k, caller, Access.KmsActions.DescribeKey).IsAllowed).Select(k => Project(doc, k)).ToList();
        var listable = doc.Keys.Where(k => Evaluate(doc, k, caller, Access.KmsActions.ListGrants).IsAllowed)
            .Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
        var grants = GrantsOf(doc).List().Where(g => listable.Contains(g.KeyId)).ToList();
        return new StoreCatalog(keys, grants);
    }
}
