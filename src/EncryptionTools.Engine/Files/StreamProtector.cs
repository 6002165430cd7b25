using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// Protect and unprotect between streams (a pipe, stdin and stdout) with the same requests as files. A stream cannot be
/// published atomically, so decryption releases plaintext a batch of frames at a time as each frame authenticates
/// (the final batch only after the end of the message and any signature verify); a failure after that leaves the
/// released prefix with the consumer, who must check the result (the CLI's exit code). <c>buffer</c> releases nothing
/// until the whole message verified.
/// </summary>
public static class StreamProtector
{
    /// <summary>What the CLI calls stdin and stdout: audit records name the "file" this way.</summary>
    public const string StandardStreamName = "-";

    /// <summary>A file to read as a stream source, with the same checks as the file operations (a regular file, readable, not locked).</summary>
    public static Stream OpenSource(string path) => FileCrypto.OpenSource(Path.GetFullPath(path));

    internal static EncryptResult Protect(Stream input, Stream output, ProtectRequest request, string name = StandardStreamName,
        CancellationToken cancellationToken = default)
    {
        if (request.FrameLength is < 1 or > EncryptOptions.MaxFrameLength)
            throw new ArgumentOutOfRangeException(nameof(request), $"The frame length must be between 1 and {EncryptOptions.MaxFrameLength} bytes.");
        request.BeforeEachFile?.Invoke(name);
        // The key uses are recorded before the first byte leaves, as files record them before they are published.
        using var sink = new ReleaseGate(output, request.BeforePublish);
        var result = MessageEncryptor.Encrypt(input, sink, request.Keyrings, new EncryptOptions
        {
            EncryptionContext = request.EncryptionContext,
            FrameLength = request.FrameLength,
            MaxDegreeOfParallelism = request.MaxDegreeOfParallelism,
            HeaderReserve = request.HeaderReserve ?? 0, // no file to rewrite in place: no reserve unless asked
            Suite = request.Suite,
        }, cancellationToken);
        sink.Flush();
        return result;
    }

    /// <summary>
    /// Decrypts <paramref name="input"/> to <paramref name="output"/>. With <paramref name="buffer"/>, the plaintext is
    /// held (memory up to <paramref name="memoryLimit"/> bytes, then a private unnamed temporary file) and written only
    /// after the whole message verified; on failure it is wiped and nothing is written.
    /// </summary>
    internal static DecryptResult Unprotect(Stream input, Stream output, UnprotectRequest request, bool buffer = false,
        long memoryLimit = SpillBuffer.DefaultMemoryLimit, string name = StandardStreamName, CancellationToken cancellationToken = default)
    {
        request.BeforeEachFile?.Invoke(name);
        var options = new DecryptOptions
        {
            RequiredEncryptionContext = request.RequiredEncryptionContext,
            Limits = request.Limits,
            MaxDegreeOfParallelism = request.MaxDegreeOfParallelism,
        };
        if (!buffer)
        {
            using var sink = new ReleaseGate(output, request.BeforePublish);
            var streamed = MessageDecryptor.Decrypt(input, sink, request.Keyrings, options, cancellationToken);
            sink.Flush();
            return streamed;
        }
        using var held = new SpillBuffer(memoryLimit);
        var result = MessageDecryptor.Decrypt(input, held, request.Keyrings, options, cancellationToken);
        request.BeforePublish?.Invoke();
        held.CopyTo(output, cancellationToken);
        output.Flush();
        return result;
    }

    /// <summary>Runs <c>beforeFirstWrite</c> once, before any byte reaches the inner stream (which it does not own).</summary>
    private sealed class ReleaseGate(Stream inner, Action? beforeFirstWrite) : Stream
    {
        private Action? _pending = beforeFirstWrite;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Open();
            try { inner.Write(buffer); }
            catch (IOException ex) { throw new OutputWriteException($"The output stream could not be written: {ex.Message}", ex); }
        }

        public override void Flush()
        {
            Open(); // an empty output still records its key uses
            try { inner.Flush(); }
            catch (IOException ex) { throw new OutputWriteException($"The output stream could not be written: {ex.Message}", ex); }
        }

        private void Open()
        {
            var pending = _pending;
            _pending = null;
            pending?.Invoke();
        }
    }
}
