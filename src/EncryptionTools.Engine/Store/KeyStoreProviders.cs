using System.Collections.Concurrent;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Where callers get a key store provider. One provider per store location per process, so caches and unlock
/// state are shared by every cmdlet of a session. The cmdlets know only <see cref="IKeyStoreProvider"/>.
/// </summary>
public static class KeyStoreProviders
{
    private static readonly ConcurrentDictionary<string, IKeyStoreProvider> Open = new(StringComparer.Ordinal);

    /// <summary>The sink every provider reports to (the audit log of a later release sets it).</summary>
    public static IStoreEventSink EventSink { get; set; } = NullStoreEventSink.Instance;

    /// <summary>The provider of the store at -StorePath, else ENCRYPTIONTOOLS_STORE, else the per-user default.</summary>
    public static IKeyStoreProvider Get(string? storePath)
    {
        var location = StoreLocation.ResolveWithSource(storePath);
        return Open.GetOrAdd(location.Path, path => new LocalKeyStore(path, new LocalKeyStoreOptions
        {
            EventSink = new ForwardingSink(),
            LocationSource = location.Source,
        }));
    }

    /// <summary>Reads <see cref="EventSink"/> at each event, so a sink set later still receives events.</summary>
    private sealed class ForwardingSink : IStoreEventSink
    {
        public void OnEvent(StoreEvent storeEvent) => EventSink.OnEvent(storeEvent);
    }
}
