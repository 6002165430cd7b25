using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The key store provider: everything outside the store talks to keys through this interface, so nothing may assume
/// the store is local. <see cref="LocalKeyStore"/> is the first implementation; a cloud KMS provider may follow.
/// Every key parameter (<c>keyIdentifier</c>) accepts a key id, a key ARN, an alias name (alias/x) or an alias ARN.
/// Methods throw <see cref="KeyStoreException"/> subclasses with stable ids (<see cref="StoreErrorIds"/>).
/// </summary>
public interface IKeyStoreProvider
{
    /// <summary>Where the store is, for display and error messages only.</summary>
    string Location { get; }

    EncKeyStoreInfo GetStoreInfo();

    /// <summary>
    /// New-EncKeyStore / enctools store init: creates an empty store here with the protection asked
    /// (<see cref="ProtectionChange.Protection"/>, <see cref="ProtectionChange.NewPassword"/>,
    /// <see cref="ProtectionChange.PasswordIterations"/>). Refuses a location that already holds a store (StoreExists).
    /// </summary>
    EncKeyStoreInfo CreateStore(ProtectionChange protection);

    // Keys
    EncKey NewKey(NewKeyRequest request);
    EncKey ImportKey(ImportKeyRequest request);
    EncKey GetKey(string keyIdentifier);
    IReadOnlyList<EncKey> GetKeys();
    EncKey UpdateKey(string keyIdentifier, KeyUpdate update);
    EncKey EnableKey(string keyIdentifier);
    EncKey DisableKey(string keyIdentifier);
    EncKey ScheduleKeyDeletion(string keyIdentifier, int pendingWindowInDays = LocalKeyStore.DefaultPendingWindowInDays);
    EncKey CancelKeyDeletion(string keyIdentifier);
    EncKey RotateKey(string keyIdentifier);
    IReadOnlyList<EncKeyRotation> GetKeyRotations(string keyIdentifier);
    EncKeyExport ExportKey(string keyIdentifier, int? version = null, bool publicKeyOnly = false);

    /// <summary>The module-managed default key, created on first use under <see cref="Aliases.DefaultKeyAlias"/>. Only in the
    /// per-user default store is the store itself created here too (with a warning); elsewhere a missing store is StoreNotFound.</summary>
    EncKey GetOrCreateDefaultKey();

    // Aliases
    EncKeyAlias NewAlias(string aliasName, string keyIdentifier);
    EncKeyAlias SetAlias(string aliasName, string keyIdentifier);
    EncKeyAlias RemoveAlias(string aliasName);
    IReadOnlyList<EncKeyAlias> GetAliases();

    /// <summary>
    /// What tab completion and result views may show: the keys <see cref="GetKeys"/> would list (kms:DescribeKey) with
    /// their aliases, and the grants on keys whose grants the caller may list (kms:ListGrants). It writes no audit
    /// record and runs no maintenance: no key is used and nothing changes. Hidden keys are left out, not refused.
    /// An absent store is empty, never created.
    /// </summary>
    StoreCatalog PeekCatalog();

    // Keyrings for the file cmdlets
    /// <summary>
    /// A keyring that wraps each data key under the newest version of every given key (the default key when none is
    /// given). Refuses keys that are disabled or pending deletion, naming the key, its state and the way back.
    /// </summary>
    /// <remarks>Each Wrap demands kms:GenerateDataKey on the first key and kms:Encrypt on the others (kms:ReEncryptTo on
    /// every key when <paramref name="fileContext"/> says ReEncrypt) with the message's encryption context, and throws
    /// <see cref="AccessDeniedException"/> (AccessDenied) before wrapping anything when one is refused.</remarks>
    IStoreKeyring CreateEncryptKeyring(IEnumerable<string> keyIdentifiers, StoreFileContext? fileContext = null);

