using System.Security.Cryptography;

namespace EncryptionTools.Engine.Operations;

/// <summary>
/// A write-only stream into a pinned byte buffer that is wiped when it grows and when disposed: decrypted secrets land
/// here, never in a MemoryStream whose abandoned arrays the garbage collector may copy or leave behind unwiped.
/// </summary>
public sealed class SecretBuffer : Stream
{
    private byte[] _buffer;
    private int _length;
    private bool _disposed;

    public SecretBuffer(int initialCapacity = 256) => _buffer = GC.AllocateArray<byte>(Math.Max(16, initialCapacity), pinned: true);

    /// <summary>The bytes written so far (valid until the next write or dispose).</summary>
    public ReadOnlySpan<byte> Span => _disposed ? throw new ObjectDisposedException(nameof(SecretBuffer)) : _buffer.AsSpan(0, _length);

    /// <summary>The bytes as a new array owned by the caller (for output that is meant to leave: -AsByteArray).</summary>
    /// <summary>A read-only stream over the bytes written so far (no copy; valid until the next write or dispose).</summary>
    public Stream OpenRead() => _disposed ? throw new ObjectDisposedException(nameof(SecretBuffer)) : new MemoryStream(_buffer, 0, _length, writable: false);

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.Length > _buffer.Length - _length)
        {
            var needed = checked(_length + buffer.Length);
            var grown = GC.AllocateArray<byte>((int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_buffer.Length * 2)), pinned: true);
            _buffer.AsSpan(0, _length).CopyTo(grown);
            CryptographicOperations.ZeroMemory(_buffer);
            _buffer = grown;
        }
        buffer.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    protected override void Dispose(bool disposing)
    {
        CryptographicOperations.ZeroMemory(_buffer);
        _length = 0;
        _disposed = true;
        base.Dispose(disposing);
    }
}
