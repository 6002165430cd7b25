using System.Security.Cryptography;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// The identity of a source (device and inode where the system gives them), its length and last-write time, taken
/// before it is read and compared after. Taken through symbolic links: a linked source is its target's content.
/// </summary>
internal readonly record struct SourceSnapshot(long Length, DateTime LastWriteUtc, ulong Device = 0, ulong Inode = 0, uint Links = 1)
{
    public static SourceSnapshot Take(string path)
    {
        if (UnixFile.IsSupported)
        {
            UnixFileStatus? status;
            try { status = UnixFile.Stat(path, followLinks: true); }
            catch (UnixIOException ex) when (ex.Errno == UnixFile.ELOOP) { status = null; }
            if (status is not { } s) throw NotFound(path);
            if (s.Type == UnixFileType.Directory)
                throw new EncryptionToolsException(ErrorCatalog.SourceIsDirectory, $"'{path}' is a directory.") { Target = path };
            if (!s.IsRegular) throw new SourceNotRegularFileException(path, SpecialFiles.Describe(s.Type)) { Target = path };
            return new SourceSnapshot(s.Length, s.ModifiedUtc, s.Device, s.Inode, s.Links);
        }
        var info = new FileInfo(path);
        info.Refresh();
        if (!info.Exists) throw NotFound(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
        {
            target.Refresh();
            if (!target.Exists) throw NotFound(path);
            return new SourceSnapshot(target.Length, target.LastWriteTimeUtc);
        }
        return new SourceSnapshot(info.Length, info.LastWriteTimeUtc);
    }

    private static EncryptionToolsException NotFound(string path) =>
        new(ErrorCatalog.SourceNotFound, $"The file '{path}' does not exist.") { Target = path };

    /// <summary>Throws <see cref="SourceChangedException"/> when the file's identity, length or last-write time moved since <see cref="Take"/>.</summary>
    public void Verify(string path)
    {
        SourceSnapshot now;
        try { now = Take(path); }
        catch (EncryptionToolsException) { throw new SourceChangedException(path, "it was deleted or moved") { Target = path }; }
        if (now.Device != Device || now.Inode != Inode)
            throw new SourceChangedException(path, "another file took its name") { Target = path };
        if (now.Length != Length)
            throw new SourceChangedException(path, $"its length went from {Length} to {now.Length} bytes") { Target = path };
        if (now.LastWriteUtc != LastWriteUtc)
            throw new SourceChangedException(path, "its last-write time changed") { Target = path };
    }

    /// <summary>Throws <see cref="SourceChangedException"/> when an opened handle is not the file this snapshot was taken of.</summary>
    public void VerifySame(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path)
    {
        if (!UnixFile.IsSupported) return;
        var s = UnixFile.Stat(handle);
        if (s.Device != Device || s.Inode != Inode)
            throw new SourceChangedException(path, "another file took its name") { Target = path };
    }
}

/// <summary>
/// Reads a source while refusing to go past the length it had at the start (a file growing under us) and counting
/// and optionally hashing what it passes on. <see cref="Finish"/> checks the read stopped exactly at that length.
/// </summary>
internal sealed class GuardedReadStream(Stream inner, string path, long expectedLength, IncrementalHash? hash) : CountingReadStream(inner)
{
    protected override void OnRead(ReadOnlySpan<byte> data)
    {
        if (BytesRead > expectedLength)
            throw new SourceChangedException(path, $"it grew past the {expectedLength} bytes it had when reading began") { Target = path };
        hash?.AppendData(data);
    }

    public void Finish()
    {
        if (BytesRead != expectedLength)
            throw new SourceChangedException(path, $"{BytesRead} bytes were read of the {expectedLength} it had when reading began") { Target = path };
    }
}

/// <summary>Discards what is written to it, hashing it: the sink of the in-place verification pass.</summary>
internal sealed class HashingNullStream(IncrementalHash hash) : Stream
{
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        hash.AppendData(buffer);
        BytesWritten += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }
}

/// <summary>Reads a stream without closing it (the decryptor reads the temp file that AtomicFile still owns).</summary>
internal sealed class NonClosingReadStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Calls back synchronously on the reporting thread (Progress&lt;T&gt; would post to a context, late and out of order).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
