using System.Security.Cryptography;

namespace EncryptionTools.Engine.IO;

/// <summary>
/// A write-then-read holding place for output that may not be released yet: memory (1 MiB chunks, zeroed on dispose)
/// up to a limit, then a private temporary file in the temp directory that has no name (Linux O_TMPFILE; elsewhere
/// owner-only and deleted on close), so nothing is left behind even if the process is killed.
/// </summary>
internal sealed class SpillBuffer(long memoryLimit = SpillBuffer.DefaultMemoryLimit) : Stream
{
    /// <summary>64 MiB in memory before spilling to a temporary file.</summary>
    public const long DefaultMemoryLimit = 64L * 1024 * 1024;
    private const int ChunkSize = 1024 * 1024;

    private readonly List<byte[]> _chunks = [];
    private long _inMemory;
    private FileStream? _spill;
    private long _length;

    /// <summary>True once the held bytes outgrew memory and went to the temporary file.</summary>
    public bool Spilled => _spill is not null;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Flush() => _spill?.Flush();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (buffer.Length > 0 && _spill is null)
        {
            var used = (int)(_inMemory % ChunkSize);
            if (used == 0)
            {
                if (_inMemory + ChunkSize > memoryLimit)
                {
                    _spill = CreateSpillFile();
                    break;
                }
                _chunks.Add(new byte[ChunkSize]);
            }
            var n = Math.Min(buffer.Length, ChunkSize - used);
            buffer[..n].CopyTo(_chunks[^1].AsSpan(used));
            buffer = buffer[n..];
            _inMemory += n;
            _length += n;
        }
        if (buffer.Length == 0) return;
        try { _spill!.Write(buffer); }
        catch (IOException ex) { throw new OutputWriteException($"The temporary file that holds the output could not be written: {ex.Message}", ex); }
        _length += buffer.Length;
    }

    /// <summary>Writes everything held to <paramref name="destination"/>, in order.</summary>
    public void CopyTo(Stream destination, CancellationToken cancellationToken)
    {
        var left = _inMemory;
        foreach (var chunk in _chunks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = (int)Math.Min(left, ChunkSize);
            destination.Write(chunk, 0, n);
            left -= n;
        }
        if (_spill is null) return;
        _spill.Flush();
        _spill.Position = 0;
        var copy = new byte[ChunkSize];
        try
        {
            int read;
            while ((read = _spill.Read(copy, 0, copy.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                destination.Write(copy, 0, read);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    private static FileStream CreateSpillFile()
    {
        var directory = Path.GetTempPath();
        if (UnixFile.IsSupported)
        {
            try
            {
                var handle = UnixFile.Open(directory, UnixFile.TmpFile | UnixFile.ReadWrite, 0x180 /* 0600 */);
                return new FileStream(handle, FileAccess.ReadWrite, 0);
            }
            catch (UnixIOException ex) when (ex.Errno is UnixFile.EOPNOTSUPP or UnixFile.EISDIR or UnixFile.EINVAL)
            {
                // this file system has no O_TMPFILE: a named, owner-only file deleted on close below
            }
            catch (UnixIOException ex)
            {
                throw new OutputWriteException($"Cannot create a temporary file in '{directory}': {ex.Message}", ex);
            }
        }
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var path = Path.Combine(directory, "enctools-buffer-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant());
        try { return new FileStream(path, options); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OutputWriteException($"Cannot create a temporary file in '{directory}': {ex.Message}", ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var chunk in _chunks) CryptographicOperations.ZeroMemory(chunk);
            _chunks.Clear();
            _spill?.Dispose();
            _spill = null;
        }
        base.Dispose(disposing);
    }
}
