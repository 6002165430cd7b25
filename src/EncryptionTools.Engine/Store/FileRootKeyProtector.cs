using System.Security.Cryptography;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Store;

/// <summary>File mode: the root key sits in root.key beside the store, owner-only; whoever can read the directory can open it.</summary>
internal sealed class FileRootKeyProtector(StoreContext store) : IRootKeyProtector
{
    public StoreProtection Protection => StoreProtection.File;

    public void Protect(StoreDescriptor descriptor, byte[] root, RootKeySecret secret) => StoreFiles.WriteAtomically(store.RootKeyPath, root);

    public byte[] Recover(StoreDescriptor descriptor)
    {
        byte[] root;
        try { root = File.ReadAllBytes(store.RootKeyPath); }
        catch (FileNotFoundException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.ReadError,
                $"The root key file '{store.RootKeyPath}' of the key store is missing; without it no key can be decrypted. Restore it from a backup.", ex);
        }
        return RootKeyProtection.Checked(store, descriptor, root);
    }

    public void VerifyRecoverable(StoreDescriptor parsed, byte[] root)
    {
        var onDisk = File.ReadAllBytes(store.RootKeyPath);
        var same = CryptographicOperations.FixedTimeEquals(onDisk, root);
        CryptographicOperations.ZeroMemory(onDisk);
        if (!same) throw new InvalidOperationException("The root key file does not hold the root key.");
    }

    /// <summary>Overwrites and deletes root.key (after the store moved to another protection, or one left by a crash).</summary>
    public void Destroy()
    {
        var path = store.RootKeyPath;
        if (!File.Exists(path)) return;
        try
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                stream.Write(new byte[Math.Max(StoreFiles.RootKeyBytes, (int)stream.Length)]);
                stream.Flush(flushToDisk: true);
            }
            File.Delete(path);
            AtomicFile.FsyncDirectory(store.Location);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
