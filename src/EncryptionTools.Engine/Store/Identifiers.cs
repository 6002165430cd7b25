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

    [GeneratedRegex("^alias/[A-Za-z0-9/_-]+$", RegexOptions.CultureInvariant)]
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

/// <summary>ARNs of the local store: arn:enctools:kms:local:&lt;storeId&gt;:key/&lt;keyId&gt; and ...:alias/&lt;name&gt;.</summary>
public static class Arns
{
    public const string Prefix = "arn:enctools:kms:";
    public const string LocalRegion = "local";

    public static string Key(string storeId, string keyId) => $"{Prefix}{LocalRegion}:{storeId}:key/{keyId}";
    public static string Alias(string storeId, string aliasName) => $"{Prefix}{LocalRegion}:{storeId}:{aliasName}";

    /// <summary>Splits an ARN into store id and resource (key/... or alias/...).</summary>
    public static bool TryParse(string arn, out string storeId, out string resource)
    {
        storeId = resource = "";
        if (!arn.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) return false;
        var parts = arn[Prefix.Length..].Split(':', 3);
        if (parts.Length != 3) return false;
        storeId = parts[1];
        resource = parts[2];
        return true;
    }
}

/// <summary>Key ids are GUIDs in lower-case "D" form.</summary>
public static class KeyIds
{
    public static string New() => Guid.NewGuid().ToString("D");
    public static bool TryNormalize(string text, out string keyId)
    {
        keyId = "";
        if (!Guid.TryParseExact(text.Trim(), "D", out var guid) && !Guid.TryParse(text.Trim(), out guid)) return false;
        keyId = guid.ToString("D");
        return true;
    }

    /// <summary>The default raw-keyring key name of a version: "&lt;keyId&gt;/v&lt;version&gt;".</summary>
    public static string VersionKeyName(string keyId, int version) => $"{keyId}/v{version}";

    /// <summary>Parses a default key name back into key id and version.</summary>
    public static bool TryParseVersionKeyName(string keyName, out string keyId, out int version)
    {
        keyId = "";
        version = 0;
        var slash = keyName.LastIndexOf("/v", StringComparison.Ordinal);
        return slash > 0 && TryNormalize(keyName[..slash], out keyId) && int.TryParse(keyName.AsSpan(slash + 2), out version) && version > 0;
    }
}
