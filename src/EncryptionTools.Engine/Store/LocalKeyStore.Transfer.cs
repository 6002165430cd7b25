using System.Security.Cryptography;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Store;

// Keys that move whole (export and import of every version) and whole-store backup and restore.
public sealed partial class LocalKeyStore : IKeyTransfer
{
    public EncKeyPackage ExportKeyPackage(string keyIdentifier)
    {
        using var scope = Enter();
        EncKeyPackage? package = null;
        Mutate("KeyExported", ctx =>
        {
            var key = ResolveKey(ctx.Doc, keyIdentifier);
            Demand(ctx.Doc, key, KmsActions.ExportKeyMaterial);
            RefuseUnusable(key, "exported");
            if (!key.Exportable)
                throw new KeyStoreException(StoreErrorIds.KeyNotExportable, EngineErrorCategory.SecurityError,
                    $"The key {key.KeyId} was not created exportable, so its material never leaves the store. " +
                    "Exportability is fixed when a key is created (New-EncKey -Exportable); Backup-EncKeyStore moves a whole store instead.") { Target = key.KeyId };
            package = new EncKeyPackage
            {
                KeyId = key.KeyId,
                SourceArn = Arns.Key(ctx.Doc.StoreId, key.KeyId),
                SourceStoreId = ctx.Doc.StoreId,
                KeySpec = key.KeySpec,
                Origin = key.Origin,
                Description = key.Description,
                Tags = new Dictionary<string, string>(key.Tags, StringComparer.Ordinal),
                Aliases = ctx.Doc.Aliases.Where(a => a.KeyId == key.KeyId).Select(a => a.AliasName).OrderBy(a => a, StringComparer.OrdinalIgnoreCase).ToList(),
                CreationDate = key.CreationDate,
                RotationEnabled = key.RotationEnabled,
                RotationPeriodInDays = key.RotationPeriodInDays,
                NextRotationDate = key.NextRotationDate,
                MinimumDecryptionVersion = key.MinimumDecryptionVersion,
                Exportable = key.Exportable,
                KeyNamespace = key.KeyNamespace,
                Creator = key.Creator,
                Policy = key.Policy,
                Versions = key.Versions.Select(v => new EncKeyPackageVersion(v.Version, v.KeyName, v.CreationDate, v.RotationType,
                    v.Material?.ToArray(),
                    v.PrivateKey is null ? null : PemEncoding.WriteString("PRIVATE KEY", v.PrivateKey),
                    v.PublicKey is null ? null : PemEncoding.WriteString("PUBLIC KEY", v.PublicKey))).ToList(),
            };
            Record(ctx, key, "Exported", key.CurrentVersion, $"whole key: {key.Versions.Count} version(s)");
            return key.KeyId;
        }, (_, _) => 0);
        return package!;
    }

