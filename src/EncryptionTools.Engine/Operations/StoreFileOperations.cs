using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Operations;

/// <summary>Which keys a file is encrypted (or rewrapped) to, as the user named them.</summary>
public sealed record FileKeys
{
    /// <summary>Store keys: ids, ARNs or aliases. Empty with no recipients: the module-managed default key.</summary>
    public IReadOnlyList<string> KeyIds { get; init; } = [];
    /// <summary>RSA public keys as PEM files (the holder of the private key decrypts).</summary>
    public IReadOnlyList<string> RecipientPemFiles { get; init; } = [];
    /// <summary>RSA public keys as PEM text (e.g. Export-EncKey -PublicKeyOnly's PublicKeyPem).</summary>
    public IReadOnlyList<string> RecipientPems { get; init; } = [];
    /// <summary>Other keyrings (the CLI's raw --key-file keys).</summary>
    public IReadOnlyList<IKeyring> ExtraKeyrings { get; init; } = [];

    public bool HasRecipients => RecipientPemFiles.Count > 0 || RecipientPems.Count > 0;
}

/// <summary>What Update-EncFileKey / <c>enctools rewrap</c> should do to one file's recipients.</summary>
public sealed record RewrapSettings
{
    /// <summary>When set, the file's recipients become exactly these keys (plus <see cref="AddRecipientPemFiles"/>).</summary>
    public IReadOnlyList<string>? ReplaceWithKeyIds { get; init; }
    public IReadOnlyList<string> AddKeyIds { get; init; } = [];
    /// <summary>Store keys whose EDKs (every version) are removed.</summary>
    public IReadOnlyList<string> RemoveKeyIds { get; init; } = [];
    public IReadOnlyList<string> AddRecipientPemFiles { get; init; } = [];
    /// <summary>RSA public keys as PEM text to add as recipients.</summary>
    public IReadOnlyList<string> AddRecipientPems { get; init; } = [];
    public IReadOnlyList<string> RemoveRecipientPemFiles { get; init; } = [];
    /// <summary>Re-wrap EDKs made by an older version of a store key under its newest version (enabled keys only).</summary>
    public bool UpgradeToCurrentVersion { get; init; } = true;
    /// <summary>Only these keys' EDKs are upgraded (key ids); null: every store key.</summary>
    public IReadOnlyCollection<string>? UpgradeOnly { get; init; }
    public IReadOnlyDictionary<string, string>? RequiredEncryptionContext { get; init; }
    /// <summary>Other keyrings that may unwrap the data key (raw --key-file keys).</summary>
    public IReadOnlyList<IKeyring> ExtraUnwrapKeyrings { get; init; } = [];
    public bool AllowFullRewrite { get; init; } = true;
}

/// <summary>One file's rewrap: the result, "skipped" (nothing to change), or a typed error.</summary>
public sealed record RewrapOutcome(string Path, RewrapResult? Result, EncryptionToolsException? Error, string? Skipped = null)
{
    public bool Succeeded => Error is null;
    /// <summary>Warnings with stable ids (e.g. a journal beside the file that was not ours and was ignored).</summary>
    public IReadOnlyList<EngineWarning> Warnings { get; init; } = [];
}

/// <summary>Progress of a batch of header-only operations: files, not bytes (each costs the same).</summary>
public sealed record FileCountProgress(string Path, int FileNumber, int FileCount);

