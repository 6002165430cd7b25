using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Encrypts under the newest version of each key, in the raw keyring layouts (AES-GCM for symmetric keys,
/// RSA-OAEP-SHA256 for RSA keys), so the official SDK's raw keyrings read the result. Holds copies of the material
/// and zeroes them on dispose.
/// </summary>
internal sealed class StoreEncryptKeyring : IStoreKeyring
{
    private readonly List<(KeyVersionRef Ref, IKeyring Keyring)> _keyrings = [];
    private readonly KeyringAccess _access;

    public StoreEncryptKeyring(string storeId, IEnumerable<KeyRecord> keys, KeyringAccess access)
    {
        _access = access;
        foreach (var key in keys)
        {
            var version = key.Current;
            var reference = new KeyVersionRef(key.KeyId, Arns.Key(storeId, key.KeyId), version.Version, key.KeyNamespace, version.KeyName);
            IKeyring keyring;
            if (key.KeySpec == KeySpec.SYMMETRIC_DEFAULT)
            {
                keyring = new RawAesKeyring(key.KeyNamespace, version.KeyName, version.Material);
            }
            else
            {
                var rsa = RSA.Create();
                rsa.ImportSubjectPublicKeyInfo(version.PublicKey, out _);
                keyring = new RawRsaKeyring(key.KeyNamespace, version.KeyName, rsa, null, RSAEncryptionPadding.OaepSHA256);
            }
            _keyrings.Add((reference, keyring));
        }
        EncryptingKeys = _keyrings.Select(k => k.Ref).ToList();
    }

    public IReadOnlyList<KeyVersionRef> EncryptingKeys { get; }

    public StoreFileContext? FileContext
    {
        get => _access.FileContext;
        set => _access.FileContext = value;
    }

    public void HoldAuditRecords(AuditHold hold) => _access.Hold(hold);

    public (KeyState State, int CurrentVersion)? StatusOf(string keyId) => null;

    /// <summary>
    /// Checks every key first (kms:GenerateDataKey on the first, kms:Encrypt on the others; kms:ReEncryptTo on each for a
    /// re-encryption) with the message's encryption context, then wraps. A refusal wraps nothing.
    /// </summary>
    public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext)
    {
        var context = EncryptionContext.Deserialize(serializedContext);
        var reEncrypt = _access.FileContext?.ReEncrypt == true;
        var decisions = new List<AccessDecision>();
        for (var i = 0; i < _keyrings.Count; i++)
        {
            var action = reEncrypt ? KmsActions.ReEncryptTo : _access.FileContext?.WrapAction ?? (i == 0 ? KmsActions.GenerateDataKey : KmsActions.Encrypt);
            var decision = _access.Evaluate(_keyrings[i].Ref.KeyId, action, context);
            if (!decision.IsAllowed)
            {
                _access.Emit(_access.Event("KeyUsedToEncrypt", _keyrings[i].Ref, decision));
                throw new AccessDeniedException(decision) { Target = _keyrings[i].Ref.KeyId };
            }
            decisions.Add(decision);
        }
        var edks = new List<EncryptedDataKey>();
        foreach (var (_, keyring) in _keyrings) edks.AddRange(keyring.Wrap(dataKey, serializedContext));
        for (var i = 0; i < _keyrings.Count; i++) _access.Emit(_access.Event("KeyUsedToEncrypt", _keyrings[i].Ref, decisions[i]));
        return edks;
    }

    /// <summary>Unwrapping with an encrypt keyring (a verification pass) is a decryption: it demands kms:Decrypt.</summary>
    public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext)
    {
        UnwrapResult? last = null;
        IReadOnlyDictionary<string, string>? context = null;
        foreach (var (reference, keyring) in _keyrings)
        {
            if (Identify(edk) is { } made && made.KeyId == reference.KeyId)
            {
                context ??= EncryptionContext.Deserialize(serializedContext);
                var decision = _access.Evaluate(reference.KeyId, KmsActions.Decrypt, context);
                if (!decision.IsAllowed)
                {
                    _access.Emit(_access.Event("KeyUsedToDecrypt", reference, decision));
                    last = UnwrapResult.Fail(new EdkFailure(edk.ProviderId, reference.KeyName, EdkFailureKind.NotAllowed, decision.Reason));
                    continue;
                }
            }
            var result = keyring.TryUnwrap(edk, serializedContext);
            if (result is { DataKey: not null }) return result;
            last = result ?? last;
        }
        return last;
    }

    public KeyVersionRef? Identify(EncryptedDataKey edk) =>
        _keyrings.Select(k => k.Ref).FirstOrDefault(r => r.KeyNamespace == edk.ProviderId && r.KeyName == StoreDecryptKeyring.EdkKeyName(edk, r.KeyName));

    public void Dispose()
    {
        try { _access.FlushHeld(); } // held records are never dropped
        finally
        {
            foreach (var (_, keyring) in _keyrings) (keyring as IDisposable)?.Dispose();
        }
    }
}

