using System.Buffers.Binary;
using System.Security.Cryptography;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Streaming;

/// <summary>Options for decryption.</summary>
public sealed record DecryptOptions
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
/// when this returns (see <see cref="IO.FileCrypto"/>).
/// </summary>
public static class MessageDecryptor
{
    public static DecryptResult Decrypt(Stream input, Stream output, IReadOnlyList<IKeyring> keyrings, DecryptOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new DecryptOptions();
        var header = MessageHeader.Read(input, options.Limits);
        var suite = header.Suite;
        var serializedContext = EncryptionContext.Serialize(header.EncryptionContext);
        var (dataKey, usedEdk) = UnwrapDataKey(header, keyrings, serializedContext);
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
            var length = ReadBody(input, output, header, key, verifier, options, cancellationToken);
            output.Flush();
            return new DecryptResult(header, usedEdk, length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            if (key is not null) CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Tries every EDK against every keyring; on failure the error lists each EDK with its reason.</summary>
    internal static (byte[] DataKey, EncryptedDataKey Edk) UnwrapDataKey(MessageHeader header, IReadOnlyList<IKeyring> keyrings, byte[] serializedContext)
    {
        var failures = new List<EdkFailure>();
        foreach (var edk in header.EncryptedDataKeys)
        {
            var recognised = false;
            foreach (var keyring in keyrings)
            {
                var result = keyring.TryUnwrap(edk, serializedContext);
                if (result is not { } r) continue;
                recognised = true;
                if (r.DataKey is { } dataKey)
                {
                    if (dataKey.Length == header.Suite.KeyLength) return (dataKey, edk);
                    CryptographicOperations.ZeroMemory(dataKey);
                    failures.Add(new EdkFailure(edk.ProviderId, EdkNames.KeyName(edk), EdkFailureKind.WrongKey, "the unwrapped data key has the wrong length"));
                }
                else if (r.Failure is { } failure)
                {
                    failures.Add(failure);
                }
            }
            if (!recognised)
                failures.Add(new EdkFailure(edk.ProviderId, EdkNames.KeyName(edk), EdkFailureKind.UnknownKey,
                    "no available key matches this provider and key name"));
        }
        throw new NoDecryptableKeyException(failures);
    }

    private static long ReadBody(Stream input, Stream output, MessageHeader header, byte[] key, SignatureVerifier? verifier,
        DecryptOptions options, CancellationToken cancellationToken)
    {
        var suite = header.Suite;
        var frameLength = header.FrameLength;
        var framesPerBatch = Math.Max(1, MessageEncryptor.BatchTarget / frameLength);
        var slotSize = suite.IvLength + frameLength + suite.TagLength;
        var degree = Math.Max(1, options.MaxDegreeOfParallelism);
        using var pipeline = new FramePipeline(output, degree, degree * 2,
            () => new Batch(framesPerBatch * slotSize, framesPerBatch * frameLength, framesPerBatch),
            options.Progress, b => b.OutputLength, cancellationToken);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = new BodyReader(input, verifier);
        uint expected = 1;
        long total = 0;
        try
        {
            var batch = pipeline.Rent();
            batch.FirstSequence = expected;
            while (true)
            {
                pipeline.ThrowIfStopped();
                var marker = reader.ReadUInt32(atFrameStart: true);
                var final = marker == MessageCrypto.FinalFrameMarker;
                var sequence = final ? reader.ReadUInt32(atFrameStart: false) : marker;
                if (sequence != expected)
                    throw new MessageTamperedException(
                        $"Frame {expected} was expected but frame {sequence} was found: frames were removed, reordered or altered.");

                ref var slot = ref batch.Frames[batch.FrameCount];
                var offset = batch.InputLength;
                slot.Sequence = sequence;
                slot.Final = final;
                slot.IvOffset = offset;
                reader.ReadExactly(batch.Input.AsSpan(offset, suite.IvLength));
                offset += suite.IvLength;
                var contentLength = frameLength;
                if (final)
                {
                    var declared = reader.ReadUInt32(atFrameStart: false);
                    if (declared > (uint)frameLength)
                        throw new MessageTamperedException($"The final frame declares {declared} bytes, more than the frame length {frameLength}.");
                    contentLength = (int)declared;
                }
                slot.ContentOffset = offset;
                slot.ContentLength = contentLength;
                reader.ReadExactly(batch.Input.AsSpan(offset, contentLength));
                offset += contentLength;
                slot.TagOffset = offset;
                reader.ReadExactly(batch.Input.AsSpan(offset, suite.TagLength));
                batch.InputLength = offset + suite.TagLength;
                batch.FrameCount++;
                total += contentLength;

                if (final)
                {
                    batch.ContainsFinal = true;
                    pipeline.Post(batch, b => DecryptBatch(b, suite, key, header.MessageId), gate.Task);
                    reader.FinishMessage(suite);
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

    /// <summary>Reads the body's fields, feeding the signature hash, and tells truncation apart from tampering.</summary>
    private sealed class BodyReader(Stream input, SignatureVerifier? verifier)
    {
        private readonly byte[] _scratch = new byte[4];

        public uint ReadUInt32(bool atFrameStart)
        {
            var read = input.ReadAtLeast(_scratch, 4, throwOnEndOfStream: false);
            if (read < 4)
                throw new MessageTruncatedException(atFrameStart && read == 0
                    ? "The message ends before its final frame: it was truncated."
                    : "The message ends inside a frame: it was truncated.");
            verifier?.Append(_scratch);
            return BinaryPrimitives.ReadUInt32BigEndian(_scratch);
        }

        public void ReadExactly(Span<byte> buffer)
        {
            if (input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
                throw new MessageTruncatedException("The message ends inside a frame: it was truncated.");
            verifier?.Append(buffer);
        }

        /// <summary>After the final frame: the footer (signed suites), then nothing.</summary>
        public void FinishMessage(AlgorithmSuite suite)
        {
            if (verifier is not null)
            {
                var lengthBytes = new byte[2];
                if (input.ReadAtLeast(lengthBytes, 2, throwOnEndOfStream: false) < 2)
                    throw new MessageTruncatedException("The message ends before its signature: it was truncated.");
                var length = BinaryPrimitives.ReadUInt16BigEndian(lengthBytes);
                if (length > 256) throw new MessageTamperedException("The message's signature is implausibly long.");
                var signature = new byte[length];
                if (input.ReadAtLeast(signature, length, throwOnEndOfStream: false) < length)
                    throw new MessageTruncatedException("The message ends inside its signature: it was truncated.");
                verifier.Verify(signature);
            }
            if (input.ReadByte() >= 0)
                throw new MessageTamperedException("There are bytes after the end of the message: it was extended or altered.");
        }
    }

    /// <summary>SHA-384 over header and body, checked against the footer with the key from the encryption context.</summary>
    private sealed class SignatureVerifier : IDisposable
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
}
