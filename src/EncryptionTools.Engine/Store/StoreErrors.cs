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
    /// <summary>Import-EncKey of a moved key whose key id (or namespace and key name) the target store already has.</summary>
    public const string KeyExists = "EncKeyExists";
    /// <summary>Text or an object that is not a key package of Export-EncKey, or one that is inconsistent.</summary>
    public const string KeyPackageInvalid = "EncKeyPackageInvalid";
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
    /// <summary>Restore-EncKeyStore: not a backup, an unsupported one, or one that does not authenticate (wrong password or key, or altered).</summary>
    public const string BackupInvalid = "EncKeyStoreBackupInvalid";
}

/// <summary>An error of the key store: the id is stable, the message says what to do.</summary>
public class KeyStoreException(string errorId, EngineErrorCategory category, string message, Exception? inner = null)
    : EncryptionToolsException(errorId, category, message, inner);

/// <summary>No key answers to the identifier.</summary>
public sealed class KeyNotFoundInStoreException(string identifier, string message)
    : KeyStoreException(StoreErrorIds.KeyNotFound, EngineErrorCategory.ObjectNotFound, message)
{
    public string Identifier { get; } = identifier;
}

/// <summary>The key exists but its state forbids the operation (Disabled, PendingDeletion, or a refused transition).</summary>
public sealed class KeyStateException(string errorId, string keyId, KeyState state, string message)
    : KeyStoreException(errorId, errorId == StoreErrorIds.KeyInvalidState ? EngineErrorCategory.InvalidOperation : EngineErrorCategory.ResourceUnavailable, message)
{
    public string KeyId { get; } = keyId;
    public KeyState State { get; } = state;
}

/// <summary>The store is in password mode and not unlocked, or the password given is wrong.</summary>
public sealed class KeyStoreLockedException(string errorId, string message)
    : KeyStoreException(errorId, EngineErrorCategory.AuthenticationError, message);