/// <summary>
/// The PowerShell-free glue between the key store and the file engine, shared by the cmdlets and the CLI: turns the
/// keys a user named into keyrings (cached for the session and zeroed on dispose), runs batches, rewraps files with
/// store keys, resolves EDKs to store keys, and rotates a key then rewraps the files that used its older versions.
/// One instance per cmdlet invocation or CLI run; not thread-safe.
/// </summary>
public sealed class StoreFileOperations(IKeyStoreProvider store) : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly AuditHold _hold = new();
    private readonly List<IStoreKeyring> _storeKeyrings = [];
    private readonly Dictionary<string, IReadOnlyList<IKeyring>> _encryptCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IStoreKeyring> _decryptCache = new(StringComparer.Ordinal);
    private Dictionary<string, List<string>>? _aliases;
    private SidecarKey? _sidecarKey;

    public IKeyStoreProvider Store { get; } = store;

    /// <summary>
    /// The store's key for the journals of in-place rewraps (derived from its root key on first use, wiped on dispose);
    /// null for a store that has none (a journal is then never applied, and rewraps rewrite whole files).
    /// </summary>
    public SidecarKey? SidecarKey => _sidecarKey ??= Store is ISidecarKeySource source ? new SidecarKey(source.DeriveSidecarKey) : null;

    // ---------------------------------------------------------------- encryption and decryption

    /// <summary>The keyrings for <paramref name="keys"/>: one store keyring (an EDK per key), one per recipient, and the extras.</summary>
    public IReadOnlyList<IKeyring> EncryptKeyrings(FileKeys keys)
    {
        var cacheKey = string.Join("\n", keys.KeyIds) + "\0" + string.Join("\n", keys.RecipientPemFiles) + "\0" + string.Join("\n", keys.RecipientPems);
        if (keys.ExtraKeyrings.Count == 0 && _encryptCache.TryGetValue(cacheKey, out var cached)) return cached;
        var keyrings = new List<IKeyring>();
        if (keys.KeyIds.Count > 0 || (!keys.HasRecipients && keys.ExtraKeyrings.Count == 0))
            keyrings.Add(Held(Store.CreateEncryptKeyring(keys.KeyIds)));
        foreach (var file in keys.RecipientPemFiles) keyrings.Add(Own(RsaRecipient.FromPemFile(file)));
        foreach (var pem in keys.RecipientPems) keyrings.Add(Own(RsaRecipient.FromPem(pem)));
        keyrings.AddRange(keys.ExtraKeyrings);
        if (keys.ExtraKeyrings.Count == 0) _encryptCache[cacheKey] = keyrings;
        return keyrings;
    }

    /// <summary>A decrypt keyring of the store (null: every key; otherwise strict: only those keys).</summary>
    public IStoreKeyring DecryptKeyring(IReadOnlyList<string>? restrictTo = null)
    {
        var cacheKey = restrictTo is null ? "*" : "=" + string.Join("\n", restrictTo);
        if (!_decryptCache.TryGetValue(cacheKey, out var keyring))
            _decryptCache[cacheKey] = keyring = Held(Store.CreateDecryptKeyring(restrictTo));
        return keyring;
    }

    /// <summary>
    /// Writes the audit records of key uses so far. Batches call it before publishing each group of files (it is their
    /// <see cref="FileOperationOptions.BeforePublish"/>), rewraps after each file, and Dispose at the end.
    /// </summary>
    public void FlushAuditRecords() => _hold.Flush();

    /// <summary>
    /// Completes a request whose options the caller set: the keyrings for <paramref name="keys"/>, and for the in-place
    /// verification pass the encrypt keyrings plus the store's decrypt keyring (so RSA and PEM recipients whose private
    /// key this store holds verify too).
    /// </summary>
    public ProtectRequest PrepareProtect(FileKeys keys, ProtectRequest options)
    {
        var keyrings = EncryptKeyrings(keys);
        IReadOnlyList<IKeyring>? verify = options.InPlace ? [.. keyrings, DecryptKeyring()] : null;
        return options with
        {
            Keyrings = keyrings, VerifyKeyrings = verify, BeforePublish = Chain(options.BeforePublish),
            BeforeEachFile = NameFile + options.BeforeEachFile,
        };
    }

    /// <summary>Completes a decryption request: the store's keys (restricted to <paramref name="restrictTo"/> when given), then the caller's own keyrings.</summary>
    public UnprotectRequest PrepareUnprotect(IReadOnlyList<string>? restrictTo, UnprotectRequest options, bool useStore = true) =>
        options with
        {
            Keyrings = useStore ? [DecryptKeyring(restrictTo), .. options.Keyrings] : options.Keyrings,
            SidecarKey = options.SidecarKey ?? (useStore ? SidecarKey : null),
            BeforePublish = Chain(options.BeforePublish),
            BeforeEachFile = NameFile + options.BeforeEachFile,
        };

    /// <summary>The file the session's keyrings serve now: their audit records name it.</summary>
    private void NameFile(string path) => Serve(path, reEncrypt: false);

    /// <summary>
    /// The file the session's keyrings serve now, and whether as a re-encryption (a rewrap: kms:ReEncryptFrom and
    /// kms:ReEncryptTo, as KMS ReEncrypt, instead of kms:Decrypt and kms:GenerateDataKey).
    /// </summary>
    private void Serve(string path, bool reEncrypt)
    {
        foreach (var keyring in _storeKeyrings) keyring.FileContext = new StoreFileContext { FilePath = path, ReEncrypt = reEncrypt };
    }

    private Action Chain(Action? next) => next is null ? FlushAuditRecords : () =>
    {
        FlushAuditRecords();
        next();
    };

    public IEnumerable<FileOutcome> Protect(IEnumerable<string> paths, FileKeys keys, ProtectRequest options,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FileProtector.Protect(paths, PrepareProtect(keys, options), progress, cancellationToken);

    public IEnumerable<FileOutcome> Unprotect(IEnumerable<string> paths, IReadOnlyList<string>? restrictTo, UnprotectRequest options,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FileProtector.Unprotect(paths, PrepareUnprotect(restrictTo, options), progress, cancellationToken);

    // ---------------------------------------------------------------- inspection

    /// <summary>Reads only the header and resolves each EDK to the store's key id, aliases and version, or Unknown.</summary>
    public EncryptedFileInfo Describe(string path, MessageLimits? limits = null)
    {
        IStoreKeyring? keyring;
        string? unavailable = null;
        try
        {
            keyring = DecryptKeyring();
        }
        catch (EncryptionToolsException ex) when (ex.ErrorId != StoreErrorIds.StoreNotFound)
        {
            // A locked store still lets the header be described; a named store that does not exist is a mistake to report.
            keyring = null;
            unavailable = $"the key store could not be read: {ex.Message}";
        }
        return EncryptedFileInfo.Read(path, limits, (edk, info) => Resolve(keyring, unavailable, edk, info));
    }

    private EncryptedDataKeyInfo Resolve(IStoreKeyring? keyring, string? unavailable, EncryptedDataKey edk, EncryptedDataKeyInfo info)
    {
        if (keyring is null) return info with { Resolution = EdkResolution.Unknown, Note = unavailable };
        var reference = keyring.Identify(edk);
        if (reference is null)
            return info with
            {
                Resolution = EdkResolution.Unknown,
                Note = edk.ProviderId.StartsWith("aws-kms", StringComparison.Ordinal)
                    ? "an AWS KMS key; not a key of this store"
                    : $"no key of the store '{Store.Location}' made it",
            };
        return info with { Resolution = EdkResolution.InStore, KeyId = reference.KeyId, Version = reference.Version, Aliases = AliasesOf(reference.KeyId) };
    }

    private IReadOnlyList<string> AliasesOf(string keyId)
    {
        if (_aliases is null)
        {
            _aliases = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var alias in Store.GetAliases())
            {
                if (!_aliases.TryGetValue(alias.KeyId, out var list)) _aliases[alias.KeyId] = list = [];
                list.Add(alias.AliasName);
            }
        }
        return _aliases.TryGetValue(keyId, out var found) ? found : [];
    }

    private Dictionary<string, EncKey>? _catalog;

    /// <summary>
    /// How a person names each key of a result: a store key by its first alias (else its key id) and version, any other
    /// key by its provider id and name. The store is read without an audit record (naming a key is not using it).
    /// </summary>
    public IReadOnlyList<string> KeyLabels(IEnumerable<FileKeyIdentity> keys)
    {
        if (_catalog is null)
        {
            try
            {
                _catalog = Store.PeekCatalog().Keys.ToDictionary(k => k.KeyId, StringComparer.Ordinal);
            }
            catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
            {
                _catalog = new Dictionary<string, EncKey>(StringComparer.Ordinal); // a locked store: plain identities
            }
        }
        return keys.Select(Label).ToList();
    }

    private string Label(FileKeyIdentity identity)
    {
        foreach (var key in _catalog!.Values)
        {
            if (key.KeyNamespace != identity.ProviderId) continue;
            var version = identity.KeyName == key.KeyName ? key.CurrentVersion : VersionOf(identity.KeyName, key.KeyId);
            if (version is null) continue;
            return (key.Aliases.Count > 0 ? key.Aliases[0] : key.KeyId) + " v" + version.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return UntrustedText.Neutralize(identity.ToString());
    }

    private static int? VersionOf(string keyName, string keyId)
    {
        var prefix = keyId + "/v";
        return keyName.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(keyName.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    // ---------------------------------------------------------------- rewrap

    /// <summary>Rewraps one file's header with store keys as <paramref name="settings"/> say. Typed errors are thrown.</summary>
    public RewrapOutcome Rewrap(string path, RewrapSettings settings, CancellationToken cancellationToken = default)
    {
        path = Path.GetFullPath(path);
        var journalWarning = HeaderRewrap.RecoverFile(path, SidecarKey)?.Warning;
        IReadOnlyList<EngineWarning> warnings = journalWarning is null ? [] : [journalWarning];
        var header = FileCrypto.ReadHeader(path);
        var identify = DecryptKeyring();
        var edks = header.EncryptedDataKeys.Where(e => !HeaderReserve.IsPadding(e)).ToList();

        var removeKeyIds = settings.RemoveKeyIds.Select(id => Store.GetKey(id).KeyId).ToHashSet(StringComparer.Ordinal);
        var removeIdentities = settings.RemoveRecipientPemFiles
            .Select(f => RsaRecipient.IdentityOfPem(ReadPem(f), f)).Select(i => new FileKeyIdentity(i.ProviderId, i.KeyName)).ToList();
        var replaceAll = settings.ReplaceWithKeyIds is not null;

        var add = new List<string>(settings.ReplaceWithKeyIds ?? []);
        add.AddRange(settings.AddKeyIds);
        var upgradeRemove = new List<FileKeyIdentity>();
        if (settings.UpgradeToCurrentVersion && !replaceAll)
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
        if (add.Count > 0) addKeyrings.Add(Held(Store.CreateEncryptKeyring(add)));
        foreach (var file in settings.AddRecipientPemFiles) addKeyrings.Add(Own(RsaRecipient.FromPemFile(file)));
        foreach (var pem in settings.AddRecipientPems) addKeyrings.Add(Own(RsaRecipient.FromPem(pem)));

        var nothingToDo = !replaceAll && addKeyrings.Count == 0 && removeKeyIds.Count == 0 && removeIdentities.Count == 0;
        if (nothingToDo)
            return new RewrapOutcome(path, null, null, "every key of the file is already at its newest version; nothing to change") { Warnings = warnings };
        if (header.Suite.IsSigned && !replaceAll)
        {
            // Re-signing changes the context the store's AES-wrapped EDKs are bound to: each one kept is wrapped again (current version).
            var again = new List<string>();
            foreach (var edk in edks)
            {
                if (!HeaderRewrap.IsContextBound(edk) || identify.Identify(edk) is not { } reference || removeKeyIds.Contains(reference.KeyId)) continue;
                upgradeRemove.Add(FileKeyIdentity.Of(edk));
                if (!add.Contains(reference.KeyId) && !again.Contains(reference.KeyId)) again.Add(reference.KeyId);
            }
            if (again.Count > 0) addKeyrings.Add(Held(Store.CreateEncryptKeyring(again)));
        }

        var request = new RewrapRequest
        {
            UnwrapKeyrings = [identify, .. settings.ExtraUnwrapKeyrings],
            AddKeyrings = addKeyrings,
            RemoveAllExisting = replaceAll,
            Remove = edk => upgradeRemove.Any(i => i.Matches(edk))
                || (identify.Identify(edk) is { } r && removeKeyIds.Contains(r.KeyId))
                || removeIdentities.Any(i => i.Matches(edk)),
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

    /// <summary>Rewraps many files; one outcome per file, errors typed and never stopping the batch.</summary>
    public IEnumerable<RewrapOutcome> RewrapMany(IReadOnlyList<string> paths, RewrapSettings settings,
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
    public RewrapOutcome RewrapOne(string path, RewrapSettings settings, CancellationToken cancellationToken = default)
    {
        try
        {
            return Rewrap(path, settings, cancellationToken);
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
    /// Rotates <paramref name="keyIdentifier"/>, then rewraps under its new version every file whose header holds an
    /// EDK of an older version of it (other files come back as skipped). The rotation happens first and once, before
    /// this returns; the files are rewrapped as the caller enumerates.
    /// </summary>
    public (EncKey Key, IEnumerable<RewrapOutcome> Files) RotateAndRewrap(string keyIdentifier, IReadOnlyList<string> paths,
        IProgress<FileCountProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var key = Store.RotateKey(keyIdentifier);
        InvalidateKeyrings();
        return (key, RewrapMany(paths, RewrapAfterRotation(key), progress, cancellationToken));
    }

    /// <summary>The rewrap that follows a rotation of <paramref name="key"/>: only its EDKs move, to its newest version.</summary>
    public static RewrapSettings RewrapAfterRotation(EncKey key) => new() { UpgradeOnly = [key.KeyId] };

    /// <summary>Forgets cached keyrings (after a rotation or a state change the store's keys are read again).</summary>
    public void InvalidateKeyrings()
    {
        _storeKeyrings.Clear();
        _encryptCache.Clear();
        _decryptCache.Clear();
        _aliases = null;
        _catalog = null;
    }

    // ---------------------------------------------------------------- helpers

    private static string ReadPem(string file)
    {
        try { return File.ReadAllText(file); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EncryptionToolsException(ErrorCatalog.RecipientKeyNotFound,
                $"Cannot read the recipient public key '{file}': {ex.Message}", ex) { Target = file };
        }
    }

    /// <summary>A store keyring of this session: its audit records are held and written in groups (<see cref="FlushAuditRecords"/>).</summary>
    private IStoreKeyring Held(IStoreKeyring keyring)
    {
        keyring.HoldAuditRecords(_hold);
        _storeKeyrings.Add(keyring);
        return Own(keyring);
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        try { FlushAuditRecords(); }
        catch (EncryptionToolsException) { /* key uses still held produced no output (a dropped group, a stopped batch) */ }
        finally
        {
            foreach (var item in _owned) item.Dispose();
            _owned.Clear();
            _sidecarKey?.Dispose();
            _sidecarKey = null;
            InvalidateKeyrings();
        }
    }
}
