namespace EncryptionTools.Engine.Store;

// The public objects of the key store. They are snapshots: changing one changes nothing in the store.
// Enum members keep KMS's spelling so scripts written against KMS read naturally.

public enum KeyState { Enabled, Disabled, PendingDeletion }

#pragma warning disable CA1707 // KMS names
public enum KeySpec { SYMMETRIC_DEFAULT, RSA_3072, RSA_4096 }

public enum KeyUsage { ENCRYPT_DECRYPT }
#pragma warning restore CA1707

public enum KeyOrigin { EncryptionTools, External }

public enum KeyManager { Customer, Module }

/// <summary>How the store's root key is protected at rest.</summary>
public enum StoreProtection
{
    /// <summary>A random root key in an owner-only file in the store (the Linux and macOS default).</summary>
    File,
    /// <summary>Windows DPAPI for the current user (the Windows default).</summary>
    Dpapi,
    /// <summary>Wrapped with a key derived from a password (PBKDF2-HMAC-SHA512); needs Unlock-EncKeyStore.</summary>
    Password,
    /// <summary>Wrapped by an AWS KMS key (kms:Encrypt, bound to the store id by the encryption context): any machine
    /// whose AWS identity may call kms:Decrypt on that key opens a copy of the store, with no key file and no password.</summary>
    AwsKms,
}

public enum RotationType { Automatic, OnDemand }

/// <summary>A master key as Get-EncKey shows it. Holds no key material.</summary>
public sealed class EncKey
{
    public required string KeyId { get; init; }
    public required string Arn { get; init; }
    public required IReadOnlyList<string> Aliases { get; init; }
    public string Description { get; init; } = "";
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public KeyState KeyState { get; init; }
    public KeySpec KeySpec { get; init; }
    public KeyUsage KeyUsage { get; init; }
    public KeyOrigin Origin { get; init; }
    public DateTimeOffset CreationDate { get; init; }
    /// <summary>When a key pending deletion will be destroyed; null otherwise.</summary>
    public DateTimeOffset? DeletionDate { get; init; }
    public int? PendingDeletionWindowInDays { get; init; }
    public KeyManager KeyManager { get; init; }
    public bool RotationEnabled { get; init; }
    public int RotationPeriodInDays { get; init; }
    public DateTimeOffset? NextRotationDate { get; init; }
    public int CurrentVersion { get; init; }
    public int MinimumDecryptionVersion { get; init; }
    public bool Exportable { get; init; }
    /// <summary>The raw-keyring namespace (provider id) of the key's encrypted data keys.</summary>
    public required string KeyNamespace { get; init; }
    /// <summary>The raw-keyring key name of the newest version, the one that encrypts.</summary>
    public required string KeyName { get; init; }
    /// <summary>The key policy document (JSON). Stored now, evaluated by a later release.</summary>
    public required string Policy { get; init; }
    public required string StoreId { get; init; }
    /// <summary>Where the store is (display only: a path for the local store).</summary>
    public required string StoreLocation { get; init; }
    public required IReadOnlyList<EncKeyVersion> Versions { get; init; }
    /// <summary>Every lifecycle event of the key: creation, state changes, rotations, imports, exports.</summary>
    public required IReadOnlyList<EncKeyLifecycleEvent> History { get; init; }

    public override string ToString() => KeyId;
}

/// <summary>One version of a key's material. Only the newest encrypts; every version at or above the minimum decrypts.</summary>
public sealed record EncKeyVersion(
    string KeyId,
    int Version,
    string KeyNamespace,
    string KeyName,
    DateTimeOffset CreationDate,
    bool IsCurrent,
    bool CanDecrypt);

/// <summary>One rotation (or the creation, as version 1) in a key's history.</summary>
public sealed record EncKeyRotation(
    string KeyId,
    int Version,
    DateTimeOffset RotationDate,
    RotationType RotationType,
    string KeyName);

/// <summary>One lifecycle event of a key (Created, Imported, Enabled, Disabled, DeletionScheduled, DeletionCancelled,
/// Rotated, Updated, Exported, MaterialDestroyed).</summary>
public sealed record EncKeyLifecycleEvent(string KeyId, DateTimeOffset Date, string Event, int? Version, string? Detail, string User);

/// <summary>An alias: alias/&lt;name&gt; pointing to one key.</summary>
public sealed record EncKeyAlias(
    string AliasName,
    string AliasArn,
    string KeyId,
    string TargetKeyArn,
    DateTimeOffset CreationDate,
    DateTimeOffset LastUpdatedDate);

/// <summary>What Export-EncKey gives: material with the raw-keyring namespace and name the official SDK needs.</summary>
public sealed class EncKeyExport
{
    public required string KeyId { get; init; }
    public required string Arn { get; init; }
    public int Version { get; init; }
    public KeySpec KeySpec { get; init; }
    public required string KeyNamespace { get; init; }
    public required string KeyName { get; init; }
    /// <summary>The AES-256 key (SYMMETRIC_DEFAULT); null for RSA keys and for public-key exports.</summary>
    public byte[]? KeyMaterial { get; init; }
    /// <summary>The AES key as base64 for tools that take text; null when <see cref="KeyMaterial"/> is.</summary>
    public string? KeyMaterialBase64 => KeyMaterial is null ? null : Convert.ToBase64String(KeyMaterial);
    /// <summary>RSA keys: the public key (SubjectPublicKeyInfo PEM).</summary>
    public string? PublicKeyPem { get; init; }
    /// <summary>RSA keys created exportable: the private key (PKCS#8 PEM). Null for public-key exports.</summary>
    public string? PrivateKeyPem { get; init; }
    /// <summary>The wrapping padding the raw RSA keyring must use for these keys.</summary>
    public string? RsaPadding { get; init; }
}

/// <summary>The store's configuration and state as Get-EncKeyStore shows it. Holds no key material.</summary>
public sealed record EncKeyStoreInfo
{
    public required string Location { get; init; }
    /// <summary>Where the location came from: Parameter (-StorePath), Environment (ENCRYPTIONTOOLS_STORE) or Default.</summary>
    public required string LocationSource { get; init; }
    public required string Provider { get; init; }
    public bool Exists { get; init; }
    public string? StoreId { get; init; }
    public StoreProtection? Protection { get; init; }
    /// <summary>Password mode: whether this process holds the unlocked root key now. AwsKms mode: whether it holds the
    /// root key KMS gave (until <see cref="UnlockedUntil"/>); when false, the next use calls kms:Decrypt. Other modes: true.</summary>
    public bool IsUnlocked { get; init; }
    public DateTimeOffset? UnlockedUntil { get; init; }
    public int? PasswordIterations { get; init; }
    /// <summary>AwsKms mode: the KMS key (key ARN or alias ARN) as it was given when the protection was set.</summary>
    public string? KmsKeyId { get; init; }
    /// <summary>AwsKms mode: the key ARN KMS reported for the wrap (the key an alias pointed to then); the root key is unwrapped with it.</summary>
    public string? KmsKeyArn { get; init; }
    public int SchemaVersion { get; init; }
    /// <summary>Null when the store is locked (password mode) or does not exist.</summary>
    public int? KeyCount { get; init; }
    public int? AliasCount { get; init; }
    public DateTimeOffset? CreationDate { get; init; }
    public DateTimeOffset? LastModifiedDate { get; init; }
}
