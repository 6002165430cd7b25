namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// The external keyring providers of this process. A host (the module, the CLI, a test) registers each with a cheap
/// recogniser and a loader; the loader runs on first use only, so a session that never names a KMS key never loads
/// the AWS SDK.
/// </summary>
public static class KeyringProviders
{
    private sealed class Entry(string providerId, Func<string, bool> recognizes, Func<IKeyringProvider> load)
    {
        private readonly Lazy<IKeyringProvider> _provider = new(load, LazyThreadSafetyMode.ExecutionAndPublication);
        public string ProviderId { get; } = providerId;
        public Func<string, bool> Recognizes { get; } = recognizes;
        public IKeyringProvider Provider => _provider.Value;
    }

    private static readonly object Gate = new();
    private static Entry[] _entries = [];

    /// <summary>Registers (or replaces) the provider of <paramref name="providerId"/>.</summary>
    public static void Register(string providerId, Func<string, bool> recognizes, Func<IKeyringProvider> load)
    {
        ArgumentNullException.ThrowIfNull(providerId);
        ArgumentNullException.ThrowIfNull(recognizes);
        ArgumentNullException.ThrowIfNull(load);
        lock (Gate) _entries = [.. _entries.Where(e => e.ProviderId != providerId), new Entry(providerId, recognizes, load)];
    }

    /// <summary>Removes a provider (tests; Remove-Module).</summary>
    public static void Unregister(string providerId)
    {
        lock (Gate) _entries = [.. _entries.Where(e => e.ProviderId != providerId)];
    }

    /// <summary>The ids of the registered providers.</summary>
    public static IReadOnlyList<string> Registered => [.. _entries.Select(e => e.ProviderId)];

    /// <summary>Whether a registered provider recognises the identifier (its SDK is not loaded to answer).</summary>
    public static bool IsExternal(string keyIdentifier) => Find(keyIdentifier) is not null;

    /// <summary>
    /// The provider whose keys the identifier names, loaded on first use; null when it names none (a local key).
    /// An AWS KMS ARN with no AWS KMS provider registered throws KmsUnavailable rather than being looked up locally.
    /// </summary>
    public static IKeyringProvider? ForIdentifier(string keyIdentifier)
    {
        var entry = Find(keyIdentifier);
        if (entry is not null) return Load(entry);
        if (AwsKmsArn.TryParse(keyIdentifier, out _))
            throw new EncryptionToolsException(ErrorCatalog.KmsUnavailable,
                $"'{UntrustedText.Neutralize(keyIdentifier)}' names an AWS KMS key, but AWS KMS support is not loaded in this process.") { Target = keyIdentifier };
        return null;
    }

    /// <summary>The provider that writes and reads EDKs of <paramref name="providerId"/>; null when none is registered.</summary>
    public static IKeyringProvider? ForProviderId(string providerId)
    {
        var entry = _entries.FirstOrDefault(e => e.ProviderId == providerId);
        return entry is null ? null : Load(entry);
    }

    private static Entry? Find(string keyIdentifier) =>
        string.IsNullOrWhiteSpace(keyIdentifier) ? null : _entries.FirstOrDefault(e => e.Recognizes(keyIdentifier.Trim()));

    private static IKeyringProvider Load(Entry entry)
    {
        try { return entry.Provider; }
        catch (Exception ex) when (ex is not EncryptionToolsException)
        {
            throw new EncryptionToolsException(ErrorCatalog.KmsUnavailable,
                $"The keyring provider '{entry.ProviderId}' could not be loaded: {ex.Message}", ex);
        }
    }
}
