using System.Text;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Operations;

// Keys held outside the process (AWS KMS): the one key-resolution path that sends each named key to its keyring.
public sealed partial class FileOperations
{
    private readonly object _useGate = new();
    private readonly List<ExternalKeyUse> _externalKeyUses = [];
    private readonly Dictionary<string, IReadOnlyList<IKeyring>> _externalDecryptCache = new(StringComparer.Ordinal);
    private ExternalKeyUseRecorder? _recorder;
    private bool _recorderResolved;
    private StoreFileContext? _externalContext;
    private SessionKeyUseSink? _sink;
    private readonly HashSet<IStoreKeyring> _wrapsOnly = new(ReferenceEqualityComparer.Instance);

    /// <summary>Every call this session's external keyrings made (AWS KMS: operation, key ARN, request id), in order.</summary>
    public IReadOnlyList<ExternalKeyUse> ExternalKeyUses
    {
        get { lock (_useGate) return _externalKeyUses.ToArray(); }
    }

    /// <summary>Whether <paramref name="keyIdentifier"/> names a key outside the process (an AWS KMS ARN), without loading its provider.</summary>
    public static bool IsExternalKey(string keyIdentifier) =>
        KeyringProviders.IsExternal(keyIdentifier) || AwsKmsArn.TryParse(keyIdentifier?.Trim(), out _);

    /// <summary>
    /// The keyrings that wrap a data key under <paramref name="keyIds"/>, in the order the keys were first named: the
    /// store's keys share one store keyring, each external provider's keys one keyring of that provider. So a first key
    /// of AWS KMS makes the data key (GenerateDataKey) and KMS keys named later wrap it (Encrypt). The store is opened
    /// only when a local key is named.
    /// </summary>
    private List<IKeyring> WrapKeyrings(IReadOnlyList<string> keyIds)
    {
        var groups = new List<(IKeyringProvider? Provider, List<string> Ids)>();
        foreach (var id in keyIds)
        {
            var provider = KeyringProviders.ForIdentifier(id);
            var index = groups.FindIndex(g => ReferenceEquals(g.Provider, provider));
            if (index < 0) groups.Add((provider, [id]));
            else groups[index].Ids.Add(id);
        }
        var keyrings = new List<IKeyring>();
        foreach (var (provider, ids) in groups)
        {
            if (provider is not null)
            {
                keyrings.Add(Own(provider.CreateEncryptKeyring(ids, KeyUseSink())));
                continue;
            }
            var local = Held(Store.CreateEncryptKeyring(ids));
            if (keyrings.Count > 0)
            {
                // An external key named before made the data key: the store's keys only wrap it (kms:Encrypt, not kms:GenerateDataKey).
                _wrapsOnly.Add(local);
                local.FileContext = new StoreFileContext { WrapAction = WrapActionOf(local) };
            }
            keyrings.Add(local);
        }
        return keyrings;
    }

    /// <summary>The action a store keyring's wraps are checked as, when not the default (the first key generating the data key).</summary>
    private string? WrapActionOf(IStoreKeyring keyring) => _wrapsOnly.Contains(keyring) ? Access.KmsActions.Encrypt : null;

    /// <summary>
    /// The keyrings a decryption tries, in order: the store's (every key, or only the local keys of
    /// <paramref name="restrictTo"/>), then one per registered external provider. An external keyring allows the
    /// external keys of <paramref name="restrictTo"/> when it is given, else <see cref="ExternalKeys"/>' allowed keys, and
    /// <see cref="ExternalKeys"/>' discovery filter; it loads its provider only for a message that holds its EDKs.
    /// When <paramref name="restrictTo"/> names only external keys, no store keyring is made (no local key may open, and a
    /// KMS-only decryption needs no store: absent or locked is fine); the store still records the KMS calls when it exists.
    /// </summary>
    internal IReadOnlyList<IKeyring> DecryptKeyrings(IReadOnlyList<string>? restrictTo)
    {
        var keyrings = new List<IKeyring>();
        var external = restrictTo?.Where(IsExternalKey).ToList();
        var externalOnly = restrictTo is not null && external!.Count == restrictTo.Count;
        if (HasStore && !externalOnly) keyrings.Add(DecryptKeyring(restrictTo));
        keyrings.AddRange(ExternalDecryptKeyrings(external ?? ExternalKeys.AllowedKeys));
        // Restricted to external keys: the store opens no key, and every other EDK was left out by the caller.
        if (externalOnly) keyrings.Add(LeftOutKeyring.Instance);
        return keyrings;
    }

