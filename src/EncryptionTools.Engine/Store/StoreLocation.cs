namespace EncryptionTools.Engine.Store;

/// <summary>Where a store is and why: a -StorePath parameter, the ENCRYPTIONTOOLS_STORE variable, or the per-user default.</summary>
public sealed record ResolvedStoreLocation(string Path, string Source);

/// <summary>
/// Resolves the store location: an explicit path (-StorePath) wins, then the environment variable
/// <see cref="EnvironmentVariable"/>, then the per-user default: %LOCALAPPDATA%\EncryptionTools on Windows,
/// $XDG_DATA_HOME/EncryptionTools or ~/.local/share/EncryptionTools on Linux and macOS.
/// </summary>
public static class StoreLocation
{
    public const string EnvironmentVariable = "ENCRYPTIONTOOLS_STORE";
    public const string FromParameter = "Parameter";
    public const string FromEnvironment = "Environment";
    public const string FromDefault = "Default";

    public static string Resolve(string? explicitPath) => ResolveWithSource(explicitPath).Path;

    /// <param name="explicitPath">-StorePath; relative paths must already be resolved by the caller (PowerShell's location).</param>
    /// <param name="getEnvironment">Reads an environment variable; injectable for tests.</param>
    public static ResolvedStoreLocation ResolveWithSource(string? explicitPath, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(explicitPath)) return new(Normalize(explicitPath), FromParameter);
        var fromEnv = getEnvironment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv)) return new(Normalize(fromEnv), FromEnvironment);
        return new(Normalize(Default(getEnvironment)), FromDefault);
    }

    public static string Default(Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        if (OperatingSystem.IsWindows())
        {
            var local = getEnvironment("LOCALAPPDATA");
            if (string.IsNullOrEmpty(local)) local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            return Path.Combine(local, "EncryptionTools");
        }
        var xdg = getEnvironment("XDG_DATA_HOME");
        // The XDG spec says relative values are invalid and must be ignored.
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "EncryptionTools");
        var home = getEnvironment("HOME");
        if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "EncryptionTools");
    }

    /// <summary>Full path without a trailing separator, so one store has one cache key.</summary>
    public static string Normalize(string path)
    {
        if (path.StartsWith("~/", StringComparison.Ordinal) || path == "~")
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full);
        return full.Length > (root?.Length ?? 0) ? full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : full;
    }
}
