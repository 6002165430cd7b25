using System.Runtime.InteropServices;

namespace EncryptionTools.Engine.Store;

/// <summary>The logic behind Get-EncKey, Get-EncKeyAlias and the key tab completer, free of PowerShell so it is tested directly.</summary>
public static class KeyQueries
{
    /// <summary>
    /// Keys matching the identifiers (none: all keys). An identifier with wildcards matches key ids, ARNs and aliases
    /// and may match nothing; one without wildcards must resolve (id, ARN, alias, alias ARN) or the provider throws
    /// <see cref="StoreErrorIds.KeyNotFound"/>. Then the state and every given tag (values may have wildcards) filter.
    /// Errors for single identifiers go to <paramref name="onError"/> so the caller can report them per item.
    /// </summary>
    public static IReadOnlyList<EncKey> GetKeys(IKeyStoreProvider store, IReadOnlyList<string>? identifiers, KeyState? state = null,
        IReadOnlyDictionary<string, string>? tags = null, Action<string, Exception>? onError = null)
    {
        var result = new List<EncKey>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyList<EncKey>? all = null;
        void Add(EncKey key) { if (seen.Add(key.KeyId)) result.Add(key); }

        if (identifiers is null || identifiers.Count == 0)
        {
            foreach (var key in store.GetKeys()) Add(key);
        }
        else
        {
            foreach (var identifier in identifiers)
            {
                if (HasWildcards(identifier))
                {
                    all ??= store.GetKeys();
                    foreach (var key in all.Where(k => Matches(k, identifier))) Add(key);
                    continue;
                }
                try { Add(store.GetKey(identifier)); }
                catch (EncryptionToolsException ex) when (onError is not null) { onError(identifier, ex); }
            }
        }
        return result.Where(k => state is null || k.KeyState == state)
            .Where(k => tags is null || tags.All(t => k.Tags.TryGetValue(t.Key, out var v) && Like(t.Value, v)))
            .ToList();
    }

    /// <summary>PowerShell's wildcards (*, ?, [abc], [a-z], backtick escapes), case-insensitive, whole-string.</summary>
    public static bool Like(string pattern, string text) => Wildcard.IsMatch(pattern, text, WildcardSyntax.PowerShell, ignoreCase: true);

    public static bool HasWildcards(string pattern) => Wildcard.HasWildcards(pattern, WildcardSyntax.PowerShell);

    private static bool Matches(EncKey key, string pattern) =>
        Like(pattern, key.KeyId) || Like(pattern, key.Arn) || key.Aliases.Any(a => Like(pattern, a))
        || (!pattern.StartsWith(Aliases.Prefix, StringComparison.OrdinalIgnoreCase) && key.Aliases.Any(a => Like(pattern, a[Aliases.Prefix.Length..])));

    /// <summary>Aliases whose name matches any pattern (none: all), optionally only those of one key.</summary>
    public static IReadOnlyList<EncKeyAlias> GetAliases(IKeyStoreProvider store, IReadOnlyList<string>? names, string? keyIdentifier = null)
    {
        var aliases = store.GetAliases();
        if (keyIdentifier is not null)
        {
            var keyId = store.GetKey(keyIdentifier).KeyId;
            aliases = aliases.Where(a => a.KeyId == keyId).ToList();
        }
        if (names is null || names.Count == 0) return aliases;
        return aliases.Where(a => names.Any(n => Like(HasWildcards(n) ? n : Aliases.Normalize(n), a.AliasName)
            || Like(n, a.AliasName[Aliases.Prefix.Length..]))).ToList();
    }

    /// <summary>Tab completion of key parameters: aliases first (more readable), then key ids, each with a tooltip.</summary>
    public static IReadOnlyList<(string CompletionText, string ToolTip)> Complete(IKeyStoreProvider store, string? wordToComplete)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        var keys = store.PeekCatalog().Keys; // completion is not a key use: no audit record
        var results = new List<(string, string)>();
        foreach (var key in keys.OrderBy(k => k.Aliases.FirstOrDefault() ?? "~", StringComparer.OrdinalIgnoreCase))
        {
            var tip = $"{key.KeyId} {key.KeyState} {key.KeySpec} v{key.CurrentVersion}" + (key.Description.Length > 0 ? " — " + key.Description : "");
            foreach (var alias in key.Aliases)
                if (alias.StartsWith(word, StringComparison.OrdinalIgnoreCase) || alias[Aliases.Prefix.Length..].StartsWith(word, StringComparison.OrdinalIgnoreCase))
                    results.Add((alias, tip));
        }
        foreach (var key in keys.OrderBy(k => k.CreationDate))
            if (key.KeyId.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                results.Add((key.KeyId, (key.Aliases.Count > 0 ? string.Join(", ", key.Aliases) + " " : "") + $"{key.KeyState} {key.KeySpec} v{key.CurrentVersion}"));
        return results;
    }

    /// <summary>Tags from a PowerShell hashtable (or any dictionary): keys and values as text.</summary>
    public static Dictionary<string, string>? ToTags(System.Collections.IDictionary? table)
    {
        if (table is null) return null;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in table)
            tags[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? ""] =
                Convert.ToString(entry.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
        return tags;
    }
}
