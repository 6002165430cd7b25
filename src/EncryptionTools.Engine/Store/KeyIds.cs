namespace EncryptionTools.Engine.Store;

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