    /// <summary>
    /// A store keyring where the store is only useful, not needed (<c>[]</c>: it opens no local key, for a decryption
    /// restricted to external keys); null when the store is absent or locked.
    /// </summary>
    private IStoreKeyring? OptionalStoreKeyring(IReadOnlyList<string>? restrictTo)
    {
        if (!Store.Exists) return null;
        try { return DecryptKeyring(restrictTo); }
        catch (KeyStoreException ex) when (ex.ErrorId == StoreErrorIds.StoreLocked) { return null; }
    }

    /// <summary>One lazily loaded decrypt keyring per registered external provider (and, with AWS KMS not registered, one that says so).</summary>
    internal IReadOnlyList<IKeyring> ExternalDecryptKeyrings(IReadOnlyList<string> allowedKeys)
    {
        var discovery = ExternalKeys.Discovery;
        var cacheKey = string.Join("\n", allowedKeys) + "\0" + (discovery is null ? "" : discovery.Partition + ":" + string.Join(",", discovery.AccountIds));
        if (_externalDecryptCache.TryGetValue(cacheKey, out var cached)) return cached;
        var keyrings = new List<IKeyring>();
        var registered = KeyringProviders.Registered;
        foreach (var providerId in registered)
            keyrings.Add(Own(new LazyExternalDecryptKeyring(providerId, allowedKeys, discovery, KeyUseSink)));
        if (!registered.Contains(AwsKmsArn.ProviderId)) keyrings.Add(UnavailableProviderKeyring.AwsKms);
        _externalDecryptCache[cacheKey] = keyrings;
        return keyrings;
    }

    /// <summary>
    /// Where external keyrings report their calls: this session's list and, when a store exists (and is not locked), the
    /// store's audit log, held with the store's own key uses until the next flush. No store is created for it.
    /// </summary>
    private SessionKeyUseSink KeyUseSink()
    {
        if (!_recorderResolved)
        {
            _recorderResolved = true;
            _recorder = store?.CreateExternalKeyUseRecorder();
            _recorder?.HoldAuditRecords(_hold);
            if (_recorder is not null) _recorder.FileContext = _externalContext;
        }
        return _sink ??= new SessionKeyUseSink(this);
    }

    /// <summary>The file the external keyrings' records name now (null: none, the data plane).</summary>
    internal void ServeExternal(string? path)
    {
        _externalContext = path is null ? null : new StoreFileContext { FilePath = path };
        if (_recorder is not null) _recorder.FileContext = _externalContext;
    }

    /// <summary>
    /// An external key given for removal, as the EDKs name it: its provider id and key ARN (an alias ARN is resolved with
    /// the provider's Describe).
    /// </summary>
    private FileKeyIdentityOfExternal ExternalIdentity(string keyIdentifier)
    {
        var provider = KeyringProviders.ForIdentifier(keyIdentifier)!;
        var id = keyIdentifier.Trim();
        var keyArn = AwsKmsArn.TryParse(id, out var arn) && !arn.IsAlias ? arn.ToString() : provider.Describe(id).KeyArn;
        return new FileKeyIdentityOfExternal(provider.ProviderId, keyArn);
    }

    /// <summary>An external key as its EDKs name it.</summary>
    private sealed record FileKeyIdentityOfExternal(string ProviderId, string KeyArn)
    {
        public bool Matches(EncryptedDataKey edk) => edk.ProviderId == ProviderId && KeyOf(edk) == KeyArn;
    }

    /// <summary>The key an external EDK names (its provider info as UTF-8: for AWS KMS the key ARN); null when not text.</summary>
    internal static string? KeyOf(EncryptedDataKey edk)
    {
        try { return new UTF8Encoding(false, true).GetString(edk.ProviderInfo); }
        catch (DecoderFallbackException) { return null; }
    }