    /// <summary>
    /// A keyring that unwraps any EDK made by a key of this store (null: any key; otherwise only those keys), and for
    /// each EDK it cannot unwrap says why: unknown key, wrong key, or key unusable (state or retired version).
    /// </summary>
    /// <remarks>Each unwrap demands kms:Decrypt (kms:ReEncryptFrom when <paramref name="fileContext"/> says ReEncrypt) with
    /// the message's encryption context; a refusal is that EDK's <see cref="EdkFailureKind.NotAllowed"/> failure, whose
    /// reason names the permission and the context.</remarks>
    IStoreKeyring CreateDecryptKeyring(IEnumerable<string>? restrictTo = null, StoreFileContext? fileContext = null);

    // Key policies
    /// <summary>Get-EncKeyPolicy: the key's policy (its own, or the rendered default). Needs kms:GetKeyPolicy.</summary>
    EncKeyPolicy GetKeyPolicy(string keyIdentifier);
    /// <summary>Set-EncKeyPolicy: validates (InvalidKeyPolicy names the statement and field), runs the lockout safety check
    /// for the store owner and the caller unless bypassed (KeyPolicyLockout), and stores the text exactly. Needs kms:PutKeyPolicy.
    /// The module-managed default key cannot be re-policied.</summary>
    EncKeyPolicy PutKeyPolicy(string keyIdentifier, string policy, bool bypassLockoutSafetyCheck = false);
    /// <summary>Test-EncKeyAccess: the decision, naming the statement or grant that decided.</summary>
    AccessDecision TestKeyAccess(string keyIdentifier, string action, string? principal = null, IReadOnlyDictionary<string, string>? encryptionContext = null);

    // Grants
    /// <summary>Grant-EncKeyAccess; <see cref="GrantRequest.KeyId"/> takes any key identifier. Needs kms:CreateGrant.</summary>
    Grant CreateGrant(GrantRequest request);
    /// <summary>Get-EncKeyGrant. Needs kms:ListGrants on the key (without a key: lists only keys that allow it).</summary>
    IReadOnlyList<Grant> GetGrants(string? keyIdentifier = null, string? grantId = null, string? grantee = null);
    /// <summary>Revoke-EncKeyAccess. Needs kms:RevokeGrant.</summary>
    Grant RevokeGrant(string keyIdentifier, string grantId);
    /// <summary>Remove-EncKeyGrant: the grant's retiring principal, its grantee when it includes RetireGrant, or the store owner.</summary>
    Grant RetireGrant(string grantId, string? keyIdentifier = null);

    // Audit log
    /// <summary>Test-EncAuditLog: verifies the chain, each record's HMAC and the head.</summary>
    AuditVerification VerifyAuditLog();
    /// <summary>Get-EncAuditEvent: the matching records, oldest first.</summary>
    IReadOnlyList<AuditEvent> QueryAudit(AuditQuery? filter = null);

    // Store configuration
    /// <summary>Password mode: unwraps the root key and keeps it in this process until the timeout or <see cref="Lock"/>.</summary>
    EncKeyStoreInfo Unlock(ReadOnlySpan<char> password, TimeSpan? timeout = null);
    /// <summary>Forgets the unlocked root key of this store in this process.</summary>
    EncKeyStoreInfo Lock();
    /// <summary>Switches the protection mode or sets, changes or removes the password. A change of mode generates a new root
    /// key and re-seals the store under it, so an old copy of the previous protection no longer opens it.</summary>
    EncKeyStoreInfo SetProtection(ProtectionChange change);
}

/// <summary>A keyring of the store: also tells which key version made or opened an EDK, and zeroes its material on dispose.</summary>
public interface IStoreKeyring : IKeyring, IDisposable
{
    /// <summary>The key versions this keyring encrypts with (empty for a decrypt keyring).</summary>
    IReadOnlyList<KeyVersionRef> EncryptingKeys { get; }

    /// <summary>Which key and version of this store made <paramref name="edk"/>; null when none.</summary>
    KeyVersionRef? Identify(EncryptedDataKey edk);

    /// <summary>The file this keyring serves now (path for the audit log; ReEncrypt for Update-EncFileKey and -Rewrap).
    /// Set it before each file when one keyring serves several.</summary>
    StoreFileContext? FileContext { get; set; }

