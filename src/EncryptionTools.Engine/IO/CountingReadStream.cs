namespace EncryptionTools.Engine.IO;

/// <summary>
/// A forward-only read of another stream that counts what it passes on (the length of a message read from a pipe,
/// which has none). <see cref="OnRead"/> lets a subclass check or hash each chunk as it passes.
/// </summary>
public class CountingReadStream(Stream inner) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        BytesRead += n;
        OnRead(buffer[..n]);
        return n;
    }

    /// <summary>Called with each chunk read, after <see cref="BytesRead"/> counts it.</summary>
    protected virtual void OnRead(ReadOnlySpan<byte> data) { }
}
