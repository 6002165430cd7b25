using System.Buffers.Binary;
using System.Security.Cryptography;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Streaming;

/// <summary>Options for decryption.</summary>
internal sealed record DecryptOptions
{
    /// <summary>Pairs the message's encryption context must hold; a mismatch fails before any plaintext is produced.</summary>
    public IReadOnlyDictionary<string, string>? RequiredEncryptionContext { get; init; }
    public MessageLimits Limits { get; init; } = MessageLimits.Default;
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Reports plaintext bytes produced so far.</summary>
    public IProgress<long>? Progress { get; init; }
}

/// <summary>What a decryption found.</summary>
public sealed record DecryptResult(MessageHeader Header, EncryptedDataKey DecryptedWith, long PlaintextLength);

/// <summary>
/// Reads AWS Encryption SDK v2 messages, streaming. Plaintext is written to <c>output</c> frame by frame as each frame
/// authenticates, and the final frame only after the end marker, the end of input and any signature verify.
/// Callers that must not release unauthenticated plaintext write to a private temporary file and publish it only
/// when this returns (see <see cref="Files.FileProtector"/>).
/// </summary>
internal static class MessageDecryptor
{
    public static DecryptResult Decrypt(Stream input, Stream output, IReadOnlyList<IKeyring> keyrings, DecryptOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new DecryptOptions();
        var header = MessageHeader.Read(input, options.Limits);
        var suite = header.Suite;
        var serializedContext = EncryptionContext.Serialize(header.EncryptionContext);
        var (dataKey, usedEdk) = UnwrapDataKey(header, keyrings, serializedContext);
        try
        {
            var (length, _) = DecryptWithDataKey(input, output, header, dataKey, options, cancellationToken);
            return new DecryptResult(header, usedEdk, length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// The checks and body of <see cref="Decrypt"/> once the data key is known (<paramref name="input"/> is just past the
    /// header): commitment, header tag, required context, every frame, the end of the message and any signature.
    /// Returns the plaintext length and the message's length without its footer (where a signature's footer begins).
    /// </summary>
    internal static (long PlaintextLength, long LengthBeforeFooter) DecryptWithDataKey(Stream input, Stream output, MessageHeader header,
        byte[] dataKey, DecryptOptions options, CancellationToken cancellationToken)
    {
        var suite = header.Suite;
        byte[]? key = null;
        try
        {
            key = MessageCrypto.DeriveEncryptionKey(suite, dataKey, header.MessageId);
            var commitKey = MessageCrypto.DeriveCommitKey(suite, dataKey, header.MessageId);
            if (!CryptographicOperations.FixedTimeEquals(commitKey, header.CommitKey))
                throw new MessageTamperedException("The message's key commitment does not match its data key: the message was altered or built to deceive.");
            if (!MessageCrypto.VerifyHeader(suite, key, header.BodyBytes, header.AuthTag))
                throw new MessageTamperedException("The message header failed authentication: it was altered.");
            EncryptionContext.RequirePairs(header.EncryptionContext, options.RequiredEncryptionContext);

            using var verifier = suite.IsSigned ? SignatureVerifier.Create(header) : null;
            var length = ReadBody(input, output, header, key, verifier, options, cancellationToken, out var bodyLength);
            output.Flush();
            return (length, header.TotalLength + bodyLength);
        }
        finally
        {
            if (key is not null) CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Tries every EDK against every keyring; on failure the error lists each EDK with its reason.</summary>
    internal static (byte[] DataKey, EncryptedDataKey Edk) UnwrapDataKey(MessageHeader header, IReadOnlyList<IKeyring> keyrings, byte[] serializedContext)
    {
        var failures = new List<EdkFailure>();
        foreach (var edk in header.EncryptedDataKeys)
        {
            if (Format.HeaderReserve.IsPadding(edk)) continue; // header slack, not a key: never worth a failure line
            var tried = new List<EdkFailure>();
            foreach (var keyring in keyrings)
            {
                var result = keyring.TryUnwrap(edk, serializedContext);
                if (result is not { } r) continue;
                if (r.DataKey is { } dataKey)
                {
                    if (dataKey.Length == header.Suite.KeyLength) return (dataKey, edk);
                    CryptographicOperations.ZeroMemory(dataKey);
                    tried.Add(new EdkFailure(edk.ProviderId, EdkNames.KeyName(edk), EdkFailureKind.WrongKey, "the unwrapped data key has the wrong length"));
                }
                else if (r.Failure is { } failure)
                {
                    tried.Add(failure);
                }
            }
            // One entry per EDK, so the report's numbering and count match the message's EDKs.
            if (tried.Count == 0)
                failures.Add(new EdkFailure(edk.ProviderId, EdkNames.KeyName(edk), EdkFailureKind.UnknownKey,
                    "no available key matches this provider and key name"));
            else
                failures.Add(tried.Count == 1 ? tried[0] : tried[0] with
                {
                    Reason = $"{tried.Count} keys with this name were tried: " + string.Join("; ", tried.Select(f => f.Reason).Distinct()),
                });
        }
        throw new NoDecryptableKeyException(failures);
    }

    private static long ReadBody(Stream input, Stream output, MessageHeader header, byte[] key, SignatureVerifier? verifier,
        DecryptOptions options, CancellationToken cancellationToken, out long bodyLength)
    {
        bodyLength = 0;
        var suite = header.Suite;
        var frameLength = header.FrameLength;
        var framesPerBatch = Math.Max(1, MessageEncryptor.BatchTarget / frameLength);
        // The body is read a batch at a time, straight into the batch's input, and parsed where it lies: one large
        // read per batch instead of five small buffered reads (and a copy) per frame. A batch's frames are regular
        // frames except possibly the last, and a final frame is at most 8 bytes longer than a regular one.
        var regularFrame = 4 + suite.IvLength + frameLength + suite.TagLength;
        var chunk = framesPerBatch * regularFrame;
        var degree = Math.Max(1, options.MaxDegreeOfParallelism);
        using var pipeline = new FramePipeline(output, degree, degree * 2,
            () => new Batch(chunk + 8, framesPerBatch * frameLength, framesPerBatch),
            options.Progress, b => b.OutputLength, cancellationToken);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = new BodyReader(input);
        uint expected = 1;
        long total = 0;
        try
        {
            var batch = pipeline.Rent();
            batch.FirstSequence = expected;
            reader.Start(batch.Input, chunk);
            while (true)
            {
                pipeline.ThrowIfStopped();
                var frameStart = reader.Position;
                var marker = reader.ReadUInt32(atFrameStart: true);
                var final = marker == MessageCrypto.FinalFrameMarker;
                var sequence = final ? reader.ReadUInt32(atFrameStart: false) : marker;
                if (sequence != expected)
                    throw new MessageTamperedException(
                        $"Frame {expected} was expected but frame {sequence} was found: frames were removed, reordered or altered.");

                ref var slot = ref batch.Frames[batch.FrameCount];
                slot.Sequence = sequence;
                slot.Final = final;
                slot.IvOffset = reader.Take(suite.IvLength);
                var contentLength = frameLength;
                if (final)
                {
                    var declared = reader.ReadUInt32(atFrameStart: false);
                    if (declared > (uint)frameLength)
                        throw new MessageTamperedException($"The final frame declares {declared} bytes, more than the frame length {frameLength}.");
                    contentLength = (int)declared;
                }
                slot.ContentOffset = reader.Take(contentLength);
                slot.ContentLength = contentLength;
                slot.TagOffset = reader.Take(suite.TagLength);
                verifier?.Append(batch.Input.AsSpan(frameStart, reader.Position - frameStart));
                bodyLength += reader.Position - frameStart;
                batch.InputLength = reader.Position;
                batch.FrameCount++;
                total += contentLength;

                if (final)
                {
                    batch.ContainsFinal = true;
                    var tail = reader.TakeRest(); // read past the body already: the footer, or bytes that must not be there
                    pipeline.Post(batch, b => DecryptBatch(b, suite, key, header.MessageId), gate.Task);
                    FinishMessage(tail, input, verifier);
                    gate.SetResult();
                    break;
                }
                if (expected == MessageCrypto.FinalFrameMarker - 1)
                    throw new MessageTamperedException("The message has no final frame before the sequence numbers run out.");
                expected++;
                if (batch.FrameCount == framesPerBatch)
                {
                    pipeline.Post(batch, b => DecryptBatch(b, suite, key, header.MessageId));
                    batch = pipeline.Rent();
                    batch.FirstSequence = expected;
                    reader.Start(batch.Input, chunk);
                }
            }
            pipeline.Complete();
            return total;
        }
        catch (Exception ex)
        {
            gate.TrySetException(ex);
            pipeline.Abort();
            throw;
        }
    }

    /// <summary>After the final frame: the footer (signed suites), then nothing. <paramref name="tail"/> was read already.</summary>
    private static void FinishMessage(byte[] tail, Stream input, SignatureVerifier? verifier)
    {
        var rest = new TailReader(tail, input);
        if (verifier is not null)
        {
            var lengthBytes = new byte[2];
            if (rest.ReadAtLeast(lengthBytes) < 2)
                throw new MessageTruncatedException("The message ends before its signature: it was truncated.");
            var length = BinaryPrimitives.ReadUInt16BigEndian(lengthBytes);
            if (length > 256) throw new MessageTamperedException("The message's signature is implausibly long.");
            var signature = new byte[length];
            if (rest.ReadAtLeast(signature) < length)
                throw new MessageTruncatedException("The message ends inside its signature: it was truncated.");
            verifier.Verify(signature);
        }
        if (rest.ReadAtLeast(new byte[1]) > 0)
            throw new MessageTamperedException("There are bytes after the end of the message: it was extended or altered.");
    }

    private static void DecryptBatch(Batch batch, AlgorithmSuite suite, byte[] key, byte[] messageId)
    {
        using var gcm = new AesGcm(key, suite.TagLength);
        Span<byte> aad = stackalloc byte[MessageCrypto.MaxBodyAadLength(suite)];
        var o = 0;
        for (var i = 0; i < batch.FrameCount; i++)
        {
            ref var slot = ref batch.Frames[i];
            var aadLength = MessageCrypto.BodyAad(messageId, slot.Final, slot.Sequence, slot.ContentLength, aad);
            try
            {
                gcm.Decrypt(batch.Input.AsSpan(slot.IvOffset, suite.IvLength), batch.Input.AsSpan(slot.ContentOffset, slot.ContentLength),
                    batch.Input.AsSpan(slot.TagOffset, suite.TagLength), batch.Output.AsSpan(o, slot.ContentLength), aad[..aadLength]);
            }
            catch (AuthenticationTagMismatchException ex)
            {
                CryptographicOperations.ZeroMemory(batch.Output.AsSpan(o, slot.ContentLength));
                throw new MessageTamperedException($"Frame {slot.Sequence} failed authentication: the message body was altered.", ex);
            }
            o += slot.ContentLength;
        }
        batch.OutputLength = o;
    }

    /// <summary>
    /// Reads the body into a batch's input a chunk at a time and hands out the frames' fields where they lie; tells
    /// truncation apart from tampering exactly as a field-by-field read would.
    /// </summary>
    private sealed class BodyReader(Stream input)
    {
        private byte[] _buffer = [];
        private int _position;
        private int _filled;
        private bool _ended;

        public int Position => _position;

        /// <summary>Makes <paramref name="buffer"/> the current one and reads up to <paramref name="chunk"/> bytes into it.</summary>
        public void Start(byte[] buffer, int chunk)
        {
            _buffer = buffer;
            _position = _filled = 0;
            Fill(chunk);
        }

        public uint ReadUInt32(bool atFrameStart)
        {
            if (!Ensure(4))
                throw new MessageTruncatedException(atFrameStart && _filled == _position
                    ? "The message ends before its final frame: it was truncated."
                    : "The message ends inside a frame: it was truncated.");
            var value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_position));
            _position += 4;
            return value;
        }

        /// <summary>Steps over <paramref name="count"/> bytes of the frame and returns where they start in the buffer.</summary>
        public int Take(int count)
        {
            if (!Ensure(count)) throw new MessageTruncatedException("The message ends inside a frame: it was truncated.");
            var at = _position;
            _position += count;
            return at;
        }

        /// <summary>A copy of the bytes read past the current position (past the final frame); the buffer then belongs to the batch.</summary>
        public byte[] TakeRest()
        {
            var rest = _buffer.AsSpan(_position, _filled - _position).ToArray();
            _position = _filled;
            return rest;
        }

        private bool Ensure(int count) => _filled - _position >= count || (Fill(_position + count) && _filled - _position >= count);

        /// <summary>Reads until the buffer holds <paramref name="upTo"/> bytes; false once the input has ended.</summary>
        private bool Fill(int upTo)
        {
            if (_ended) return false;
            var want = upTo - _filled;
            var read = input.ReadAtLeast(_buffer.AsSpan(_filled, want), want, throwOnEndOfStream: false);
            _filled += read;
            _ended = read < want;
            return !_ended;
        }
    }

    /// <summary>Reads the bytes the body reader had already read past the body, then the rest of the input.</summary>
    private sealed class TailReader(byte[] tail, Stream input)
    {
        private int _offset;

        /// <summary>Fills <paramref name="buffer"/> unless the message ends first; returns how many bytes it got.</summary>
        public int ReadAtLeast(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, tail.Length - _offset);
            tail.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            if (n < buffer.Length) n += input.ReadAtLeast(buffer[n..], buffer.Length - n, throwOnEndOfStream: false);
            return n;
        }
    }
}

/// <summary>SHA-384 over header and body, checked against the footer with the key from the encryption context.</summary>
internal sealed class SignatureVerifier : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA384);
    private readonly ECDsa _key;

    private SignatureVerifier(ECDsa key) => _key = key;

    public static SignatureVerifier Create(MessageHeader header)
    {
        if (!header.EncryptionContext.TryGetValue(EncryptionContext.PublicKeyField, out var encoded))
            throw new MessageTamperedException("The message uses a signed suite but carries no signing key in its encryption context.");
        var verifier = new SignatureVerifier(EcPoint.ImportCompressed(encoded));
        verifier.Append(header.BodyBytes);
        verifier.Append(header.AuthTag);
        return verifier;
    }

    public void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    public void Verify(byte[] signature)
    {
        if (!_key.VerifyHash(_hash.GetHashAndReset(), signature, DSASignatureFormat.Rfc3279DerSequence))
            throw new MessageTamperedException("The message's signature does not verify: it was altered.");
    }

    public void Dispose()
    {
        _hash.Dispose();
        _key.Dispose();
    }
}
