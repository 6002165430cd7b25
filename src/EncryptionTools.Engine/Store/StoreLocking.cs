using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The store's writer lock: an exclusive lock on the lock file (flock on Unix, a share-none handle on Windows), which
/// the OS releases when a process dies, so a killed writer never blocks the store. Within one process a semaphore
/// queues threads first. Readers take no lock: every write replaces whole files by rename.
/// </summary>
internal sealed class StoreFileLock : IDisposable
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InProcess = new(StringComparer.Ordinal);
    private readonly FileStream _handle;
    private readonly SemaphoreSlim _gate;

    private StoreFileLock(FileStream handle, SemaphoreSlim gate)
    {
        _handle = handle;
        _gate = gate;
    }

    public static StoreFileLock Acquire(string directory, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(directory, StoreFiles.LockFile);
        var gate = InProcess.GetOrAdd(directory, _ => new SemaphoreSlim(1, 1));
        var started = Environment.TickCount64;
        if (!gate.Wait(timeout, cancellationToken)) throw Busy(directory, path, timeout);
        try
        {
            var delay = 1;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var options = new FileStreamOptions
                    {
                        Mode = FileMode.OpenOrCreate,
                        Access = FileAccess.ReadWrite,
                        Share = FileShare.None,
                        BufferSize = 0,
                    };
                    if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                    return new StoreFileLock(new FileStream(path, options), gate);
                }
                catch (UnauthorizedAccessException ex)
                {
                    throw new KeyStoreException(StoreErrorIds.StorePermissions, EngineErrorCategory.PermissionDenied,
                        $"Cannot open the lock file '{path}' of the key store: {ex.Message}", ex);
                }
                catch (DirectoryNotFoundException ex)
                {
                    throw new KeyStoreException(StoreErrorIds.StoreNotFound, EngineErrorCategory.ObjectNotFound,
                        $"The key store directory '{directory}' does not exist.", ex);
                }
                catch (IOException) when (Environment.TickCount64 - started < (long)timeout.TotalMilliseconds)
                {
                    // Held by another writer: back off with jitter so waiting processes do not retry in step.
                    Thread.Sleep(delay + RandomNumberGenerator.GetInt32(delay + 1));
                    delay = Math.Min(delay * 2, 8);
                }
                catch (IOException ex)
                {
                    throw Busy(directory, path, timeout, ex);
                }
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private static KeyStoreException Busy(string directory, string path, TimeSpan timeout, Exception? inner = null) =>
        new(StoreErrorIds.StoreBusy, EngineErrorCategory.ResourceUnavailable,
            $"The key store '{directory}' stayed locked by another writer for {timeout.TotalSeconds:0.#} s (lock file '{path}'). " +
            "Another PowerShell session or process is writing to it; try again. A crashed process releases the lock by itself.", inner);

    public void Dispose()
    {
        _handle.Dispose();
        _gate.Release();
    }
}

/// <summary>Root keys this process holds for stores (unlocked by password, or given by KMS), per store, until their timeout.</summary>
internal static class UnlockedRootKeys
{
    private sealed record Entry(string StoreId, byte[] RootKey, DateTimeOffset Expires);
    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal);

    /// <summary>A copy of the root key (the caller zeroes it), or null when locked or expired.</summary>
    public static byte[]? TryGet(string location, string storeId, DateTimeOffset now)
    {
        lock (Entries)
        {
            if (!Entries.TryGetValue(location, out var entry)) return null;
            if (entry.Expires <= now || entry.StoreId != storeId)
            {
                RemoveLocked(location);
                return null;
            }
            return entry.RootKey.ToArray();
        }
    }

    /// <summary>
    /// The root key held for the store, if it is still the store's: another process may have changed the protection,
    /// and a key that no longer matches the descriptor is forgotten. The caller zeroes it.
    /// </summary>
    public static byte[]? Current(string location, StoreDescriptor descriptor, DateTimeOffset now)
    {
        var held = TryGet(location, descriptor.StoreId, now);
        if (held is null || StoreFiles.RootKeyMatches(descriptor, held)) return held;
        CryptographicOperations.ZeroMemory(held);
        Remove(location);
        return null;
    }

    public static DateTimeOffset? Expiry(string location, DateTimeOffset now)
    {
        lock (Entries) return Entries.TryGetValue(location, out var e) && e.Expires > now ? e.Expires : null;
    }

    public static void Put(string location, string storeId, ReadOnlySpan<byte> rootKey, DateTimeOffset expires)
    {
        lock (Entries)
        {
            RemoveLocked(location);
            Entries[location] = new Entry(storeId, rootKey.ToArray(), expires);
        }
    }

    public static bool Remove(string location)
    {
        lock (Entries) return RemoveLocked(location);
    }

    /// <summary>Forgets (and wipes) every unlocked root key of the process.</summary>
    public static void Clear()
    {
        lock (Entries)
        {
            foreach (var location in Entries.Keys.ToList()) RemoveLocked(location);
        }
    }

    private static bool RemoveLocked(string location)
    {
        if (!Entries.Remove(location, out var entry)) return false;
        CryptographicOperations.ZeroMemory(entry.RootKey);
        return true;
    }
}
