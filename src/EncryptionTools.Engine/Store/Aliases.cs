using System.Text.RegularExpressions;

namespace EncryptionTools.Engine.Store;

/// <summary>Alias rules: alias/&lt;name&gt;, name of letters, digits, '/', '_' and '-' (KMS's rule), reserved prefixes.</summary>
public static partial class Aliases
{
    public const string Prefix = "alias/";
    /// <summary>The module-managed default key's alias. Nothing under alias/enctools/ can be created, re-pointed or removed by users.</summary>
    public const string DefaultKeyAlias = "alias/enctools/default";
    public const string ReservedPrefix = "alias/enctools/";
    /// <summary>KMS reserves alias/aws/; refused too so aliases stay portable to KMS.</summary>
    public const string AwsReservedPrefix = "alias/aws/";
    public const int MaxLength = 256;

    [GeneratedRegex("^alias/[A-Za-z0-9/_-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    /// <summary>Adds the alias/ prefix when missing ("backup" → "alias/backup").</summary>
    public static string Normalize(string name)
    {
        name = name.Trim();
        return name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? Prefix + name[Prefix.Length..] : Prefix + name;
    }

    /// <summary>Throws <see cref="StoreErrorIds.AliasInvalid"/> when malformed; returns the normalized name.</summary>
    public static string Validate(string name)
    {
        var normalized = Normalize(name);
        if (normalized.Length == Prefix.Length || normalized.Length > MaxLength || !Shape().IsMatch(normalized) || normalized.EndsWith('/'))
            throw new KeyStoreException(StoreErrorIds.AliasInvalid, EngineErrorCategory.InvalidArgument,
                $"'{name}' is not a valid alias. An alias is alias/<name>: 1 to {MaxLength - Prefix.Length} letters, digits, '/', '_' or '-', not ending with '/'.")
            { Target = name };
        return normalized;
    }

    public static bool IsReserved(string normalized) =>
        normalized.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase) || normalized.StartsWith(AwsReservedPrefix, StringComparison.OrdinalIgnoreCase);

    public static bool Equal(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