/// <summary>
/// Decrypts EDKs made by any version of the store's keys, and for each EDK it cannot use says why: unknown key,
/// deleted key, key disabled or pending deletion (with the command that fixes it), version below the minimum
/// decryption version, or not among the keys the caller allowed.
/// </summary>
internal sealed class StoreDecryptKeyring : IStoreKeyring
{
    private sealed class Entry
    {
        public required KeyVersionRef Ref { get; init; }
        public required KeySpec Spec { get; init; }
        public byte[]? Aes { get; init; }
        public byte[]? RsaPrivate { get; init; }
        public string? Unusable { get; init; }
        public bool Allowed { get; init; }
    }

    private readonly Dictionary<(string Namespace, string Name), Entry> _entries = new();
    private readonly Dictionary<string, DateTimeOffset> _deleted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (KeyState State, int CurrentVersion)> _status = new(StringComparer.Ordinal);
    private readonly string _location;
    private readonly KeyringAccess _access;

    public StoreDecryptKeyring(StoreDocument doc, HashSet<string>? allowed, string location, KeyringAccess access)
    {
        _location = location;
        _access = access;
        foreach (var key in doc.Keys)
        {
            _status[key.KeyId] = (key.KeyState, key.CurrentVersion);
            foreach (var version in key.Versions)
            {
                string? unusable = key.KeyState switch
                {
                    KeyState.Disabled => $"key {key.KeyId} is Disabled; run Enable-EncKey -KeyId {key.KeyId}",
                    KeyState.PendingDeletion => $"key {key.KeyId} is PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}); run Restore-EncKey -KeyId {key.KeyId}, then Enable-EncKey -KeyId {key.KeyId}",
                    _ => null,
                };
                if (unusable is null && version.Version < key.MinimumDecryptionVersion)
                    unusable = $"version {version.Version} of key {key.KeyId} is below the minimum decryption version {key.MinimumDecryptionVersion}; " +
                        $"to allow it again run Set-EncKey -KeyId {key.KeyId} -MinimumDecryptionVersion {version.Version}";
                var usable = unusable is null && (allowed is null || allowed.Contains(key.KeyId));
                var entry = new Entry
                {
                    Ref = new KeyVersionRef(key.KeyId, Arns.Key(doc.StoreId, key.KeyId), version.Version, key.KeyNamespace, version.KeyName),
                    Spec = key.KeySpec,
                    Aes = usable ? version.Material?.ToArray() : null,
                    RsaPrivate = usable ? version.PrivateKey?.ToArray() : null,
                    Unusable = unusable,
                    Allowed = allowed is null || allowed.Contains(key.KeyId),
                };
                _entries[(key.KeyNamespace, version.KeyName)] = entry;
                // Files encrypted to this RSA key's public key alone (Protect-File -RecipientPublicKey with a PEM file)
                // name it by the fingerprint of its SubjectPublicKeyInfo: match those too.
                if (key.KeySpec != KeySpec.SYMMETRIC_DEFAULT && version.PublicKey is { Length: > 0 } spki)
                    _entries[(RsaRecipient.Namespace, RsaRecipient.KeyNameFor(spki))] = entry;
            }
        }
        foreach (var deleted in doc.DeletedKeys) _deleted[deleted.KeyId] = deleted.DeletionDate;
    }

    public IReadOnlyList<KeyVersionRef> EncryptingKeys => [];

    public StoreFileContext? FileContext
    {
        get => _access.FileContext;
        set => _access.FileContext = value;
    }

    public void HoldAuditRecords(AuditHold hold) => _access.Hold(hold);

    public (KeyState State, int CurrentVersion)? StatusOf(string keyId) =>
        _status.TryGetValue(keyId, out var status) ? status : null;

