using System.Security.Cryptography;
using System.Text;

namespace EncryptionTools.Engine.Store;

/// <summary>A store that can give the key authenticating sidecar files (rewrap journals) written for its keys' files.</summary>
internal interface ISidecarKeySource
{
    /// <summary>A fresh 32-byte key (the caller wipes it); throws when the store does not exist or is locked.</summary>
    byte[] DeriveSidecarKey();
}

// The sidecar key: HKDF-SHA256 of the root key with its own label, so only the store's owner (who can read the root
// key) can make a journal this store's files will accept. A new root key gives a new sidecar key.
public sealed partial class LocalKeyStore : ISidecarKeySource
{
    internal static byte[] DeriveSidecarKey(ReadOnlySpan<byte> rootKey, string storeId)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey, key, Encoding.UTF8.GetBytes("enctools-store:" + storeId), "sidecar-journal v1"u8);
        return key;
    }

    byte[] ISidecarKeySource.DeriveSidecarKey() => _administration.DeriveSidecarKey();
}
