namespace EncryptionTools.Engine.Store;

/// <summary>Finds the key a caller named: a key id, a key ARN or alias ARN of this store, or an alias (alias/ optional).</summary>
internal sealed class KeyResolver(StoreContext store)
{
    public KeyRecord Resolve(StoreDocument doc, string identifier)
    {
        // The call's records name the key, failed ones too (the id as given when it resolves to none).
        var call = StoreCall.CurrentScope.Value;
        try
        {
            var key = ResolveCore(doc, identifier);
            if (call is not null) call.KeyId = key.KeyId;
            return key;
        }
        catch (EncryptionToolsException) when (call is not null)
        {
            var given = (identifier ?? "").Trim();
            call.KeyId ??= KeyIds.TryNormalize(given, out var id) ? id : given.Length > 0 ? given : null;
            throw;
        }
    }

    private KeyRecord ResolveCore(StoreDocument doc, string identifier)
    {
        var text = (identifier ?? "").Trim();
        if (text.Length == 0) throw StoreContext.Invalid("A key identifier cannot be empty.");
        if (KeyIds.TryNormalize(text, out var keyId)) return FindById(doc, keyId, identifier!);
        if (Arns.TryParse(text, out var storeId, out var resource))
        {
            if (!string.Equals(storeId, doc.StoreId, StringComparison.OrdinalIgnoreCase))
                throw store.NotFound(identifier!, $"The ARN '{text}' belongs to the key store {storeId}, but the store at '{store.Location}' is {doc.StoreId}. Use -StorePath to choose the store.");
            if (resource.StartsWith("key/", StringComparison.OrdinalIgnoreCase) && KeyIds.TryNormalize(resource[4..], out keyId))
                return FindById(doc, keyId, identifier!);
            if (resource.StartsWith(Aliases.Prefix, StringComparison.OrdinalIgnoreCase)) return FindByAlias(doc, resource, identifier!);
            throw store.NotFound(identifier!, $"'{text}' is neither a key ARN nor an alias ARN of this store.");
        }
        return FindByAlias(doc, Aliases.Normalize(text), identifier!);
    }

    private KeyRecord FindById(StoreDocument doc, string keyId, string identifier)
    {
        var key = doc.Keys.FirstOrDefault(k => k.KeyId == keyId);
        if (key is not null) return key;
        var deleted = doc.DeletedKeys.FirstOrDefault(k => k.KeyId == keyId);
        if (deleted is not null)
            throw store.NotFound(identifier, $"The key {keyId} was deleted on {deleted.DeletionDate:yyyy-MM-dd} after its pending window; its material is destroyed.");
        throw store.NotFound(identifier, null);
    }

    private KeyRecord FindByAlias(StoreDocument doc, string aliasName, string identifier)
    {
        var alias = doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, aliasName));
        if (alias is null) throw store.NotFound(identifier, null);
        return doc.Keys.First(k => k.KeyId == alias.KeyId);
    }
}
