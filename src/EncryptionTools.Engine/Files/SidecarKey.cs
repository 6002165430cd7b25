using System.Security.Cryptography;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// The key that authenticates the sidecar files this product writes beside data (rewrap journals): a key only the key
/// store's owner can derive (from the store's root key), so a journal another local user plants is never applied.
/// Derived on first use (most operations never meet a journal), kept until disposed, then wiped.
/// </summary>
public sealed class SidecarKey : IDisposable
{
    private readonly Func<byte[]>? _derive;
    private readonly object _sync = new();
    private byte[]? _key;
    private bool _disposed;

    /// <summary>A key derived on first use by <paramref name="derive"/> (which returns a fresh 32-byte array this object then owns).</summary>
    public SidecarKey(Func<byte[]> derive) => _derive = derive ?? throw new ArgumentNullException(nameof(derive));

    private SidecarKey(byte[] key) => _key = key;

    /// <summary>A key given as bytes (copied): tests, and callers that hold their own key.</summary>
    public static SidecarKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length < 32) throw new ArgumentException("A sidecar key has at least 32 bytes.", nameof(key));
        return new SidecarKey(key.ToArray());
    }

    /// <summary>HMAC-SHA256 of <paramref name="data"/> under the key.</summary>
    internal byte[] Mac(ReadOnlySpan<byte> data) => HMACSHA256.HashData(Key(), data);

    /// <summary>The key, derived now if needed; throws what the derivation throws (e.g. a locked store).</summary>
    private byte[] Key()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_key is null)
            {
                var key = _derive!();
                if (key.Length < 32) throw new InvalidOperationException("A sidecar key has at least 32 bytes.");
                _key = key;
            }
            return _key;
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            if (_key is not null) CryptographicOperations.ZeroMemory(_key);
            _key = null;
            _disposed = true;
        }
    }
}
