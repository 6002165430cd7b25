using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Operations;

public sealed partial class FileOperations
{
    // ---------------------------------------------------------------- rewrap

    /// <summary>Rewraps one file's header with store keys as <paramref name="settings"/> say. Typed errors are thrown.</summary>
    internal RewrapOutcome RewrapFile(string path, RewrapSettings settings, CancellationToken cancellationToken = default)
    {
        path = Path.GetFullPath(path);
        var journalWarning = HeaderRewrap.RecoverFile(path, SidecarKey)?.Warning;
        IReadOnlyList<EngineWarning> warnings = journalWarning is null ? [] : [journalWarning];
        var header = FileCrypto.ReadHeader(path);
        var named = (settings.ReplaceWithKeyIds ?? []).Concat(settings.AddKeyIds).Concat(settings.RemoveKeyIds).ToList();
        var namedExternal = named.Where(IsExternalKey).ToList();
        // The store identifies the file's local EDKs; a rewrap that names only external keys needs no store.
        var identify = !HasStore ? null : namedExternal.Count < named.Count || named.Count == 0 ? DecryptKeyring() : OptionalStoreKeyring(null);
        var edks = header.EncryptedDataKeys.Where(e => !HeaderReserve.IsPadding(e)).ToList();

        var removeKeyIds = settings.RemoveKeyIds.Where(id => !IsExternalKey(id)).Select(id => Store.GetKey(id).KeyId).ToHashSet(StringComparer.Ordinal);
        var removeExternal = settings.RemoveKeyIds.Where(IsExternalKey).Select(ExternalIdentity).ToList();
        var removeIdentities = settings.RemoveRecipientPemFiles
            .Select(f => RsaRecipient.IdentityOfPem(ReadPem(f), f)).Select(i => new FileKeyIdentity(i.ProviderId, i.KeyName)).ToList();
        var replaceAll = settings.ReplaceWithKeyIds is not null;

        var add = new List<string>(settings.ReplaceWithKeyIds ?? []);
        add.AddRange(settings.AddKeyIds);
        var upgradeRemove = new List<FileKeyIdentity>();
        if (settings.UpgradeToCurrentVersion && !replaceAll && identify is not null)
        {
            foreach (var edk in edks)
            {
                var reference = identify.Identify(edk);
                if (reference is null || removeKeyIds.Contains(reference.KeyId)) continue;
                if (settings.UpgradeOnly is not null && !settings.UpgradeOnly.Contains(reference.KeyId)) continue;
                // The decrypt keyring read the keys' states with the store: no second store read (and audit record) per EDK.
                if (identify.StatusOf(reference.KeyId) is not { State: KeyState.Enabled } status || reference.Version >= status.CurrentVersion) continue;
                if (edk.ProviderId == RsaRecipient.Namespace && EdkNames.KeyName(edk).StartsWith(RsaRecipient.KeyNamePrefix, StringComparison.Ordinal)) continue;
                upgradeRemove.Add(FileKeyIdentity.Of(edk));
                if (!add.Contains(reference.KeyId)) add.Add(reference.KeyId);
            }
        }
        var addKeyrings = new List<IKeyring>();
        if (add.Count > 0) addKeyrings.AddRange(WrapKeyrings(add));
        foreach (var file in settings.AddRecipientPemFiles) addKeyrings.Add(Own(RsaRecipient.FromPemFile(file)));
        foreach (var pem in settings.AddRecipientPems) addKeyrings.Add(Own(RsaRecipient.FromPem(pem)));

        var nothingToDo = !replaceAll && addKeyrings.Count == 0 && removeKeyIds.Count == 0 && removeIdentities.Count == 0 && removeExternal.Count == 0;
        if (nothingToDo)
            return new RewrapOutcome(path, null, null, "every key of the file is already at its newest version; nothing to change") { Warnings = warnings };
        if (header.Suite.IsSigned && !replaceAll)
        {
            // Re-signing changes the context the store's AES-wrapped EDKs and KMS's EDKs are bound to: each one kept is
            // wrapped again (a store key at its current version, a KMS key by its key ARN).
            var again = new List<string>();
            foreach (var edk in edks)
            {
                if (!HeaderRewrap.IsContextBound(edk)) continue;
                string keyId;
                if (IsExternalEdk(edk))
                {
                    if (KeyOf(edk) is not { } keyArn || !IsExternalKey(keyArn) || removeExternal.Any(r => r.Matches(edk))) continue;
                    keyId = keyArn;
                }
                else if (identify?.Identify(edk) is { } reference && !removeKeyIds.Contains(reference.KeyId)) keyId = reference.KeyId;
                else continue;
                upgradeRemove.Add(FileKeyIdentity.Of(edk));
                if (!add.Contains(keyId) && !again.Contains(keyId)) again.Add(keyId);
            }
            if (again.Count > 0) addKeyrings.AddRange(WrapKeyrings(again));
        }

        var request = new RewrapRequest
        {
            // External EDKs open with the allowed keys (ENCTOOLS_KMS_KEY_IDS, discovery) and the external keys this rewrap names.
            UnwrapKeyrings = [.. identify is null ? Array.Empty<IKeyring>() : [identify],
                .. ExternalDecryptKeyrings([.. ExternalKeys.AllowedKeys.Concat(namedExternal).Distinct(StringComparer.Ordinal)]),
                .. settings.ExtraUnwrapKeyrings],
            AddKeyrings = addKeyrings,
            RemoveAllExisting = replaceAll,
            Remove = edk => upgradeRemove.Any(i => i.Matches(edk))
                || (identify?.Identify(edk) is { } r && removeKeyIds.Contains(r.KeyId))
                || removeIdentities.Any(i => i.Matches(edk))
                || removeExternal.Any(i => i.Matches(edk)),
            RequiredEncryptionContext = settings.RequiredEncryptionContext,
            AllowFullRewrite = settings.AllowFullRewrite,
            SidecarKey = SidecarKey,
            BeforeWrite = FlushAuditRecords, // the key uses are recorded before the file changes
        };
        Serve(path, reEncrypt: true);
        try
        {
            var result = HeaderRewrap.Rewrap(path, request, cancellationToken);
            return new RewrapOutcome(path, result with { KeyLabelsBefore = KeyLabels(result.KeysBefore), KeyLabelsAfter = KeyLabels(result.KeysAfter) }, null)
                { Warnings = [.. warnings, .. result.Warnings.Except(warnings)] };
        }
        finally
        {
            FlushAuditRecords();
        }
    }

