using EncryptionTools.Engine.Access;
using System.Security.Cryptography;
using System.Text.Json;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The store's files: reads the descriptor and the sealed document (through <see cref="StoreDocumentCache"/>), and
/// applies every change under the writer lock to a freshly read document, write-ahead audited, each file replaced by
/// temp-file + fsync + rename. Creates the store. A crash at any point leaves the old or the new state.
/// </summary>
internal sealed class StoreRepository(StoreContext store, RootKeyProtection protection, StoreAuditTrail audit, StoreDocumentCache cache)
{
    // ------------------------------------------------------------------ reading

    /// <summary>
    /// The current document for a use of the store, after running due maintenance. Null when no store exists at the
    /// per-user default location; a named location without a store is StoreNotFound (a typo must not read as "no keys").
    /// </summary>
    public (StoreDescriptor? Descriptor, StoreDocument? Doc) LoadForUse()
    {
        var (descriptor, doc) = LoadCached();
        if (descriptor is null && store.LocationSource != StoreLocation.FromDefault) throw store.StoreMissing();
        if (doc is not null && KeyMaintenance.Due(doc, store.Now))
        {
            Mutate<int, int>("Maintenance", ctx => { ctx.Unchanged(null); return 0; }, (_, _) => 0, createIfMissing: false);
            (descriptor, doc) = LoadCached();
        }
        return (descriptor, doc);
    }

    public (StoreDescriptor? Descriptor, StoreDocument? Doc) LoadCached()
    {
        var descriptor = ReadDescriptor();
        if (descriptor is null) return (null, null);
        var root = protection.GetRootKey(descriptor);
        try { return (descriptor, LoadDocument(descriptor, root)); }
        finally { CryptographicOperations.ZeroMemory(root); }
    }

