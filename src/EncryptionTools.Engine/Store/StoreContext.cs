namespace EncryptionTools.Engine.Store;

/// <summary>
/// What every part of a <see cref="LocalKeyStore"/> shares: the location and its file names, the options and clock, the
/// lock that guards cached secrets, and the errors that name the store.
/// </summary>
internal sealed class StoreContext(string location, LocalKeyStoreOptions options)
{
    public string Location { get; } = location;
    public LocalKeyStoreOptions Options { get; } = options;
    /// <summary>Guards the cached document and the audit key (one lock, so a drop never sees half of either).</summary>
    public object Sync { get; } = new();

    /// <summary>Set by <see cref="LocalKeyStore.Dispose"/>: from then on a call keeps nothing once it ends.</summary>
    public bool Disposed
    {
        get => Volatile.Read(ref _disposed);
        set => Volatile.Write(ref _disposed, value);
    }

    private bool _disposed;

    public TimeProvider Time => Options.TimeProvider;
    public DateTimeOffset Now => Time.GetUtcNow();
    /// <summary>How the current command named this store (its provider view says), else how the store was opened.</summary>
    public string LocationSource => StoreCall.LocationSourceScope.Value ?? Options.LocationSource;
    public string DescriptorPath => Path.Combine(Location, StoreFiles.DescriptorFile);
    public string DataPath => Path.Combine(Location, StoreFiles.DataFile);
    public string RootKeyPath => Path.Combine(Location, StoreFiles.RootKeyFile);
    public string InitMarkerPath => Path.Combine(Location, StoreFiles.InitMarkerFile);
    public string AuditDirectory => Path.Combine(Location, LocalKeyStore.AuditDirectoryName);

    public static KeyStoreException Invalid(string message) => new(StoreErrorIds.InvalidArgument, EngineErrorCategory.InvalidArgument, message);

    public KeyNotFoundInStoreException NotFound(string identifier, string? detail) =>
        new(identifier, detail ?? $"No key or alias '{identifier}' exists in the key store '{Location}'. Get-EncKey lists the keys and Get-EncKeyAlias the aliases.")
        { Target = identifier };

    public KeyStoreException StoreExists() =>
        new(StoreErrorIds.StoreExists, EngineErrorCategory.ResourceExists,
            $"A key store already exists at '{Location}'; nothing was changed. Set-EncKeyStore changes its protection.") { Target = Location };

    public KeyStoreException StoreMissing()
    {
        var named = LocationSource switch
        {
            StoreLocation.FromEnvironment => $" (named by the environment variable {StoreLocation.EnvironmentVariable})",
            StoreLocation.FromParameter => " (named by -StorePath or --store)",
            _ => "",
        };
        return new KeyStoreException(StoreErrorIds.StoreNotFound, EngineErrorCategory.ObjectNotFound,
            $"No key store exists at '{Location}'{named}; nothing was created there. Check the path, or create a store there on purpose " +
            $"with New-EncKeyStore -LiteralPath '{Location.Replace("'", "''", StringComparison.Ordinal)}' (enctools store init --store {StorePermissions.ShellQuote(Location)}), " +
            "or with New-EncKey.") { Target = Location };
    }

    /// <summary>The per-user default store was just created by a command that only uses keys: say so, once.</summary>
    public void WarnImplicitStore()
    {
        var warn = StoreCall.WarningScope.Value;
        if (warn is null) return;
        try
        {
            warn($"Created a new key store at '{Location}' (the per-user default store) with a module-managed default key. " +
                 "Back up this directory: files encrypted under its keys cannot be decrypted without it.");
        }
        catch (Exception) { /* a warning must not undo a committed change */ }
    }
}
