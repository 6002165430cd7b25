using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Operations;

/// <summary>
/// The one route of the file operations, for the cmdlets, the CLI and the tests alike: <see cref="Protect(IEnumerable{string}, FileKeys, ProtectRequest, IProgress{FileProgress}, CancellationToken)"/>,
/// <see cref="Unprotect(IEnumerable{string}, IReadOnlyList{string}, UnprotectRequest, IProgress{FileProgress}, CancellationToken)"/>
/// (each for known paths or a <see cref="FileFeed"/> of pipeline input), <see cref="Rewrap"/> and
/// <see cref="RotateAndRewrap"/>. It turns the keys a user named into keyrings (cached for the session and zeroed on
/// dispose), names each file in the store's audit records and writes them before each group of outputs is published,
/// and runs the batch in <see cref="FileProtector"/>. Without a store (the CLI's raw --key-file keys alone) only the
/// caller's keyrings are used. One instance per cmdlet invocation or CLI run; not thread-safe.
/// </summary>
public sealed partial class FileOperations(IKeyStoreProvider? store) : IDisposable
{
    /// <summary>
    /// ".enc": what the CLI already writes, short, and not claimed by another common tool (aws-encryption-cli's own
    /// default ".encrypted" is wordy, and it also appends on decryption, which we do not).
    /// </summary>
    public const string DefaultSuffix = FileProtector.DefaultSuffix;

    private readonly List<IDisposable> _owned = [];
    private readonly AuditHold _hold = new();
    private readonly List<IStoreKeyring> _storeKeyrings = [];
    private readonly Dictionary<string, IReadOnlyList<IKeyring>> _encryptCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IStoreKeyring> _decryptCache = new(StringComparer.Ordinal);
    private Dictionary<string, List<string>>? _aliases;
    private SidecarKey? _sidecarKey;

    /// <summary>The key store; an operation that needs it fails when the session has none.</summary>
    public IKeyStoreProvider Store => store ?? throw new InvalidOperationException("This file operation needs a key store, and the session has none.");

    /// <summary>The keys outside the process a decryption may call when the caller named none (strict), and discovery.</summary>
    public ExternalKeyOptions ExternalKeys { get; set; } = ExternalKeyOptions.FromEnvironment();

    /// <summary>Whether the session has a key store (the CLI's raw --key-file keys alone have none).</summary>
    public bool HasStore => store is not null;

    /// <summary>
    /// The store's key for the journals of in-place rewraps (derived from its root key on first use, wiped on dispose);
    /// null for a store that has none (a journal is then never applied, and rewraps rewrite whole files).
    /// </summary>
    public SidecarKey? SidecarKey => _sidecarKey ??= store is ISidecarKeySource source ? new SidecarKey(source.DeriveSidecarKey) : null;

    // ---------------------------------------------------------------- encryption and decryption