    public EncKey ImportKeyPackage(EncKeyPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        using var scope = Enter();
        Call.Action = KmsActions.CreateKey;
        var versions = CheckPackage(package);
        try
        {
            var policy = package.Policy is null ? null : ValidatePolicy(package.Policy);
            var aliases = package.Aliases.Select(CheckUserAlias).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var keyId = KeyIds.TryNormalize(package.KeyId, out var id) ? id : throw EncKeyPackage.Invalid($"'{package.KeyId}' is not a key id.");
            if (StoreCall.CurrentScope.Value is { } call) call.KeyId = keyId;
            return Mutate("KeyImported", ctx =>
            {
                if (ctx.Doc.Keys.Any(k => k.KeyId == keyId) || ctx.Doc.DeletedKeys.Any(k => k.KeyId == keyId))
                    throw new KeyStoreException(StoreErrorIds.KeyExists, EngineErrorCategory.ResourceExists,
                        $"The key store '{Location}' already has a key {keyId} (or had one, deleted); nothing was imported. " +
                        "A key is imported once: remove the copy in this store first, or keep using it.") { Target = keyId };
                var names = versions.Select(v => v.KeyName).ToHashSet(StringComparer.Ordinal);
                foreach (var other in ctx.Doc.Keys)
                    if (other.KeyNamespace == package.KeyNamespace && other.Versions.Any(v => names.Contains(v.KeyName)))
                        throw new KeyStoreException(StoreErrorIds.KeyExists, EngineErrorCategory.ResourceExists,
                            $"The key {other.KeyId} already uses namespace '{package.KeyNamespace}' and one of the key names of {keyId}; two keys cannot share them. Nothing was imported.") { Target = keyId };
                foreach (var alias in aliases)
                {
                    var existing = ctx.Doc.Aliases.FirstOrDefault(a => Aliases.Equal(a.AliasName, alias));
                    if (existing is not null)
                        throw new KeyStoreException(StoreErrorIds.AliasExists, EngineErrorCategory.ResourceExists,
                            $"The alias '{existing.AliasName}' already exists and points to key {existing.KeyId}; the key {keyId} was not imported.") { Target = alias };
                }
                var key = new KeyRecord
                {
                    KeyId = keyId,
                    Description = package.Description ?? "",
                    Tags = new Dictionary<string, string>(package.Tags, StringComparer.Ordinal),
                    KeyState = KeyState.Enabled,
                    KeySpec = package.KeySpec,
                    KeyUsage = KeyUsage.ENCRYPT_DECRYPT,
                    Origin = package.Origin,
                    KeyManager = KeyManager.Customer,
                    CreationDate = package.CreationDate,
                    RotationEnabled = package.RotationEnabled,
                    RotationPeriodInDays = package.RotationPeriodInDays,
                    NextRotationDate = package.RotationEnabled ? package.NextRotationDate : null,
                    MinimumDecryptionVersion = package.MinimumDecryptionVersion,
                    Exportable = package.Exportable,
                    KeyNamespace = package.KeyNamespace,
                    Creator = string.IsNullOrEmpty(package.Creator) ? StoreCall.CurrentScope.Value?.Principal ?? "user:" + KeyPolicies.CurrentUser() : package.Creator,
                    Policy = policy,
                    Versions = versions,
                };
                if (policy is not null) CheckLockout(ctx.Doc, key, policy, bypass: false);
                ctx.Doc.Keys.Add(key);
                Record(ctx, key, "Imported", key.CurrentVersion,
                    $"moved whole from key store {package.SourceStoreId}: {versions.Count} version(s), minimum decryption version {key.MinimumDecryptionVersion}");
                foreach (var alias in aliases)
                {
                    ctx.Doc.Aliases.Add(new AliasRecord { AliasName = alias, KeyId = keyId, CreationDate = ctx.Now, LastUpdatedDate = ctx.Now });
                    ctx.Event(keyId, null, alias, null, "AliasCreated");
                }
                return keyId;
            }, (created, doc) => ToEncKey(doc, created), createIfMissing: true);
        }
        catch
        {
            // On success the records belong to the saved (and cached) document; on failure nothing holds them.
            foreach (var v in versions) v.ZeroMaterial();
            throw;
        }
    }