    /// <summary>The data document, from the cache when the file is the one last read (same header: salt and nonce).</summary>
    public StoreDocument LoadDocument(StoreDescriptor descriptor, byte[] root, bool fresh = false)
    {
        byte[] data;
        try
        {
            using var stream = OpenForRead(store.DataPath);
            var header = new byte[StoreFiles.HeaderBytes];
            var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (!fresh)
            {
                lock (store.Sync)
                {
                    if (cache.FindLocked(header.AsSpan(0, read), descriptor.StoreId) is { } cached)
                    {
                        audit.RememberAuditKey(cached);
                        cache.KeepLocked();
                        return cached;
                    }
                }
            }
            data = new byte[stream.Length];
            header.AsSpan(0, read).CopyTo(data);
            stream.ReadExactly(data.AsSpan(read));
        }
        catch (FileNotFoundException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.ReadError,
                $"The key store '{store.Location}' has a descriptor but no data file '{StoreFiles.DataFile}'. Restore it from a backup.", ex);
        }
        var version = StoreFiles.SealedVersion(data, store.Location);
        if (version > StoreSchema.CurrentDataVersion)
            throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidData,
                $"The key store '{store.Location}' has data schema version {version}, newer than this module understands ({StoreSchema.CurrentDataVersion}). Update the EncryptionTools module.");
        byte[] plaintext;
        byte[]? previous = null;
        try
        {
            plaintext = StoreFiles.Open(data, root, descriptor.StoreId, store.Location);
        }
        catch (KeyStoreException) when (descriptor.PreviousRoot is not null
            && (previous = StoreFiles.UnwrapPreviousRoot(descriptor.PreviousRoot, root, descriptor.StoreId)) is not null)
        {
            // A root-key change stopped after its descriptor and before the data was re-sealed: the data is still
            // under the previous root key, which the descriptor carries wrapped under the new one.
            try { plaintext = StoreFiles.Open(data, previous, descriptor.StoreId, store.Location); }
            catch { CryptographicOperations.ZeroMemory(previous); throw; }
        }
        cache.CountDecryption();
        try
        {
            var doc = StoreSchema.ParseData(plaintext, version, store.Location);
            if (doc.StoreId != descriptor.StoreId)
                throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData, $"The data of the key store '{store.Location}' belongs to another store.");
            doc.AuditKey ??= AuditLogEventSink.DeriveAuditKey(previous ?? root, doc.StoreId); // stores made before it was sealed
            audit.NoteAnchor(doc);
            audit.RememberAuditKey(doc);
            if (!fresh)
            {
                lock (store.Sync)
                {
                    cache.CacheLocked(data[..StoreFiles.HeaderBytes], doc);
                }
            }
            return doc;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
            if (previous is not null) CryptographicOperations.ZeroMemory(previous);
        }
    }

    /// <summary>
    /// Opens a store file for reading. A writer of another process may still hold the file it just renamed into place
    /// with its exclusive (advisory) lock for a moment: that sharing violation is retried briefly, never a missing file.
    /// </summary>
    private static FileStream OpenForRead(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096);
            }
            catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException && attempt < 200)
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>Reads store.json after checking permissions; null when no store exists at the location.</summary>
    public StoreDescriptor? ReadDescriptor()
    {
        if (!Directory.Exists(store.Location)) return null;
        StorePermissions.Check(store.Location);
        byte[] bytes;
        try
        {
            using var stream = OpenForRead(store.DescriptorPath);
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (FileNotFoundException) { return null; }
        catch (UnauthorizedAccessException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StorePermissions, EngineErrorCategory.PermissionDenied,
                $"The key store descriptor '{store.DescriptorPath}' cannot be read: {ex.Message}", ex);
        }
        return StoreDescriptor.Parse(bytes, store.Location);
    }

    // ------------------------------------------------------------------ writing

    public StoreFileLock AcquireWriteLock(bool create = false)
    {
        var location = store.Location;
        if (!create && !File.Exists(store.DescriptorPath)) throw store.StoreMissing();
        if (!Directory.Exists(location))
        {
            try { StorePermissions.CreateStoreDirectory(location); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KeyStoreException(StoreErrorIds.StoreWriteFailed, EngineErrorCategory.WriteError,
                    $"Cannot create the key store directory '{location}': {ex.Message}", ex);
            }
        }
        else if (!File.Exists(store.DescriptorPath))
        {
            var foreign = Directory.EnumerateFileSystemEntries(location).Select(Path.GetFileName)
                .Where(n => n is not (StoreFiles.LockFile or StoreFiles.InitMarkerFile or StoreFiles.RootKeyFile or StoreFiles.DataFile or LocalKeyStore.AuditDirectoryName)
                    && !n!.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal) && !n.StartsWith(LocalKeyStore.SetAsidePrefix, StringComparison.Ordinal)).ToList();
            if (foreign.Count > 0)
                throw new KeyStoreException(StoreErrorIds.StoreNotFound, EngineErrorCategory.InvalidArgument,
                    $"'{location}' is not a key store and is not empty ({foreign.Count} item(s) such as '{foreign[0]}'). Choose a new or empty directory for the store.") { Target = location };
            StorePermissions.SecureExistingDirectory(location);
        }
        StorePermissions.Check(location);
        return StoreFileLock.Acquire(location, store.Options.LockTimeout);
    }

    /// <summary>
    /// Applies a change under the writer lock to a freshly read document, runs due maintenance, writes the result
    /// atomically, then reports events. A refused change reports a failed event and writes nothing (unless
    /// maintenance was due, whose result is kept).
    /// </summary>
    public TResult Mutate<T, TResult>(string operation, Func<MutationContext, T> apply, Func<T, StoreDocument, TResult> project, bool createIfMissing = false)
    {
        T result;
        MutationContext? ctx = null;
        try
        {
            if (!createIfMissing && ReadDescriptor() is null) throw store.StoreMissing(); // before the lock: it would create the directory
            using (AcquireWriteLock(createIfMissing))
            {
                var descriptor = ReadDescriptor();
                if (descriptor is null)
                {
                    if (!createIfMissing) throw store.StoreMissing();
                    descriptor = InitializeLocked(RootKeyProtection.DefaultProtection(), null, null);
                }
                if (descriptor.Protection != StoreProtection.File && File.Exists(store.RootKeyPath)) protection.File.Destroy(); // left by a crash mid-switch
                var root = protection.GetRootKey(descriptor);
                try
                {
                    var doc = LoadDocument(descriptor, root, fresh: true);
                    ctx = new MutationContext(doc, store.Now, operation, store.Location);
                    KeyMaintenance.Run(ctx);
                    var maintenanceEvents = ctx.Events.Count;
                    try
                    {
                        result = apply(ctx);
                    }
                    catch (EncryptionToolsException) when (maintenanceEvents > 0)
                    {
                        // The refused change may have touched the document: keep only the maintenance, on a fresh copy.
                        var again = new MutationContext(LoadDocument(descriptor, root, fresh: true), store.Now, operation, store.Location);
                        KeyMaintenance.Run(again);
                        audit.RecordAhead(again.Doc, again.Events, changed: true);
                        Save(descriptor, again.Doc, root);
                        audit.SendToSink(again.Events);
                        throw;
                    }
                    audit.RecordAhead(ctx.Doc, ctx.Events, ctx.Changed);
                    if (ctx.Changed || descriptor.PreviousRoot is not null) Save(descriptor, ctx.Doc, root);
                    if (descriptor.PreviousRoot is not null)
                    {
                        // A root-key change was interrupted after its descriptor: the data is now sealed under the
                        // new root key, so the previous one is dropped from the descriptor.
                        descriptor.PreviousRoot = null;
                        CommitDescriptor(descriptor, root);
                    }
                }
                finally { CryptographicOperations.ZeroMemory(root); }
            }
        }
        catch (EncryptionToolsException ex) when (operation != "Maintenance")
        {
            audit.EmitFailure(operation, ex);
            throw;
        }
        audit.SendToSink(ctx!.Events);
        return project(result, ctx.Doc);
    }

    /// <summary>Seals and writes the document (a new revision), and caches it as the current one.</summary>
    public void Save(StoreDescriptor descriptor, StoreDocument doc, byte[] root)
    {
        doc.Revision++;
        doc.LastModifiedDate = store.Now;
        doc.SchemaVersion = StoreSchema.CurrentDataVersion;
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(doc, StoreSchema.DocumentInfo);
        byte[] sealedData;
        try { sealedData = StoreFiles.Seal(plaintext, root, descriptor.StoreId, StoreSchema.CurrentDataVersion); }
        finally { CryptographicOperations.ZeroMemory(plaintext); }
        LocalKeyStore.CrashPoint?.Invoke("data-before-write");
        StoreFiles.WriteAtomically(store.DataPath, sealedData, "data-temp-written");
        LocalKeyStore.CrashPoint?.Invoke("data-after-write");
        audit.NoteAnchor(doc);
        lock (store.Sync)
        {
            cache.CacheLocked(sealedData[..StoreFiles.HeaderBytes], doc);
        }
    }

    /// <summary>Never persists a descriptor whose root key cannot be recovered: it is checked from its serialized form first.</summary>
    public void CommitDescriptor(StoreDescriptor descriptor, byte[] root)
    {
        var bytes = descriptor.Serialize();
        var parsed = StoreDescriptor.Parse(bytes, store.Location);
        protection.VerifyRecoverable(parsed, root);
        LocalKeyStore.CrashPoint?.Invoke("descriptor-before-write");
        StoreFiles.WriteAtomically(store.DescriptorPath, bytes);
        LocalKeyStore.CrashPoint?.Invoke("descriptor-after-write");
    }

    /// <summary>
    /// Creates the store under the writer lock. A marker file exists for the whole creation and the descriptor is
    /// written last, so a crash leaves either no store (re-created next time) or a whole one.
    /// </summary>
    public StoreDescriptor InitializeLocked(StoreProtection mode, char[]? password, int? iterations, string? kmsKeyId = null)
    {
        if (File.Exists(store.DataPath) && !File.Exists(store.InitMarkerPath))
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The key store '{store.Location}' has a data file but no descriptor '{StoreFiles.DescriptorFile}'. Restore the descriptor from a backup; the store was not re-created, so nothing was overwritten.");
        if (mode == StoreProtection.Dpapi && !OperatingSystem.IsWindows())
            throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidOperation,
                "DPAPI protection exists only on Windows. Use -Protection File or -Protection Password.");
        audit.SetAsideForeignAuditLog();
        StoreFiles.WriteAtomically(store.InitMarkerPath, []);
        LocalKeyStore.CrashPoint?.Invoke("init-marker-written");
        var storeId = KeyIds.New();
        var now = store.Now;
        var root = RandomNumberGenerator.GetBytes(StoreFiles.RootKeyBytes);
        try
        {
            var descriptor = protection.BuildDescriptor(storeId, now, root, mode, password, iterations, kmsKeyId);
            // A KMS key that encrypts but will not decrypt for this identity must not leave a half-made store behind.
            if (mode == StoreProtection.AwsKms) protection.VerifyRecoverable(StoreDescriptor.Parse(descriptor.Serialize(), store.Location), root);
            LocalKeyStore.CrashPoint?.Invoke("init-root-written");
            var doc = new StoreDocument { StoreId = storeId, CreationDate = now, LastModifiedDate = now,
                Owner = StoreCall.CurrentScope.Value?.Principal ?? "user:" + KeyPolicies.CurrentUser(),
                AuditKey = RandomNumberGenerator.GetBytes(32) };
            // The creation is recorded before the store exists: a crash before the descriptor leaves no store, and the
            // next creation sets the orphaned log aside (SetAsideForeignAuditLog).
            audit.RememberAuditKey(doc);
            StoreEvent[] created = [new StoreEvent { Time = now, Operation = "StoreCreated", Action = "StoreCreated", StoreLocation = store.Location, StoreId = storeId,
                Detail = $"protection {mode}" }];
            audit.RecordAhead(doc, created, changed: true);
            Save(descriptor, doc, root);
            LocalKeyStore.CrashPoint?.Invoke("init-data-written");
            CommitDescriptor(descriptor, root);
            File.Delete(store.InitMarkerPath);
            AtomicFile.FsyncDirectory(store.Location);
            if (RootKeyProtection.KeepsRootKey(mode)) UnlockedRootKeys.Put(store.Location, storeId, root, now + LocalKeyStore.DefaultUnlockTimeout);
            audit.SendToSink(created);
            return descriptor;
        }
        finally { CryptographicOperations.ZeroMemory(root); }
    }
}
