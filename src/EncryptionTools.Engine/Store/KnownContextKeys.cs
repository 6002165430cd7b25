using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Encryption-context keys the store knows of: those its key policies test (kms:EncryptionContext:&lt;key&gt; and
/// kms:EncryptionContextKeys) and those its grants constrain. Tab completion offers them, since a context that misses
/// them would be refused anyway.
/// </summary>
public static class KnownContextKeys
{
    public static IReadOnlyList<(string Key, string Source)> From(IKeyStoreProvider store)
    {
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var catalog = store.PeekCatalog(); // read for completion: no audit record
        foreach (var key in catalog.Keys)
        {
            KeyPolicy policy;
            try { policy = KeyPolicy.Parse(key.Policy); }
            catch (EncryptionToolsException) { continue; } // compliance reports bad policies; completion just skips them
            foreach (var condition in policy.Statements.SelectMany(s => s.Conditions))
            {
                if (condition.Key.StartsWith(ConditionKeys.EncryptionContextPrefix, StringComparison.OrdinalIgnoreCase))
                    found.TryAdd(condition.Key[ConditionKeys.EncryptionContextPrefix.Length..], $"policy of key {key.KeyId}");
                else if (condition.Key.Equals(ConditionKeys.EncryptionContextKeys, StringComparison.OrdinalIgnoreCase))
                    foreach (var value in condition.Values.Where(v => !v.Contains('*') && !v.Contains('?')))
                        found.TryAdd(value, $"policy of key {key.KeyId}");
            }
        }
        foreach (var grant in catalog.Grants)
        {
            var pairs = grant.Constraints?.EncryptionContextSubset ?? grant.Constraints?.EncryptionContextEquals;
            foreach (var pair in pairs ?? new Dictionary<string, string>())
                found.TryAdd(pair.Key, $"grant {grant.GrantId} on key {grant.KeyId}");
        }
        return found.Select(kv => (kv.Key, kv.Value)).ToList();
    }
}