    /// <summary>
    /// Rewraps files' headers (Update-EncFileKey, <c>enctools rewrap</c>): one outcome per file, lazily, errors typed and
    /// never stopping the batch; the key uses of each file are recorded before it changes.
    /// </summary>
    public IEnumerable<RewrapOutcome> Rewrap(IReadOnlyList<string> paths, RewrapSettings settings,
        IProgress<FileCountProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < paths.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new FileCountProgress(paths[i], i + 1, paths.Count));
            yield return RewrapOne(paths[i], settings, cancellationToken);
        }
    }

    /// <summary>One file's rewrap as an outcome (errors typed, with the path as target).</summary>
    internal RewrapOutcome RewrapOne(string path, RewrapSettings settings, CancellationToken cancellationToken = default)
    {
        try
        {
            return RewrapFile(path, settings, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (EncryptionToolsException ex)
        {
            return new RewrapOutcome(path, null, ex); // callers use the path as the target when the error has none
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var error = ex is FileNotFoundException or DirectoryNotFoundException
                ? new EncryptionToolsException(ErrorCatalog.SourceNotFound, $"The file '{path}' does not exist.", ex) { Target = path }
                : ex is UnauthorizedAccessException && Directory.Exists(path)
                    ? new EncryptionToolsException(ErrorCatalog.SourceIsDirectory, $"'{path}' is a directory, not an encrypted file; nothing was changed. Name the files in it.", ex) { Target = path }
                : ex is UnauthorizedAccessException
                    ? new EncryptionToolsException(ErrorCatalog.FileAccessDenied, $"Rewrapping '{path}' was refused: {ex.Message}", ex) { Target = path }
                    : new EncryptionToolsException(ErrorCatalog.FileOperationFailed, $"Rewrapping '{path}' failed: {ex.Message}", ex) { Target = path };
            return new RewrapOutcome(path, null, error);
        }
    }

    /// <summary>
    /// Rotates <paramref name="keyIdentifier"/> now, once; <see cref="KeyRotation.Rewrap"/> then rewraps under its new
    /// version every file whose header holds an EDK of an older version of it (other files come back as skipped), as
    /// the caller enumerates (Invoke-EncKeyRotation -Rewrap).
    /// </summary>
    public KeyRotation RotateAndRewrap(string keyIdentifier, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (IsExternalKey(keyIdentifier))
            throw new EncryptionToolsException(ErrorCatalog.InvalidArgument,
                $"'{UntrustedText.Neutralize(keyIdentifier)}' is an AWS KMS key: KMS rotates its material itself (automatic or on-demand rotation in KMS) " +
                "and keeps decrypting what older material wrapped, so its files need no rewrap. Rotate it with AWS KMS (aws kms rotate-key-on-demand).")
            { Target = keyIdentifier };
        var key = Store.RotateKey(keyIdentifier);
        InvalidateKeyrings();
        var files = paths.ToList();
        return new KeyRotation(key, (progress, cancellationToken) => Rewrap(files, RewrapAfterRotation(key), progress, cancellationToken));
    }

    /// <summary>The rewrap that follows a rotation of <paramref name="key"/>: only its EDKs move, to its newest version.</summary>
    private static RewrapSettings RewrapAfterRotation(EncKey key) => new() { UpgradeOnly = [key.KeyId] };

    /// <summary>Forgets cached keyrings (after a rotation or a state change the store's keys are read again).</summary>
    public void InvalidateKeyrings()
    {
        _storeKeyrings.Clear();
        _encryptCache.Clear();
        _decryptCache.Clear();
        _externalDecryptCache.Clear();
        _aliases = null;
        _catalog = null;
    }
}
