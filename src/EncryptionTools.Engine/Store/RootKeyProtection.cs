using System.Security.Cryptography;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The store's root key under its protection (<see cref="IRootKeyProtector"/> per mode): builds the descriptor that
/// protects a new root key, gives the root key back for a use, and checks a descriptor before it is committed.
/// </summary>
internal sealed class RootKeyProtection
{
    private readonly StoreContext _store;
    private readonly Dictionary<StoreProtection, IRootKeyProtector> _protectors;

    public RootKeyProtection(StoreContext store, StoreAuditTrail audit)
    {
        _store = store;
        File = new FileRootKeyProtector(store);
        Password = new PasswordRootKeyProtector(store, audit);
        Kms = new KmsRootKeyProtector(store, audit);
        _protectors = new IRootKeyProtector[] { File, new DpapiRootKeyProtector(store), Password, Kms }.ToDictionary(p => p.Protection);
    }

    public FileRootKeyProtector File { get; }
    public PasswordRootKeyProtector Password { get; }
    public KmsRootKeyProtector Kms { get; }

    /// <summary>The protection of a store nobody chose one for: DPAPI on Windows, File elsewhere.</summary>
    public static StoreProtection DefaultProtection() => OperatingSystem.IsWindows() ? StoreProtection.Dpapi : StoreProtection.File;

    /// <summary>The mode a change asks for: as named, else implied by a KMS key (AwsKms) or a new password (Password), else
    /// <paramref name="otherwise"/>. A KMS key with another mode, or AwsKms without a valid key ARN, is refused here.</summary>
    public static StoreProtection ModeOf(ProtectionChange change, StoreProtection otherwise)
    {
        var mode = change.Protection ?? (change.KmsKeyId is not null ? StoreProtection.AwsKms : change.NewPassword is not null ? StoreProtection.Password : otherwise);
        if (mode == StoreProtection.AwsKms) KmsRootKeyProtector.ValidateKeyId(change.KmsKeyId);
        else if (change.KmsKeyId is not null)
            throw StoreContext.Invalid($"A KMS key (-KmsKeyId, --kms-key) goes only with AwsKms protection, not {mode}.");
        return mode;
    }

    /// <summary>Whether this process keeps the root key after using it (an unlocked password store; the key KMS gave).</summary>
    public static bool KeepsRootKey(StoreProtection mode) => mode is StoreProtection.Password or StoreProtection.AwsKms;

    private IRootKeyProtector For(StoreProtection protection) => _protectors.TryGetValue(protection, out var protector) ? protector
        : throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidData, $"Unknown protection '{protection}'.");

    /// <summary>Builds the descriptor for a root key under a protection mode; writes root.key first in File mode.</summary>
    public StoreDescriptor BuildDescriptor(string storeId, DateTimeOffset created, byte[] root, StoreProtection mode, char[]? password, int? iterations,
        string? kmsKeyId = null, Keyrings.IKeyUseSink? kmsUses = null)
    {
        var descriptor = new StoreDescriptor { StoreId = storeId, CreationDate = created, Protection = mode, RootKeyCheck = StoreFiles.RootKeyCheck(root) };
        if (_protectors.TryGetValue(mode, out var protector)) protector.Protect(descriptor, root, new RootKeySecret(password, iterations, kmsKeyId, kmsUses));
        return descriptor;
    }

    /// <summary>Throws unless the descriptor, parsed back from what will be written, gives <paramref name="root"/> back.</summary>
    public void VerifyRecoverable(StoreDescriptor parsed, byte[] root)
    {
        if (!StoreFiles.RootKeyMatches(parsed, root)) throw new InvalidOperationException("The descriptor's root key check does not match.");
        if (_protectors.TryGetValue(parsed.Protection, out var protector)) protector.VerifyRecoverable(parsed, root);
    }

    /// <summary>The root key (the caller zeroes it). Password mode: the unlocked key, or the password from the environment.
    /// AwsKms mode: the key KMS gave this process, else kms:Decrypt now.</summary>
    public byte[] GetRootKey(StoreDescriptor descriptor) => For(descriptor.Protection).Recover(descriptor);

    /// <summary>For information only: never unlocks from the environment (Lock-EncKeyStore must stay locked), and keeps
    /// nothing it asked KMS for (null when KMS refuses: the store's next use reports why).</summary>
    public byte[]? TryGetRootKey(StoreDescriptor descriptor)
    {
        if (descriptor.Protection == StoreProtection.Password)
        {
            return Password.Unlocked(descriptor);
        }
        if (descriptor.Protection == StoreProtection.AwsKms)
        {
            try { return Kms.Unlocked(descriptor) ?? Kms.Unwrap(descriptor); }
            catch (EncryptionToolsException ex) when (ErrorCatalog.Find(ex.ErrorId)?.Family == ErrorCatalog.KmsFamily) { return null; }
        }
        try { return GetRootKey(descriptor); }
        catch (KeyStoreLockedException) { return null; }
    }

    /// <summary>A root key read from outside (a file, DPAPI) must be this store's: checked against the descriptor.</summary>
    public static byte[] Checked(StoreContext store, StoreDescriptor descriptor, byte[] root)
    {
        if (root.Length != StoreFiles.RootKeyBytes || !StoreFiles.RootKeyMatches(descriptor, root))
        {
            CryptographicOperations.ZeroMemory(root);
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The root key of the key store '{store.Location}' does not match its descriptor (a root key file of another store?). Restore '{StoreFiles.RootKeyFile}' from a backup.");
        }
        return root;
    }
}