    /// <summary>
    /// From now on the audit records of this keyring's key uses wait in <paramref name="hold"/> until it is flushed. A batch
    /// of files flushes before it publishes each group of outputs, so the log still precedes the files.
    /// </summary>
    void HoldAuditRecords(AuditHold hold);

    /// <summary>The state and newest version of a key this keyring knows (decrypt keyrings); null otherwise.</summary>
    (KeyState State, int CurrentVersion)? StatusOf(string keyId);
}

/// <summary>
/// Audit records held for a batch, shared by a session's keyrings: one append writes them all (one lock, one fsync),
/// in the order they happened.
/// </summary>
public sealed class AuditHold
{
    private readonly object _gate = new(); // a public type: callers could lock on the instance itself
    private List<(StoreEvent Event, Action<IReadOnlyList<StoreEvent>> Send)> _events = [];

    internal void Add(StoreEvent storeEvent, Action<IReadOnlyList<StoreEvent>> send)
    {
        lock (_gate) _events.Add((storeEvent, send));
    }

    /// <summary>Writes the held records: one append per store they belong to (one, in practice).</summary>
    public void Flush()
    {
        List<(StoreEvent Event, Action<IReadOnlyList<StoreEvent>> Send)> events;
        lock (_gate)
        {
            if (_events.Count == 0) return;
            events = _events;
            _events = [];
        }
        for (var start = 0; start < events.Count;)
        {
            var end = start + 1;
            while (end < events.Count && events[end].Send.Equals(events[start].Send)) end++;
            events[start].Send(events[start..end].Select(e => e.Event).ToList());
            start = end;
        }
    }
}

/// <summary>A key version, as used by a keyring.</summary>
/// <summary>The read-only listing <see cref="IKeyStoreProvider.PeekCatalog"/> returns.</summary>
public sealed record StoreCatalog(IReadOnlyList<EncKey> Keys, IReadOnlyList<Grant> Grants)
{
    public static readonly StoreCatalog Empty = new([], []);
}

public sealed record KeyVersionRef(string KeyId, string Arn, int Version, string KeyNamespace, string KeyName);

public sealed record NewKeyRequest
{
    public KeySpec KeySpec { get; init; } = KeySpec.SYMMETRIC_DEFAULT;
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    public bool Exportable { get; init; }
    public bool RotationEnabled { get; init; }
    public int? RotationPeriodInDays { get; init; }
    /// <summary>The key policy (JSON); null: the default policy granting the creator and the store owner full control.</summary>
    public string? Policy { get; init; }
    /// <summary>An alias to create with the key, atomically.</summary>
    public string? Alias { get; init; }
    /// <summary>Store <see cref="Policy"/> even if neither the store owner nor the caller could change it again.</summary>
    public bool BypassPolicyLockoutSafetyCheck { get; init; }
}

/// <summary>BYOK: a key from external AES-256 material under a given raw-keyring namespace and key name.</summary>
public sealed record ImportKeyRequest
{
    public required byte[] KeyMaterial { get; init; }
    public required string KeyNamespace { get; init; }
    public required string KeyName { get; init; }
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    public bool Exportable { get; init; }
    public string? Policy { get; init; }
    public string? Alias { get; init; }
}

/// <summary>What Set-EncKey changes; null members stay as they are.</summary>
public sealed record KeyUpdate
{
    public string? Description { get; init; }
    /// <summary>Tags to add or overwrite.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    /// <summary>Tag keys to remove.</summary>
    public IReadOnlyList<string>? RemoveTags { get; init; }
    public bool? RotationEnabled { get; init; }
    public int? RotationPeriodInDays { get; init; }
    public int? MinimumDecryptionVersion { get; init; }
    public string? Policy { get; init; }
}

/// <summary>A change of the store's root-key protection. The current password is needed whenever one is set.</summary>
public sealed record ProtectionChange
{
    /// <summary>The mode to switch to; null keeps the mode (with <see cref="NewPassword"/>: change the password).</summary>
    public StoreProtection? Protection { get; init; }
    /// <summary>The new password. The caller owns the array and should clear it afterwards.</summary>
    public char[]? NewPassword { get; init; }
    public char[]? CurrentPassword { get; init; }
    public int? PasswordIterations { get; init; }
}
