namespace EncryptionTools.Engine.Store;

/// <summary>
/// Receives one event for every operation of the store, successful or refused: the hook of the audit log.
/// Called after the change is durable. Must not throw; an exception from a sink is swallowed so that the store
/// never leaves a committed change unreported to the caller. Events never carry key material or passwords.
/// </summary>
public interface IStoreEventSink
{
    void OnEvent(StoreEvent storeEvent);
}

/// <summary>One store operation.</summary>
public sealed record StoreEvent
{
    // Environment.UserName reads the passwd database on every call: once per process is enough, not once per key use.
    private static readonly string CurrentUserName = Environment.UserName;

    public required DateTimeOffset Time { get; init; }
    /// <summary>StoreCreated, KeyCreated, KeyImported, KeyExported, PublicKeyExported, KeyUpdated, KeyEnabled, KeyDisabled,
    /// KeyDeletionScheduled, KeyDeletionCancelled, KeyMaterialDestroyed, KeyRotated, AliasCreated, AliasUpdated,
    /// AliasDeleted, KeyUsedToEncrypt, KeyUsedToDecrypt, StoreUnlocked, StoreUnlockFailed, StoreLocked,
    /// StoreProtectionChanged, StorePasswordChanged, KeyDescribed, KeysListed, AliasesListed, KeyRotationsListed,
    /// KeyPolicyRead, KeyPolicyChanged, KeyAccessTested, GrantCreated, GrantsListed, GrantRevoked, GrantRetired,
    /// AuditLogRead, AuditLogVerified.</summary>
    public required string Operation { get; init; }
    public required string StoreLocation { get; init; }
    public string? StoreId { get; init; }
    public string? KeyId { get; init; }
    public int? Version { get; init; }
    public string? AliasName { get; init; }
    public bool Succeeded { get; init; } = true;
    /// <summary>The error id when refused.</summary>
    public string? ErrorId { get; init; }
    public string? Detail { get; init; }
    public string User { get; init; } = CurrentUserName;
    public int ProcessId { get; init; } = Environment.ProcessId;
    /// <summary>The caller's principal string (user:alice), resolved once per call.</summary>
    public string? Principal { get; init; }
    /// <summary>The cmdlet or CLI command that made the call (see <see cref="KeyStoreProviders.Get(string?, string?)"/>).</summary>
    public string? Command { get; init; }
    /// <summary>The kms: action checked for the operation, when there is one.</summary>
    public string? Action { get; init; }
    /// <summary>The request's encryption context (cryptographic operations; not secret by design).</summary>
    public IReadOnlyDictionary<string, string>? EncryptionContext { get; init; }
    /// <summary>The file the keyring served, when the caller said (<see cref="StoreFileContext"/>).</summary>
    public string? FilePath { get; init; }
    /// <summary>Refused by the key policy or grants (then <see cref="Succeeded"/> is false too).</summary>
    public bool Denied { get; init; }
    /// <summary>What decided the access: "statement 0 (Sid '...')", "grant ...".</summary>
    public string? DecidedBy { get; init; }
    /// <summary>A call to a key service outside the store (AWS KMS): its request id, to match CloudTrail.</summary>
    public string? RequestId { get; init; }
}

/// <summary>Discards events.</summary>
internal sealed class NullStoreEventSink : IStoreEventSink
{
    public static readonly NullStoreEventSink Instance = new();
    public void OnEvent(StoreEvent storeEvent) { }
}

/// <summary>Keeps events in memory (tests, and callers that report them).</summary>
internal sealed class MemoryStoreEventSink : IStoreEventSink
{
    private readonly List<StoreEvent> _events = [];
    public IReadOnlyList<StoreEvent> Events { get { lock (_events) return _events.ToArray(); } }
    public void OnEvent(StoreEvent storeEvent) { lock (_events) _events.Add(storeEvent); }
}

/// <summary>
/// The KMS action a store change is recorded under, by its event: each change names its own action (an alias created with
/// a key is kms:CreateAlias, not the kms:CreateKey of the call). Null: the action the call demanded (Set-EncKey).
/// </summary>
internal static class MutationActions
{
    private static readonly Dictionary<string, string> ByOperation = new(StringComparer.Ordinal)
    {
        ["KeyCreated"] = Access.KmsActions.CreateKey,
        ["KeyImported"] = Access.KmsActions.CreateKey,
        ["AliasCreated"] = Access.KmsActions.CreateAlias,
        ["AliasUpdated"] = Access.KmsActions.UpdateAlias,
        ["AliasDeleted"] = Access.KmsActions.DeleteAlias,
        ["KeyEnabled"] = Access.KmsActions.EnableKey,
        ["KeyDisabled"] = Access.KmsActions.DisableKey,
        ["KeyDeletionScheduled"] = Access.KmsActions.ScheduleKeyDeletion,
        ["KeyDeletionCancelled"] = Access.KmsActions.CancelKeyDeletion,
        ["KeyRotated"] = Access.KmsActions.RotateKeyOnDemand,
        ["KeyPolicyChanged"] = Access.KmsActions.PutKeyPolicy,
        ["GrantCreated"] = Access.KmsActions.CreateGrant,
        ["GrantRevoked"] = Access.KmsActions.RevokeGrant,
        ["GrantRetired"] = Access.KmsActions.RetireGrant,
        ["KeyExported"] = Access.KmsActions.ExportKeyMaterial,
        ["PublicKeyExported"] = Access.KmsActions.GetPublicKey,
    };

    public static string? For(string operation) => ByOperation.GetValueOrDefault(operation);
}
