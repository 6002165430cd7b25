using static EncryptionTools.Engine.Store.KeyRules;

namespace EncryptionTools.Engine.Store;

/// <summary>Keyrings over the store's keys for one message: an encrypting one (the named keys, else the default key) and
/// a decrypting one (every version of every key, or those named). Each copies the material it needs and checks and
/// records every use.</summary>
internal sealed class KeyringFactory(StoreContext store, StoreRepository repository, StoreDocumentCache cache, KeyResolver resolver,
    Authorization authorization, KeyLifecycle lifecycle)
{

    public IStoreKeyring CreateEncryptKeyring(IEnumerable<string> keyIdentifiers, StoreFileContext? fileContext = null)
    {
        using var scope = authorization.Enter();
        var identifiers = keyIdentifiers.ToList();
        if (identifiers.Count == 0) identifiers.Add(lifecycle.GetOrCreateDefaultKeyCore().KeyId);
        return cache.WithMaterial(() => repository.LoadForUse().Doc, doc =>
        {
            if (doc is null) throw store.NotFound(identifiers[0], null);
            var keys = new List<KeyRecord>();
            foreach (var identifier in identifiers)
            {
                var key = resolver.Resolve(doc, identifier);
                RefuseUnusable(key, "used to encrypt");
                if (keys.All(k => k.KeyId != key.KeyId)) keys.Add(key);
            }
            return (IStoreKeyring)new StoreEncryptKeyring(doc.StoreId, keys, authorization.KeyringAccessFor(doc, fileContext));
        });
    }

    public IStoreKeyring CreateDecryptKeyring(IEnumerable<string>? restrictTo = null, StoreFileContext? fileContext = null)
    {
        using var scope = authorization.Enter();
        var restrict = restrictTo?.ToList();
        return cache.WithMaterial(() => repository.LoadForUse().Doc, doc =>
        {
            HashSet<string>? allowed = null;
            if (restrict is not null)
            {
                allowed = new HashSet<string>(StringComparer.Ordinal);
                foreach (var identifier in restrict)
                {
                    if (doc is null) throw store.NotFound(identifier, null);
                    allowed.Add(resolver.Resolve(doc, identifier).KeyId);
                }
            }
            var snapshot = doc ?? new StoreDocument();
            return (IStoreKeyring)new StoreDecryptKeyring(snapshot, allowed, store.Location, authorization.KeyringAccessFor(snapshot, fileContext));
        });
    }

    /// <summary>The store's record of key uses outside it; null when no store is here or it is locked (nothing is created or unlocked).</summary>
    public ExternalKeyUseRecorder? CreateExternalKeyUseRecorder()
    {
        if (!File.Exists(store.DescriptorPath)) return null;
        using var scope = authorization.Enter();
        try
        {
            return cache.WithMaterial(() => repository.LoadForUse().Doc,
                doc => doc is null ? null : new ExternalKeyUseRecorder(authorization.KeyringAccessFor(doc, null)));
        }
        catch (KeyStoreException ex) when (ex.ErrorId == StoreErrorIds.StoreLocked) { return null; }
    }

}
