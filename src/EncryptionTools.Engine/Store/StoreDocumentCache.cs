namespace EncryptionTools.Engine.Store;

/// <summary>
/// The decrypted document, kept only while it is being used: at most <see cref="LocalKeyStoreOptions.DocumentCacheLifetime"/>
/// (60 s) after its last use, and never past Lock-EncKeyStore, Remove-Module or Dispose. Dropping it zeroes its key
/// material; keyrings copy what they need under the same lock (<see cref="WithMaterial"/>), so none is ever built from a
/// wiped document. A document is known by the data file's header (its per-write random salt and nonce).
/// </summary>
internal sealed class StoreDocumentCache(StoreContext store)
{
    private byte[]? _cachedHeader;        // guarded by store.Sync
    private StoreDocument? _cachedDocument;
    private Timer? _cacheTimer;
    private int _decryptions;

    /// <summary>How many times the data file was decrypted (tests of the read cache).</summary>
    public int DataDecryptions => Volatile.Read(ref _decryptions);

    public void CountDecryption() => Interlocked.Increment(ref _decryptions);

    /// <summary>Whether a decrypted document is cached now (tests of the cache rule).</summary>
    public bool HasDocument
    {
        get { lock (store.Sync) return _cachedDocument is not null; }
    }

    /// <summary>The cached document when the data file's header is the one it was read from; the caller holds the lock.</summary>
    public StoreDocument? FindLocked(ReadOnlySpan<byte> header, string storeId)
    {
        if (header.Length == StoreFiles.HeaderBytes && _cachedHeader is not null && _cachedDocument is not null
            && _cachedDocument.StoreId == storeId && header.SequenceEqual(_cachedHeader))
        {
            return _cachedDocument;
        }
        return null;
    }

    /// <summary>Caches a document; the caller holds the lock.</summary>
    public void CacheLocked(byte[] header, StoreDocument doc)
    {
        if (_cachedDocument is not null && !ReferenceEquals(_cachedDocument, doc)) _cachedDocument.ZeroMaterial();
        _cachedHeader = header;
        _cachedDocument = doc;
        KeepLocked();
    }

    /// <summary>Restarts the idle countdown of the cache; the caller holds the lock.</summary>
    public void KeepLocked()
    {
        _cacheTimer ??= new Timer(static state => ((StoreDocumentCache)state!).Drop(), this, Timeout.Infinite, Timeout.Infinite);
        _cacheTimer.Change(store.Options.DocumentCacheLifetime, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Drops and wipes the cached document.</summary>
    public void Drop()
    {
        lock (store.Sync)
        {
            _cachedDocument?.ZeroMaterial();
            _cachedDocument = null;
            _cachedHeader = null;
            _cacheTimer?.Change(Timeout.Infinite, Timeout.Infinite);
        }
    }

    /// <summary>Builds something from a document's key material under the cache lock, reloading if it was wiped meanwhile.</summary>
    public T WithMaterial<T>(Func<StoreDocument?> load, Func<StoreDocument?, T> build)
    {
        for (var attempt = 0; ; attempt++)
        {
            var doc = load();
            lock (store.Sync)
            {
                if (doc is null || !doc.Wiped) return build(doc);
            }
            if (attempt == 3) throw new InvalidOperationException("The key store document was wiped while in use.");
        }
    }

    /// <summary>The key buffers the cached document holds now (tests of wiping: the very arrays, not copies).</summary>
    public IEnumerable<byte[]> HeldKeyBuffers()
    {
        lock (store.Sync)
        {
            if (_cachedDocument is null) return [];
            var buffers = _cachedDocument.Keys.SelectMany(k => k.Versions).SelectMany(v => new[] { v.Material, v.PrivateKey }).OfType<byte[]>().ToList();
            if (_cachedDocument.AuditKey is { } auditKey) buffers.Add(auditKey);
            return buffers;
        }
    }

    /// <summary>Drops the document and stops the idle timer for good.</summary>
    public void Dispose()
    {
        Drop();
        lock (store.Sync)
        {
            _cacheTimer?.Dispose();
            _cacheTimer = null;
        }
    }
}
