using System.Security.Cryptography;

namespace EncryptionTools.Kms;

/// <summary>Plaintext key bytes moving in and out of the SDK's MemoryStreams, wiped behind us.</summary>
internal static class KmsPlaintext
{
    /// <summary>
    /// The bytes of a response's plaintext stream; the stream's own buffer is zeroed (when it exposes it) and the stream
    /// disposed, so the only copy left is the one returned (which the caller zeroes).
    /// </summary>
    public static byte[] Take(MemoryStream? stream)
    {
        if (stream is null) return [];
        try
        {
            if (stream.TryGetBuffer(out var segment))
            {
                var copy = segment.AsSpan(0, (int)stream.Length).ToArray();
                CryptographicOperations.ZeroMemory(segment.Array!);
                return copy;
            }
            return stream.ToArray();
        }
        finally { stream.Dispose(); }
    }

    /// <summary>A request stream over a copy of <paramref name="secret"/> that <see cref="Wipe"/> zeroes after the call.</summary>
    public static (MemoryStream Stream, byte[] Buffer) Give(ReadOnlySpan<byte> secret)
    {
        var buffer = secret.ToArray();
        return (new MemoryStream(buffer, 0, buffer.Length, writable: false, publiclyVisible: true), buffer);
    }

    public static void Wipe(MemoryStream stream, byte[] buffer)
    {
        CryptographicOperations.ZeroMemory(buffer);
        stream.Dispose();
    }
}
