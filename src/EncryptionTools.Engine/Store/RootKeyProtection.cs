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
        _protectors = new IRootKeyProtector[] { File, new DpapiRootKeyProtector(store), Password }.ToDictionary(p => p.Protection);
    }

    public FileRootKeyProtector File { get; }
    public PasswordRootKeyProtector Password { get; }

    /// <summary>The protection of a store nobody chose one for: DPAPI on Windows, File elsewhere.</summary>
    public static StoreProtection DefaultProtection() => OperatingSystem.IsWindows() ? StoreProtection.Dpapi : StoreProtection.File;

    private IRootKeyProtector For(StoreProtection protection) => _protectors.TryGetValue(protection, out var protector) ? protector
        : throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidData, $"Unknown protection '{protection}'.");

    /// <summary>Builds the descriptor for a root key under a protection mode; writes root.key first in File mode.</summary>
    public StoreDescriptor BuildDescriptor(string storeId, DateTimeOffset created, byte[] root, StoreProtection mode, char[]? password, int? iterations)
    {
        var descriptor = new StoreDescriptor { StoreId = storeId, CreationDate = created, Protection = mode, RootKeyCheck = StoreFiles.RootKeyCheck(root) };
        if (_protectors.TryGetValue(mode, out var protector)) protector.Protect(descriptor, root, new RootKeySecret(password, iterations));
        return descriptor;
    }

    /// <summary>Throws unless the descriptor, parsed back from what will be written, gives <paramref name="root"/> back.</summary>
    public void VerifyRecoverable(StoreDescriptor parsed, byte[] root)
    {
        if (!StoreFiles.RootKeyMatches(parsed, root)) throw new InvalidOperationException("The descriptor's root key check does not match.");
        if (_protectors.TryGetValue(parsed.Protection, out var protector)) protector.VerifyRecoverable(parsed, root);
    }

    /// <summary>The root key (the caller zeroes it). Password mode: the unlocked key, or the password from the environment.</summary>
    public byte[] GetRootKey(StoreDescriptor descriptor) => For(descriptor.Protection).Recover(descriptor);

    /// <summary>For information only: never unlocks from the environment (Lock-EncKeyStore must stay locked).</summary>
    public byte[]? TryGetRootKey(StoreDescriptor descriptor)
    {
        if (descriptor.Protection == StoreProtection.Password)
        {
            return Password.Unlocked(descriptor);
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