    /// <summary>Checks a package from outside and turns it into version records (material copied; the caller zeroes them).</summary>
    private static List<KeyVersionRecord> CheckPackage(EncKeyPackage package)
    {
        if (package.FormatVersion != EncKeyPackage.CurrentFormatVersion)
            throw EncKeyPackage.Invalid($"The key package has format version {package.FormatVersion}; this module reads version {EncKeyPackage.CurrentFormatVersion}.");
        if (string.IsNullOrEmpty(package.KeyNamespace) || package.KeyNamespace.StartsWith("aws-kms", StringComparison.Ordinal))
            throw EncKeyPackage.Invalid("The key package's namespace is empty or starts with 'aws-kms', which belongs to AWS KMS keyrings.");
        if (package.Versions is not { Count: > 0 })
            throw EncKeyPackage.Invalid("The key package holds no version.");
        if (package.MinimumDecryptionVersion < 1 || package.MinimumDecryptionVersion > package.CurrentVersion)
            throw EncKeyPackage.Invalid($"The key package's minimum decryption version {package.MinimumDecryptionVersion} is not one of its versions.");
        if (package.RotationPeriodInDays is < MinRotationPeriodInDays or > MaxRotationPeriodInDays)
            throw EncKeyPackage.Invalid($"The key package's rotation period {package.RotationPeriodInDays} is outside {MinRotationPeriodInDays} to {MaxRotationPeriodInDays} days.");
        ValidateTags(package.Tags);
        ValidateDescription(package.Description);
        var records = new List<KeyVersionRecord>();
        try
        {
            for (var i = 0; i < package.Versions.Count; i++)
            {
                var v = package.Versions[i];
                if (v.Version != i + 1) throw EncKeyPackage.Invalid($"The key package's versions are not 1 to {package.Versions.Count} in order.");
                if (string.IsNullOrEmpty(v.KeyName)) throw EncKeyPackage.Invalid($"Version {v.Version} of the key package has no key name.");
                var record = new KeyVersionRecord { Version = v.Version, KeyName = v.KeyName, CreationDate = v.CreationDate, RotationType = v.RotationType };
                records.Add(record);
                if (package.KeySpec == KeySpec.SYMMETRIC_DEFAULT)
                {
                    if (v.KeyMaterial is not { Length: 32 }) throw EncKeyPackage.Invalid($"Version {v.Version} of the key package does not hold a 256-bit AES key.");
                    record.Material = v.KeyMaterial.ToArray();
                    continue;
                }
                if (string.IsNullOrEmpty(v.PrivateKeyPem)) throw EncKeyPackage.Invalid($"Version {v.Version} of the key package holds no RSA private key.");
                using var rsa = RSA.Create();
                try { rsa.ImportFromPem(v.PrivateKeyPem); }
                catch (Exception ex) when (ex is ArgumentException or CryptographicException)
                {
                    throw EncKeyPackage.Invalid($"Version {v.Version} of the key package does not hold a readable RSA private key.", ex);
                }
                var bits = package.KeySpec == KeySpec.RSA_3072 ? 3072 : 4096;
                if (rsa.KeySize != bits) throw EncKeyPackage.Invalid($"Version {v.Version} of the key package is a {rsa.KeySize}-bit key, not {package.KeySpec}.");
                record.PrivateKey = rsa.ExportPkcs8PrivateKey();
                record.PublicKey = rsa.ExportSubjectPublicKeyInfo();
            }
            return records;
        }
        catch
        {
            foreach (var r in records) r.ZeroMaterial();
            throw;
        }
    }

    // ------------------------------------------------------------------ whole-store backup and restore

