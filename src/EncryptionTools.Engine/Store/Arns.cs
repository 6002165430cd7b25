namespace EncryptionTools.Engine.Store;

/// <summary>ARNs of the local store: arn:enctools:kms:local:&lt;storeId&gt;:key/&lt;keyId&gt; and ...:alias/&lt;name&gt;.</summary>
internal static class Arns
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