    /// <summary>Whether an EDK was made by a registered external provider or by AWS KMS.</summary>
    internal static bool IsExternalEdk(EncryptedDataKey edk) =>
        edk.ProviderId == AwsKmsArn.ProviderId || KeyringProviders.Registered.Contains(edk.ProviderId);

    private sealed class SessionKeyUseSink(FileOperations session) : IKeyUseSink
    {
        public void Record(ExternalKeyUse use)
        {
            lock (session._useGate) session._externalKeyUses.Add(use);
            session._recorder?.Record(use);
        }
    }

    /// <summary>
    /// A provider's decrypt keyring, made when a message first holds one of its EDKs, so a message without any never
    /// loads the provider (and its SDK). With nothing allowed and no discovery it refuses the EDKs itself (strict
    /// decryption), without loading the provider.
    /// </summary>
    private sealed class LazyExternalDecryptKeyring(string providerId, IReadOnlyList<string> allowedKeys, DiscoveryFilter? discovery,
        Func<IKeyUseSink> sink) : IKeyring, IDisposable
    {
        private IExternalKeyring? _inner;
        private EncryptionToolsException? _unavailable;

        public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext) =>
            throw new InvalidOperationException("A decrypt keyring does not encrypt.");

        public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext)
        {
            if (edk.ProviderId != providerId) return null;
            if (allowedKeys.Count == 0 && discovery is null)
                return UnwrapResult.Fail(new EdkFailure(edk.ProviderId, EdkNames.KeyName(edk), EdkFailureKind.NotAllowed,
                    "strict decryption: no key of this service is allowed; name its ARN with -KeyId (--key) or list it in "
                    + ExternalKeyOptions.AllowedKeysVariable + ", or opt into discovery with an account filter; the service was not called")
                { ErrorId = ErrorCatalog.KmsKeyNotAllowed.Id });
            if (_inner is null && _unavailable is null)
            {
                try
                {
                    var provider = KeyringProviders.ForProviderId(providerId)
                        ?? throw new EncryptionToolsException(ErrorCatalog.KmsUnavailable, $"The keyring provider '{providerId}' is no longer registered.");
                    var allowed = allowedKeys.Where(k => provider.Recognizes(k) || !KeyringProviders.IsExternal(k)).ToList();
                    _inner = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = allowed, Discovery = discovery }, sink());
                }
                catch (EncryptionToolsException ex) { _unavailable = ex; }
            }
            if (_unavailable is { } error)
                return UnwrapResult.Fail(new EdkFailure(edk.ProviderId, EdkNames.KeyName(edk), EdkFailureKind.KeyUnusable, error.Message) { ErrorId = error.ErrorId });
            return _inner!.TryUnwrap(edk, serializedContext);
        }

        public void Dispose() => _inner?.Dispose();
    }

    /// <summary>Says of each EDK of no external provider that the decryption was restricted to external keys.</summary>
    private sealed class LeftOutKeyring : IKeyring
    {
        public static readonly LeftOutKeyring Instance = new();

        public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext) =>
            throw new InvalidOperationException("A decrypt keyring does not encrypt.");

        public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext) =>
            IsExternalEdk(edk) ? null
                : UnwrapResult.Fail(new EdkFailure(edk.ProviderId, EdkNames.KeyName(edk), EdkFailureKind.NotAllowed,
                    "not among the keys allowed for this decryption (only AWS KMS keys were named)"));
    }

    /// <summary>Says of each AWS KMS EDK that AWS KMS support is not loaded in this process (the CLI or module built without it).</summary>
    private sealed class UnavailableProviderKeyring(string providerId) : IKeyring
    {
        public static readonly UnavailableProviderKeyring AwsKms = new(AwsKmsArn.ProviderId);

        public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext) =>
            throw new InvalidOperationException("A decrypt keyring does not encrypt.");

        public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext) =>
            edk.ProviderId != providerId ? null
                : UnwrapResult.Fail(new EdkFailure(edk.ProviderId, EdkNames.KeyName(edk), EdkFailureKind.KeyUnusable,
                    "an AWS KMS key, but AWS KMS support is not loaded in this process") { ErrorId = ErrorCatalog.KmsUnavailable.Id });
    }
}