    /// <summary>
    /// Takes a consistent copy under the writer lock (the data document and the audit log up to its last whole record) and
    /// writes it encrypted. The backup is recorded in the store's audit log (after the copy, so the copy does not hold it).
    /// Equal in power to copying the store with its root key: it needs the store's root key, not a key policy.
    /// </summary>
    public StoreBackupInfo Backup(Stream output, StoreBackupProtection protection)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(protection);
        using var scope = Enter();
        byte[]? plaintext = null;
        StoreBackupInfo? info = null;
        try
        {
            Mutate("StoreBackedUp", ctx =>
            {
                var audit = ReadAuditFilesForBackup();
                var document = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ctx.Doc, StoreSchema.DocumentInfo);
                try
                {
                    plaintext = StoreBackupFormat.Serialize(new StoreBackupFormat.Payload(ctx.Doc.StoreId, ctx.Now, Location, document,
                        StoreSchema.CurrentDataVersion, audit));
                }
                finally { CryptographicOperations.ZeroMemory(document); }
                var counting = new CountingStream(output);
                StoreBackupFormat.Encrypt(plaintext, counting, ctx.Doc.StoreId, protection, _options.PasswordIterationFloor);
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
                    AuditFileCount = audit.Count, Bytes = counting.Written, Protection = kind,
                };
                ctx.Events.Add(new StoreEvent { Time = ctx.Now, Operation = "StoreBackedUp", Action = "StoreBackedUp", StoreLocation = Location,
                    StoreId = ctx.Doc.StoreId, Detail = $"{ctx.Doc.Keys.Count} key(s), {audit.Count} audit file(s), encrypted to {kind}" });
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
        if (!Directory.Exists(AuditDirectory)) return files;
        var head = Path.Combine(AuditDirectory, Audit.AuditLog.HeadFileName);
        if (File.Exists(head)) files.Add((Audit.AuditLog.HeadFileName, File.ReadAllBytes(head)));
        foreach (var path in Directory.GetFiles(AuditDirectory, Audit.AuditLog.FilePrefix + "*" + Audit.AuditLog.FileExtension).Order(StringComparer.Ordinal))
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
        using var scope = Enter();
        if (ReadDescriptor() is not null) throw StoreExists();
        var plaintext = StoreBackupFormat.Decrypt(input, request, _options.PasswordIterationFloor);
        StoreBackupFormat.Payload payload;
        try { payload = StoreBackupFormat.Parse(plaintext); }
        finally { CryptographicOperations.ZeroMemory(plaintext); }
        StoreDocument doc;
        try { doc = StoreSchema.ParseData(payload.Document, payload.DocumentVersion, Location); }
        finally { CryptographicOperations.ZeroMemory(payload.Document); }
        try
        {
            if (doc.StoreId != payload.StoreId) throw StoreBackupFormat.Invalid("The backup's document belongs to another store than the backup names.");
            var protection = request.Protection;
            var mode = protection.Protection ?? (protection.NewPassword is not null ? StoreProtection.Password : DefaultProtection());
            if (mode == StoreProtection.Password && (protection.NewPassword is null || protection.NewPassword.Length == 0))
                throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired, "Password protection of the restored store needs a password (-StorePassword).");
            using (AcquireWriteLock(create: true))
            {
                if (ReadDescriptor() is not null) throw StoreExists();
                if (File.Exists(DataPath) && !File.Exists(InitMarkerPath))
                    throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                        $"'{Location}' has a key store data file but no descriptor; nothing was restored over it.") { Target = Location };
                SetAsideForeignAuditLog();
                WriteFileAtomically(InitMarkerPath, []);
                if (payload.AuditFiles.Count > 0)
                {
                    if (OperatingSystem.IsWindows()) Directory.CreateDirectory(AuditDirectory);
                    else Directory.CreateDirectory(AuditDirectory, StorePermissions.DirectoryMode);
                    foreach (var (name, content) in payload.AuditFiles) WriteFileAtomically(Path.Combine(AuditDirectory, name), content);
                }
                var root = RandomNumberGenerator.GetBytes(StoreFiles.RootKeyBytes);
                try
                {
                    var descriptor = BuildDescriptor(doc.StoreId, doc.CreationDate, root, mode, protection.NewPassword, protection.PasswordIterations);
                    RememberAuditKey(doc);
                    NoteAnchor(doc);
                    StoreEvent[] restored = [new StoreEvent { Time = Now, Operation = "StoreRestored", Action = "StoreRestored", StoreLocation = Location,
                        StoreId = doc.StoreId, Detail = $"from a backup of {payload.BackupDate:u} of '{UntrustedText.Neutralize(payload.SourceLocation, 256)}'; {doc.Keys.Count} key(s); protection {mode}" }];
                    RecordAhead(doc, restored, changed: true);
                    Save(descriptor, doc, root);
                    CommitDescriptor(descriptor, root);
                    File.Delete(InitMarkerPath);
                    AtomicFile.FsyncDirectory(Location);
                    if (mode == StoreProtection.Password) UnlockedRootKeys.Put(Location, doc.StoreId, root, Now + DefaultUnlockTimeout);
                    SendToSink(restored);
                }
                finally { CryptographicOperations.ZeroMemory(root); }
            }
        }
        catch (EncryptionToolsException ex)
        {
            EmitFailure("StoreRestored", ex);
            throw;
        }
        finally { doc.ZeroMaterial(); }
        DropCache();
        return GetStoreInfo();
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