    public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext) =>
        throw new InvalidOperationException("A decrypt keyring of the key store does not encrypt; use CreateEncryptKeyring.");

    public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext)
    {
        var entry = Find(edk, out var name);
        if (entry is null) return UnknownInStore(edk, name);
        if (!entry.Allowed)
            return Fail(edk, entry, EdkFailureKind.NotAllowed, $"key {entry.Ref.KeyId} is not among the keys allowed for this decryption");
        var action = _access.FileContext?.ReEncrypt == true ? KmsActions.ReEncryptFrom : KmsActions.Decrypt;
        var decision = _access.Evaluate(entry.Ref.KeyId, action, EncryptionContext.Deserialize(serializedContext));
        if (!decision.IsAllowed)
        {
            _access.Emit(_access.Event("KeyUsedToDecrypt", entry.Ref, decision));
            return Fail(edk, entry, EdkFailureKind.NotAllowed, decision.Reason);
        }
        if (entry.Unusable is not null) return Fail(edk, entry, EdkFailureKind.KeyUnusable, entry.Unusable);
        UnwrapResult? result;
        if (entry.Spec == KeySpec.SYMMETRIC_DEFAULT)
        {
            using var keyring = new RawAesKeyring(entry.Ref.KeyNamespace, entry.Ref.KeyName, entry.Aes);
            result = keyring.TryUnwrap(edk, serializedContext);
        }
        else
        {
            if (entry.RsaPrivate is null)
                return Fail(edk, entry, EdkFailureKind.KeyUnusable, $"the key store holds only the public key of RSA key {entry.Ref.KeyId}; decrypting needs its private key");
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(entry.RsaPrivate, out _);
            // The EDK's own name: the key's version name, or the public-key fingerprint name of a PEM recipient.
            using var keyring = new RawRsaKeyring(edk.ProviderId, name ?? entry.Ref.KeyName, null, rsa, RSAEncryptionPadding.OaepSHA256);
            result = keyring.TryUnwrap(edk, serializedContext);
        }
        if (result is { DataKey: { } dataKey })
        {
            try { _access.Emit(_access.Event("KeyUsedToDecrypt", entry.Ref, decision)); }
            catch
            {
                CryptographicOperations.ZeroMemory(dataKey); // not recorded: not released
                throw;
            }
        }
        return result;
    }

    public KeyVersionRef? Identify(EncryptedDataKey edk) => Find(edk, out _)?.Ref;

    /// <summary>The key name of an EDK: raw AES layout (name before tag length and IV) or raw RSA layout (the whole info).</summary>
    internal static string? EdkKeyName(EncryptedDataKey edk, string? hint = null)
    {
        if (RawAesKeyring.TryParseInfo(edk.ProviderInfo, out var aesName, out _))
        {
            var text = TryUtf8(aesName);
            if (hint is null || text == hint) return text;
        }
        return TryUtf8(edk.ProviderInfo);
    }

    private Entry? Find(EncryptedDataKey edk, out string? name)
    {
        name = null;
        if (RawAesKeyring.TryParseInfo(edk.ProviderInfo, out var aesName, out _))
        {
            name = TryUtf8(aesName);
            if (name is not null && _entries.TryGetValue((edk.ProviderId, name), out var aes) && aes.Spec == KeySpec.SYMMETRIC_DEFAULT) return aes;
        }
        var whole = TryUtf8(edk.ProviderInfo);
        if (whole is not null && _entries.TryGetValue((edk.ProviderId, whole), out var rsa) && rsa.Spec != KeySpec.SYMMETRIC_DEFAULT)
        {
            name = whole;
            return rsa;
        }
        name ??= whole;
        return null;
    }

    /// <summary>EDKs of the store's namespace that no key holds: a deleted key, a missing version, or another store's key.</summary>
    private UnwrapResult? UnknownInStore(EncryptedDataKey edk, string? name)
    {
        if (edk.ProviderId != LocalKeyStore.DefaultKeyNamespace || name is null || !KeyIds.TryParseVersionKeyName(name, out var keyId, out var version))
            return null;
        string reason;
        if (_deleted.TryGetValue(keyId, out var deletedOn))
            reason = $"key {keyId} was deleted from the key store on {deletedOn:yyyy-MM-dd}; its material is destroyed";
        else if (_status.TryGetValue(keyId, out var status))
            reason = $"key {keyId} has no version {version} (its current version is {status.CurrentVersion})";
        else
            reason = $"key {keyId} is not in the key store '{_location}' (made with another store? use -StorePath)";
        return UnwrapResult.Fail(new EdkFailure(edk.ProviderId, name, EdkFailureKind.UnknownKey, reason));
    }

    private static UnwrapResult Fail(EncryptedDataKey edk, Entry entry, EdkFailureKind kind, string reason) =>
        UnwrapResult.Fail(new EdkFailure(edk.ProviderId, entry.Ref.KeyName, kind, reason));

    private static string? TryUtf8(byte[] bytes)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { return null; }
    }

    public void Dispose()
    {
        try { _access.FlushHeld(); } // held records are never dropped
        finally
        {
            foreach (var entry in _entries.Values)
            {
                if (entry.Aes is not null) CryptographicOperations.ZeroMemory(entry.Aes);
                if (entry.RsaPrivate is not null) CryptographicOperations.ZeroMemory(entry.RsaPrivate);
            }
        }
    }
}
