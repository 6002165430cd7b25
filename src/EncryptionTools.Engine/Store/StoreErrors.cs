namespace EncryptionTools.Engine.Store;

/// <summary>The key store's ids, as named in <see cref="ErrorCatalog"/> (which holds their categories and exit codes).</summary>
internal static class StoreErrorIds
{
    public static readonly string KeyNotFound = ErrorCatalog.KeyNotFound.Id;
    public static readonly string KeyDisabled = ErrorCatalog.KeyDisabled.Id;
    public static readonly string KeyPendingDeletion = ErrorCatalog.KeyPendingDeletion.Id;
    public static readonly string KeyInvalidState = ErrorCatalog.KeyInvalidState.Id;
    public static readonly string KeyManagedByModule = ErrorCatalog.KeyManagedByModule.Id;
    public static readonly string KeyNotExportable = ErrorCatalog.KeyNotExportable.Id;
    public static readonly string KeyVersionNotFound = ErrorCatalog.KeyVersionNotFound.Id;
    public static readonly string InvalidArgument = ErrorCatalog.KeyInvalidArgument.Id;
    public static readonly string KeyExists = ErrorCatalog.KeyExists.Id;
    public static readonly string KeyPackageInvalid = ErrorCatalog.KeyPackageInvalid.Id;
    public static readonly string AliasExists = ErrorCatalog.AliasExists.Id;
    public static readonly string AliasNotFound = ErrorCatalog.AliasNotFound.Id;
    public static readonly string AliasInvalid = ErrorCatalog.AliasInvalid.Id;
    public static readonly string AliasReserved = ErrorCatalog.AliasReserved.Id;
    public static readonly string StoreLocked = ErrorCatalog.StoreLocked.Id;
    public static readonly string StorePasswordInvalid = ErrorCatalog.StorePasswordInvalid.Id;
    public static readonly string StorePasswordRequired = ErrorCatalog.StorePasswordRequired.Id;
    public static readonly string StorePermissions = ErrorCatalog.StorePermissions.Id;
    public static readonly string StoreBusy = ErrorCatalog.StoreBusy.Id;
    public static readonly string StoreCorrupt = ErrorCatalog.StoreCorrupt.Id;
    public static readonly string StoreNotFound = ErrorCatalog.StoreNotFound.Id;
    /// <summary>New-EncKeyStore / enctools store init where a store already exists.</summary>
    public static readonly string StoreExists = ErrorCatalog.StoreExists.Id;
    /// <summary>The store directory or one of its files belongs to another user.</summary>
    public static readonly string StoreNotOwned = ErrorCatalog.StoreNotOwned.Id;
    public static readonly string StoreUnsupported = ErrorCatalog.StoreUnsupported.Id;
    public static readonly string StoreWriteFailed = ErrorCatalog.StoreWriteFailed.Id;
    public static readonly string BackupInvalid = ErrorCatalog.StoreBackupInvalid.Id;
}

/// <summary>An error of the key store: the id is stable, the message says what to do.</summary>
public class KeyStoreException : EncryptionToolsException
{
    public KeyStoreException(ErrorDefinition error, string message, Exception? inner = null) : base(error, message, inner) { }

    /// <summary>By id: a catalogued id takes its catalog category, whatever <paramref name="category"/> says.</summary>
    public KeyStoreException(string errorId, EngineErrorCategory category, string message, Exception? inner = null)
        : base(errorId, category, message, inner) { }
}

/// <summary>No key answers to the identifier.</summary>
internal sealed class KeyNotFoundInStoreException(string identifier, string message)
    : KeyStoreException(ErrorCatalog.KeyNotFound, message)
{
    public string Identifier { get; } = identifier;
}

/// <summary>The key exists but its state forbids the operation (Disabled, PendingDeletion, or a refused transition).</summary>
internal sealed class KeyStateException(string errorId, string keyId, KeyState state, string message)
    : KeyStoreException(errorId, EngineErrorCategory.ResourceUnavailable, message)
{
    public string KeyId { get; } = keyId;
    public KeyState State { get; } = state;
}

/// <summary>The store is in password mode and not unlocked, or the password given is wrong.</summary>
internal sealed class KeyStoreLockedException(string errorId, string message)
    : KeyStoreException(errorId, EngineErrorCategory.AuthenticationError, message);
