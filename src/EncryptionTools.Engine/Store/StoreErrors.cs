namespace EncryptionTools.Engine.Store;

/// <summary>Stable error ids of the key store. Scripts match on them; never rename one.</summary>
public static class StoreErrorIds
{
    public const string KeyNotFound = "EncKeyNotFound";
    public const string KeyDisabled = "EncKeyDisabled";
    public const string KeyPendingDeletion = "EncKeyPendingDeletion";
    public const string KeyInvalidState = "EncKeyInvalidState";
    public const string KeyManagedByModule = "EncKeyManagedByModule";
    public const string KeyNotExportable = "EncKeyNotExportable";
    public const string KeyVersionNotFound = "EncKeyVersionNotFound";
    public const string InvalidArgument = "EncKeyInvalidArgument";
    public const string AliasExists = "EncKeyAliasExists";
    public const string AliasNotFound = "EncKeyAliasNotFound";
    public const string AliasInvalid = "EncKeyAliasInvalid";
    public const string AliasReserved = "EncKeyAliasReserved";
    public const string StoreLocked = "EncKeyStoreLocked";
    public const string StorePasswordInvalid = "EncKeyStorePasswordInvalid";
    public const string StorePasswordRequired = "EncKeyStorePasswordRequired";
    public const string StorePermissions = "EncKeyStorePermissions";
    public const string StoreBusy = "EncKeyStoreBusy";
    public const string StoreCorrupt = "EncKeyStoreCorrupt";
    public const string StoreNotFound = "EncKeyStoreNotFound";
    /// <summary>New-EncKeyStore / enctools store init where a store already exists.</summary>
    public const string StoreExists = "EncKeyStoreExists";
    /// <summary>The store directory or one of its files belongs to another user.</summary>
    public const string StoreNotOwned = "EncKeyStoreNotOwned";
    public const string StoreUnsupported = "EncKeyStoreUnsupported";
    public const string StoreWriteFailed = "EncKeyStoreWriteFailed";
}

/// <summary>An error of the key store: the id is stable, the message says what to do.</summary>
public class KeyStoreException(string errorId, EngineErrorCategory category, string message, Exception? inner = null)
    : EncryptionToolsException(errorId, category, message, inner);

/// <summary>No key answers to the identifier.</summary>
internal sealed class KeyNotFoundInStoreException(string identifier, string message)
    : KeyStoreException(StoreErrorIds.KeyNotFound, EngineErrorCategory.ObjectNotFound, message)
{
    public string Identifier { get; } = identifier;
}

/// <summary>The key exists but its state forbids the operation (Disabled, PendingDeletion, or a refused transition).</summary>
internal sealed class KeyStateException(string errorId, string keyId, KeyState state, string message)
    : KeyStoreException(errorId, errorId == StoreErrorIds.KeyInvalidState ? EngineErrorCategory.InvalidOperation : EngineErrorCategory.ResourceUnavailable, message)
{
    public string KeyId { get; } = keyId;
    public KeyState State { get; } = state;
}

/// <summary>The store is in password mode and not unlocked, or the password given is wrong.</summary>
internal sealed class KeyStoreLockedException(string errorId, string message)
    : KeyStoreException(errorId, EngineErrorCategory.AuthenticationError, message);
