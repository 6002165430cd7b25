using System.Security.Cryptography;

namespace EncryptionTools.Engine.Store;

/// <summary>DPAPI mode (Windows): the root key is sealed to the user's Windows account, in the descriptor.</summary>
internal sealed class DpapiRootKeyProtector(StoreContext store) : IRootKeyProtector
{
    public StoreProtection Protection => StoreProtection.Dpapi;

    public void Protect(StoreDescriptor descriptor, byte[] root, RootKeySecret secret) =>
        descriptor.Dpapi = new StoreDescriptor.DpapiWrap { Blob = DpapiRootKey.Protect(root, descriptor.StoreId) };

    public byte[] Recover(StoreDescriptor descriptor) =>
        RootKeyProtection.Checked(store, descriptor, DpapiRootKey.Unprotect(descriptor.Dpapi?.Blob ?? [], descriptor.StoreId, store.Location));

    public void VerifyRecoverable(StoreDescriptor parsed, byte[] root)
    {
        var back = DpapiRootKey.Unprotect(parsed.Dpapi!.Blob, parsed.StoreId, store.Location);
        var same = CryptographicOperations.FixedTimeEquals(back, root);
        CryptographicOperations.ZeroMemory(back);
        if (!same) throw new InvalidOperationException("DPAPI did not give the root key back.");
    }
}
