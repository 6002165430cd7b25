using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;

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

    /// <summary>Whether a store exists at <see cref="Location"/> (its descriptor file; nothing is opened or created).</summary>
    bool Exists { get; }

    /// <summary>
    /// Where a session records its calls to keys outside the store (AWS KMS) in the store's audit log; null when no
    /// store exists here or it is locked (no store is created and none is unlocked for this).
    /// </summary>
    ExternalKeyUseRecorder? CreateExternalKeyUseRecorder();

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
