using System.Security.Cryptography;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The whole store moved as one: an encrypted backup taken under the writer lock, and its restore into a location that
/// holds no store (same store id, keys, aliases, policies, grants and audit log, under a new root key).
/// </summary>
internal sealed class StoreBackupOperations(StoreContext store, RootKeyProtection rootKeys, StoreRepository repository, StoreAuditTrail audit,
    StoreDocumentCache cache, Authorization authorization, StoreAdministration administration)
{
    /// <summary>
    /// Takes a consistent copy under the writer lock (the data document and the audit log up to its last whole record) and
    /// writes it encrypted. The backup is recorded in the store's audit log (after the copy, so the copy does not hold it).
    /// Equal in power to copying the store with its root key: it needs the store's root key, not a key policy.
    /// </summary>
    public StoreBackupInfo Backup(Stream output, StoreBackupProtection protection)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(protection);
        using var scope = authorization.Enter();
        byte[]? plaintext = null;
        StoreBackupInfo? info = null;
        try
        {
            repository.Mutate("StoreBackedUp", ctx =>
            {
                var auditFiles = ReadAuditFilesForBackup();
                var document = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ctx.Doc, StoreSchema.DocumentInfo);
                try
                {
                    plaintext = StoreBackupFormat.Serialize(new StoreBackupFormat.Payload(ctx.Doc.StoreId, ctx.Now, store.Location, document,
                        StoreSchema.CurrentDataVersion, auditFiles));
                }
                finally { CryptographicOperations.ZeroMemory(document); }
                var counting = new CountingStream(output);
                StoreBackupFormat.Encrypt(plaintext, counting, ctx.Doc.StoreId, protection, store.Options.PasswordIterationFloor);
                counting.Flush();
                var kind = (protection.Password is not null, protection.RecipientPems.Count > 0) switch
                {
                    (true, true) => "Password+Recipient",
                    (true, false) => "Password",
                    _ => "Recipient",
                };
                info = new StoreBackupInfo
                {
                    StoreId = ctx.Doc.StoreId, BackupDate = ctx.Now, KeyCount = ctx.Doc.Keys.Count, AliasCount = ctx.Doc.Aliases.Count,
                    AuditFileCount = auditFiles.Count, Bytes = counting.Written, Protection = kind,
                };
                ctx.Events.Add(new StoreEvent { Time = ctx.Now, Operation = "StoreBackedUp", Action = "StoreBackedUp", StoreLocation = store.Location,
                    StoreId = ctx.Doc.StoreId, Detail = $"{ctx.Doc.Keys.Count} key(s), {auditFiles.Count} audit file(s), encrypted to {kind}" });
                return 0;
            }, (_, _) => 0);
        }
        finally
        {
            if (plaintext is not null) CryptographicOperations.ZeroMemory(plaintext);
        }
        return info!;
    }

    /// <summary>The audit files: the head first, then each log cut to its last whole line, so the copy never ends before its head.</summary>
    private List<(string Name, byte[] Content)> ReadAuditFilesForBackup()
    {
        var files = new List<(string, byte[])>();
        var directory = store.AuditDirectory;
        if (!Directory.Exists(directory)) return files;
        var head = Path.Combine(directory, AuditLog.HeadFileName);
        if (File.Exists(head)) files.Add((AuditLog.HeadFileName, File.ReadAllBytes(head)));
        foreach (var path in Directory.GetFiles(directory, AuditLog.FilePrefix + "*" + AuditLog.FileExtension).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(path);
            var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
            files.Add((Path.GetFileName(path), end == bytes.Length ? bytes : bytes[..end]));
        }
        return files;
    }

    /// <summary>
    /// Recreates the backed-up store here (same store id, keys, aliases, policies, grants and audit log) under a new root
    /// key with <see cref="StoreRestoreRequest.Protection"/>. Refuses a location that already holds a store.
    /// </summary>
    public EncKeyStoreInfo Restore(Stream input, StoreRestoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(request);
        using var scope = authorization.Enter();
        if (repository.ReadDescriptor() is not null) throw store.StoreExists();
        var plaintext = StoreBackupFormat.Decrypt(input, request, store.Options.PasswordIterationFloor);
        StoreBackupFormat.Payload payload;
        try { payload = StoreBackupFormat.Parse(plaintext); }
        finally { CryptographicOperations.ZeroMemory(plaintext); }
        StoreDocument doc;
        try { doc = StoreSchema.ParseData(payload.Document, payload.DocumentVersion, store.Location); }
        finally { CryptographicOperations.ZeroMemory(payload.Document); }
        try
        {
            if (doc.StoreId != payload.StoreId) throw StoreBackupFormat.Invalid("The backup's document belongs to another store than the backup names.");
            var protection = request.Protection;
            var mode = RootKeyProtection.ModeOf(protection, RootKeyProtection.DefaultProtection());
            if (mode == StoreProtection.Password && (protection.NewPassword is null || protection.NewPassword.Length == 0))
                throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired, "Password protection of the restored store needs a password (-StorePassword).");
            var root = RandomNumberGenerator.GetBytes(StoreFiles.RootKeyBytes);
            try
            {
                // KMS first: a key it refuses (denied, disabled, unreachable) leaves the location as it was.
                StoreDescriptor? kmsDescriptor = null;
                var kmsCalls = new KmsRootKeyCalls();
                if (mode == StoreProtection.AwsKms)
                {
                    kmsDescriptor = rootKeys.BuildDescriptor(doc.StoreId, doc.CreationDate, root, mode, null, null, protection.KmsKeyId, kmsCalls);
                    rootKeys.Kms.VerifyRecoverable(StoreDescriptor.Parse(kmsDescriptor.Serialize(), store.Location), root, kmsCalls);
                }
                Write(doc, payload, root, mode, protection, kmsDescriptor, kmsCalls);
            }
            finally { CryptographicOperations.ZeroMemory(root); }
        }
        catch (EncryptionToolsException ex)
        {
            audit.EmitFailure("StoreRestored", ex);
            throw;
        }
        finally { doc.ZeroMaterial(); }
        cache.Drop();
        return administration.GetStoreInfo();
    }

    /// <summary>The restore's writes, under the store's lock; a KMS wrap was made and checked before it.</summary>
    private void Write(StoreDocument doc, StoreBackupFormat.Payload payload, byte[] root, StoreProtection mode, ProtectionChange protection,
        StoreDescriptor? kmsDescriptor, KmsRootKeyCalls kmsCalls)
    {
        using (repository.AcquireWriteLock(create: true))
        {
            if (repository.ReadDescriptor() is not null) throw store.StoreExists();
            if (File.Exists(store.DataPath) && !File.Exists(store.InitMarkerPath))
                throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                    $"'{store.Location}' has a key store data file but no descriptor; nothing was restored over it.") { Target = store.Location };
            audit.SetAsideForeignAuditLog();
            StoreFiles.WriteAtomically(store.InitMarkerPath, []);
            if (payload.AuditFiles.Count > 0)
            {
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(store.AuditDirectory);
                else Directory.CreateDirectory(store.AuditDirectory, StorePermissions.DirectoryMode);
                foreach (var (name, content) in payload.AuditFiles) StoreFiles.WriteAtomically(Path.Combine(store.AuditDirectory, name), content);
            }
            var descriptor = kmsDescriptor
                ?? rootKeys.BuildDescriptor(doc.StoreId, doc.CreationDate, root, mode, protection.NewPassword, protection.PasswordIterations);
            audit.RememberAuditKey(doc);
            audit.NoteAnchor(doc);
            List<StoreEvent> restored = [new StoreEvent { Time = store.Now, Operation = "StoreRestored", Action = "StoreRestored", StoreLocation = store.Location,
                StoreId = doc.StoreId, Detail = $"from a backup of {payload.BackupDate:u} of '{UntrustedText.Neutralize(payload.SourceLocation, 256)}'; {doc.Keys.Count} key(s); protection {mode}" }];
            restored.AddRange(kmsCalls.Events(store, doc.StoreId));
            audit.RecordAhead(doc, restored, changed: true);
            repository.Save(descriptor, doc, root);
            repository.CommitDescriptor(descriptor, root);
            File.Delete(store.InitMarkerPath);
            AtomicFile.FsyncDirectory(store.Location);
            if (RootKeyProtection.KeepsRootKey(mode)) UnlockedRootKeys.Put(store.Location, doc.StoreId, root, store.Now + LocalKeyStore.DefaultUnlockTimeout);
            audit.SendToSink(restored);
        }
    }

    /// <summary>Counts what passes through to the output (the backup's size).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }
    }
}