    /// <summary>
    /// Encrypts every file the paths name, one outcome per file, in order, lazily. The keys are resolved here, so a
    /// request that cannot work (no such key, store locked, InPlace with a Destination) throws before any file is read.
    /// Outputs are published in groups; the store's audit records of each group are written before its files appear.
    /// </summary>
    public IEnumerable<FileOutcome> Protect(IEnumerable<string> paths, FileKeys keys, ProtectRequest options,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FileProtector.Protect(paths, PrepareProtect(keys, options), progress, cancellationToken);

    /// <summary>
    /// Encrypts the files of a feed (pipeline input) as they come, grouped as in a batch of known paths; see
    /// <see cref="Protect(IEnumerable{string}, FileKeys, ProtectRequest, IProgress{FileProgress}, CancellationToken)"/>.
    /// </summary>
    public IEnumerable<FileOutcome> Protect(FileFeed feed, FileKeys keys, ProtectRequest options,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FileProtector.ProtectFeed(feed, PrepareProtect(keys, options), progress, cancellationToken);

    /// <summary>
    /// Decrypts every file the paths name with the store's keys found from their EDKs (only <paramref name="restrictTo"/>
    /// when given), then the request's own keyrings. See <see cref="Protect(IEnumerable{string}, FileKeys, ProtectRequest, IProgress{FileProgress}, CancellationToken)"/>.
    /// </summary>
    public IEnumerable<FileOutcome> Unprotect(IEnumerable<string> paths, IReadOnlyList<string>? restrictTo, UnprotectRequest options,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FileProtector.Unprotect(paths, PrepareUnprotect(restrictTo, options), progress, cancellationToken);

    /// <summary>
    /// Encrypts a stream (stdin, a pipe) to a stream with the same keys, checks and audit as files; <paramref name="name"/>
    /// names it in the audit log. See <see cref="StreamProtector"/> for what a stream can and cannot promise.
    /// </summary>
    public EncryptResult Protect(Stream input, Stream output, string name, FileKeys keys, ProtectRequest options,
        CancellationToken cancellationToken = default) =>
        StreamProtector.Protect(input, output, PrepareProtect(keys, options), name, cancellationToken);

    /// <summary>Decrypts a stream to a stream; with <paramref name="buffer"/> nothing is written until the whole message verified.</summary>
    public DecryptResult Unprotect(Stream input, Stream output, string name, IReadOnlyList<string>? restrictTo, UnprotectRequest options,
        bool buffer, CancellationToken cancellationToken = default) =>
        StreamProtector.Unprotect(input, output, PrepareUnprotect(restrictTo, options), buffer, name: name, cancellationToken: cancellationToken);

    /// <summary>Decrypts the files of a feed (pipeline input) as they come.</summary>
    public IEnumerable<FileOutcome> Unprotect(FileFeed feed, IReadOnlyList<string>? restrictTo, UnprotectRequest options,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default) =>
        FileProtector.UnprotectFeed(feed, PrepareUnprotect(restrictTo, options), progress, cancellationToken);

    /// <summary>
    /// The keyrings for <paramref name="keys"/>, in the order the keys were named: one store keyring for the local keys
    /// (an EDK per key), one per external provider for its keys (AWS KMS ARNs; the first one named makes the data key),
    /// then one per recipient, and the extras. Nothing named at all: the store's default key.
    /// </summary>
    internal IReadOnlyList<IKeyring> EncryptKeyrings(FileKeys keys)
    {
        var cacheKey = string.Join("\n", keys.KeyIds) + "\0" + string.Join("\n", keys.RecipientPemFiles) + "\0" + string.Join("\n", keys.RecipientPems);
        if (keys.ExtraKeyrings.Count == 0 && _encryptCache.TryGetValue(cacheKey, out var cached)) return cached;
        var keyrings = new List<IKeyring>();
        if (keys.KeyIds.Count > 0) keyrings.AddRange(WrapKeyrings(keys.KeyIds));
        else if (!keys.HasRecipients && keys.ExtraKeyrings.Count == 0)
            keyrings.Add(Held(Store.CreateEncryptKeyring(keys.KeyIds)));
        foreach (var file in keys.RecipientPemFiles) keyrings.Add(Own(RsaRecipient.FromPemFile(file)));
        foreach (var pem in keys.RecipientPems) keyrings.Add(Own(RsaRecipient.FromPem(pem)));
        keyrings.AddRange(keys.ExtraKeyrings);
        if (keys.ExtraKeyrings.Count == 0) _encryptCache[cacheKey] = keyrings;
        return keyrings;
    }

    /// <summary>
    /// A decrypt keyring of the store (null: every key; otherwise strict: only the local keys among those, so a list of
    /// external keys alone opens no local key). Opening it opens the store, which the CLI times apart from the file work.
    /// </summary>
    public IStoreKeyring DecryptKeyring(IReadOnlyList<string>? restrictTo = null)
    {
        if (restrictTo is not null && restrictTo.Any(IsExternalKey)) restrictTo = restrictTo.Where(k => !IsExternalKey(k)).ToList();
        var cacheKey = restrictTo is null ? "*" : "=" + string.Join("\n", restrictTo);
        if (!_decryptCache.TryGetValue(cacheKey, out var keyring))
            _decryptCache[cacheKey] = keyring = Held(Store.CreateDecryptKeyring(restrictTo));
        return keyring;
    }

    /// <summary>
    /// Writes the audit records of key uses so far. Batches call it before publishing each group of files (it is their
    /// <see cref="FileOperationOptions.BeforePublish"/>), rewraps after each file, and Dispose at the end.
    /// </summary>
    internal void FlushAuditRecords() => _hold.Flush();

    /// <summary>
    /// Completes a request whose options the caller set: the keyrings for <paramref name="keys"/>, and for the in-place
    /// verification pass the encrypt keyrings plus the store's decrypt keyring (so RSA and PEM recipients whose private
    /// key this store holds verify too).
    /// </summary>
    private ProtectRequest PrepareProtect(FileKeys keys, ProtectRequest options)
    {
        var keyrings = EncryptKeyrings(keys);
        IReadOnlyList<IKeyring>? verify = null;
        var external = keys.KeyIds.Where(IsExternalKey).ToList();
        if (options.InPlace && external.Count == 0) verify = HasStore ? [.. keyrings, DecryptKeyring()] : null;
        else if (options.InPlace)
        {
            // External keyrings that encrypt do not decrypt: the verification pass opens their EDKs with exactly the keys
            // named, and the store only when a local key is named or it exists (a KMS-only encryption needs none).
            var storeKeyring = !HasStore ? null : external.Count < keys.KeyIds.Count ? DecryptKeyring() : OptionalStoreKeyring(null);
            verify = [.. keyrings, .. storeKeyring is null ? Array.Empty<IKeyring>() : [storeKeyring], .. ExternalDecryptKeyrings(external)];
        }
        return options with
        {
            Keyrings = keyrings, VerifyKeyrings = verify, BeforePublish = Chain(options.BeforePublish),
            BeforeEachFile = NameFile + options.BeforeEachFile,
        };
    }

    /// <summary>Completes a decryption request: the store's keys (restricted to <paramref name="restrictTo"/> when given), then the caller's own keyrings.</summary>
    private UnprotectRequest PrepareUnprotect(IReadOnlyList<string>? restrictTo, UnprotectRequest options) =>
        options with
        {
            Keyrings = [.. DecryptKeyrings(restrictTo), .. options.Keyrings],
            SidecarKey = options.SidecarKey ?? SidecarKey,
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
        foreach (var keyring in _storeKeyrings)
            keyring.FileContext = new StoreFileContext { FilePath = path, ReEncrypt = reEncrypt, WrapAction = WrapActionOf(keyring) };
        ServeExternal(path);
    }

    private Action Chain(Action? next) => next is null ? FlushAuditRecords : () =>
    {
        FlushAuditRecords();
        next();
    };

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
