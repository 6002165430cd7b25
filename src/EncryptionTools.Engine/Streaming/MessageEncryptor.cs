using System.Buffers.Binary;
using System.Security.Cryptography;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Streaming;

/// <summary>Options for encryption. The defaults are what the cmdlets use.</summary>
public sealed record EncryptOptions
{
    /// <summary>64 KiB: as fast as 1 MiB frames and far faster than the SDK's 4096 (measurements in docs/performance.md).</summary>
    public const int DefaultFrameLength = 64 * 1024;
    public const int MaxFrameLength = 16 * 1024 * 1024;

    public IReadOnlyDictionary<string, string> EncryptionContext { get; init; } = Format.EncryptionContext.Empty;
    public int FrameLength { get; init; } = DefaultFrameLength;
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Reports plaintext bytes consumed so far.</summary>
    public IProgress<long>? Progress { get; init; }
    /// <summary>
    /// Header bytes kept free as a padding EDK (<see cref="Format.HeaderReserve"/>) so a later rewrap can rewrite the
    /// header in place. 0 (the default here) keeps none: a stream has no file to rewrite in place. The file layer
    /// (<see cref="Files.FileProtector"/>) applies <see cref="Format.HeaderReserve.ForPlaintextLength"/> instead.
    /// Values from 1 to <see cref="Format.HeaderReserve.MinimumBytes"/> are rounded up to it.
    /// </summary>
    public int HeaderReserve { get; init; }
    /// <summary>
    /// Write suite 0x0578 (ECDSA P-384 signed) instead of 0x0478. A fresh signing key is made per message; its public
    /// key goes into the encryption context as <c>aws-crypto-public-key</c>, the signature over header and body into
    /// the footer, and the private key is discarded when the message is written. A reader who can decrypt the message
    /// then knows it was written whole by someone who held the signing key, not forged by another reader.
    /// </summary>
    public bool Signed
    {
        get => Suite.IsSigned;
        init => Suite = value ? AlgorithmSuite.CommitKeyEcdsaP384 : AlgorithmSuite.CommitKey;
    }

    internal AlgorithmSuite Suite { get; init; } = AlgorithmSuite.CommitKey;
}

/// <summary>What an encryption wrote.</summary>
public sealed record EncryptResult(
    byte[] MessageId,
    AlgorithmSuite Suite,
    IReadOnlyDictionary<string, string> EncryptionContext,
    IReadOnlyList<EncryptedDataKey> EncryptedDataKeys,
    int FrameLength,
    long PlaintextLength,
    long CiphertextLength);

/// <summary>Writes AWS Encryption SDK v2 messages, streaming, with frames encrypted in parallel.</summary>
internal static class MessageEncryptor
{
    /// <summary>Target bytes of plaintext per parallel work item; small frames are grouped to amortize scheduling.</summary>
    internal const int BatchTarget = 1024 * 1024;

    public static EncryptResult Encrypt(Stream input, Stream output, IReadOnlyList<IKeyring> keyrings, EncryptOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new EncryptOptions();
        if (keyrings.Count == 0) throw new ArgumentException("At least one keyring is needed to encrypt.", nameof(keyrings));
        if (options.FrameLength is < 1 or > EncryptOptions.MaxFrameLength)
            throw new ArgumentOutOfRangeException(nameof(options), $"The frame length must be between 1 and {EncryptOptions.MaxFrameLength} bytes.");
        var suite = options.Suite;
        var context = new Dictionary<string, string>(options.EncryptionContext, StringComparer.Ordinal);
        Format.EncryptionContext.ValidateForEncrypt(context);

        using var signer = suite.IsSigned ? ECDsa.Create(ECCurve.NamedCurves.nistP384) : null;
        if (signer is not null) context[Format.EncryptionContext.PublicKeyField] = EcPoint.CompressedPublicKeyBase64(signer);
        var serializedContext = Format.EncryptionContext.Serialize(context);

        // A first keyring that can make the data key (AWS KMS GenerateDataKey) makes it, as the ESDK's generator keyring does.
        var edks = new List<EncryptedDataKey>();
        byte[] dataKey;
        var generator = keyrings[0] as IDataKeyGenerator;
        if (generator is not null)
        {
            var generated = generator.Generate(suite.KeyLength, serializedContext);
            (dataKey, edks) = (generated.DataKey, [.. generated.Edks]);
        }
        else dataKey = RandomNumberGenerator.GetBytes(suite.KeyLength);
        var messageId = RandomNumberGenerator.GetBytes(suite.MessageIdLength);
        byte[]? encryptionKey = null;
        try
        {
            if (dataKey.Length != suite.KeyLength) throw new CryptographicException("The generated data key has the wrong length.");
            foreach (var keyring in generator is not null ? keyrings.Skip(1) : keyrings) edks.AddRange(keyring.Wrap(dataKey, serializedContext));
            var headerEdks = edks.Concat(Format.HeaderReserve.CreatePadding(Format.HeaderReserve.Normalize(options.HeaderReserve))).ToList();
            if (headerEdks.Count > ushort.MaxValue) throw new ArgumentException("Too many encrypted data keys for one message.");

            encryptionKey = MessageCrypto.DeriveEncryptionKey(suite, dataKey, messageId);
            var commitKey = MessageCrypto.DeriveCommitKey(suite, dataKey, messageId);
            var headerBody = MessageHeader.SerializeBody(suite, messageId, context, headerEdks, options.FrameLength, commitKey);
            var headerTag = MessageCrypto.HeaderAuthTag(suite, encryptionKey, headerBody);

            using var hash = signer is not null ? IncrementalHash.CreateHash(HashAlgorithmName.SHA384) : null;
            var sink = hash is not null ? new HashingWriteStream(output, hash) : output;
            sink.Write(headerBody);
            sink.Write(headerTag);
            var plaintextLength = WriteBody(input, sink, suite, encryptionKey, messageId, options, cancellationToken);
            long ciphertextLength = headerBody.Length + headerTag.Length + BodyLength(plaintextLength, options.FrameLength, suite);
            if (signer is not null)
            {
                var signature = signer.SignHash(hash!.GetHashAndReset(), DSASignatureFormat.Rfc3279DerSequence);
                Span<byte> len = stackalloc byte[2];
                BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)signature.Length);
                output.Write(len);
                output.Write(signature);
                ciphertextLength += 2 + signature.Length;
            }
            output.Flush();
            return new EncryptResult(messageId, suite, context, edks, options.FrameLength, plaintextLength, ciphertextLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            if (encryptionKey is not null) CryptographicOperations.ZeroMemory(encryptionKey);
        }
    }

    /// <summary>The body length for a plaintext length: full frames, then a final frame holding the rest (possibly a full frame).</summary>
    public static long BodyLength(long plaintextLength, int frameLength, AlgorithmSuite suite)
    {
        var perFrame = 4 + suite.IvLength + suite.TagLength;
        var regular = plaintextLength == 0 ? 0 : (plaintextLength - 1) / frameLength;
        return regular * (perFrame + frameLength) + (perFrame + 8 + (plaintextLength - regular * frameLength));
    }

    private static long WriteBody(Stream input, Stream output, AlgorithmSuite suite, byte[] key, byte[] messageId, EncryptOptions options,
        CancellationToken cancellationToken)
    {
        var frameLength = options.FrameLength;
        var framesPerBatch = Math.Max(1, BatchTarget / frameLength);
        var batchCapacity = framesPerBatch * frameLength;
        var outputCapacity = batchCapacity + framesPerBatch * (4 + suite.IvLength + suite.TagLength) + 8;
        var degree = Math.Max(1, options.MaxDegreeOfParallelism);
        using var pipeline = new FramePipeline(output, degree, degree * 2, () => new Batch(batchCapacity, outputCapacity, 0),
            options.Progress, b => b.InputLength, cancellationToken);
        uint sequence = 1;
        long total = 0;
        try
        {
            var current = pipeline.Rent();
            current.InputLength = input.ReadAtLeast(current.Input.AsSpan(0, batchCapacity), batchCapacity, throwOnEndOfStream: false);
            while (true)
            {
                pipeline.ThrowIfStopped();
                total += current.InputLength;
                current.FirstSequence = sequence;
                if (current.InputLength < batchCapacity)
                {
                    current.ContainsFinal = true;
                    pipeline.Post(current, b => EncryptBatch(b, suite, key, messageId, frameLength));
                    break;
                }
                // A full batch: look ahead one batch so the last frame of the message is written as the final frame.
                var next = pipeline.Rent();
                next.InputLength = input.ReadAtLeast(next.Input.AsSpan(0, batchCapacity), batchCapacity, throwOnEndOfStream: false);
                current.ContainsFinal = next.InputLength == 0;
                sequence = checked(sequence + (uint)framesPerBatch);
                if (sequence >= MessageCrypto.FinalFrameMarker)
                    throw new ArgumentException("The input is too large for this frame length (the frame count would overflow); use a larger frame length.");
                pipeline.Post(current, b => EncryptBatch(b, suite, key, messageId, frameLength));
                if (next.InputLength == 0)
                {
                    pipeline.Return(next);
                    break;
                }
                current = next;
            }
            pipeline.Complete();
            return total;
        }
        catch
        {
            pipeline.Abort();
            throw;
        }
    }

    private static void EncryptBatch(Batch batch, AlgorithmSuite suite, byte[] key, byte[] messageId, int frameLength)
    {
        using var gcm = new AesGcm(key, suite.TagLength);
        Span<byte> aad = stackalloc byte[MessageCrypto.MaxBodyAadLength(suite)];
        var frames = batch.ContainsFinal
            ? Math.Max(1, (batch.InputLength + frameLength - 1) / frameLength)
            : batch.InputLength / frameLength;
        var outSpan = batch.Output.AsSpan();
        var o = 0;
        for (var i = 0; i < frames; i++)
        {
            var sequence = batch.FirstSequence + (uint)i;
            var final = batch.ContainsFinal && i == frames - 1;
            var start = i * frameLength;
            var length = final ? batch.InputLength - start : frameLength;
            if (final)
            {
                BinaryPrimitives.WriteUInt32BigEndian(outSpan[o..], MessageCrypto.FinalFrameMarker);
                o += 4;
            }
            BinaryPrimitives.WriteUInt32BigEndian(outSpan[o..], sequence);
            o += 4;
            var iv = outSpan.Slice(o, suite.IvLength);
            MessageCrypto.FrameIv(sequence, iv);
            o += suite.IvLength;
            if (final)
            {
                BinaryPrimitives.WriteUInt32BigEndian(outSpan[o..], (uint)length);
                o += 4;
            }
            var aadLength = MessageCrypto.BodyAad(messageId, final, sequence, length, aad);
            gcm.Encrypt(iv, batch.Input.AsSpan(start, length), outSpan.Slice(o, length), outSpan.Slice(o + length, suite.TagLength), aad[..aadLength]);
            o += length + suite.TagLength;
        }
        batch.OutputLength = o;
    }
}

/// <summary>Passes writes through while hashing them, for the signed suite's footer.</summary>
internal sealed class HashingWriteStream(Stream inner, IncrementalHash hash) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        hash.AppendData(buffer);
        inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        hash.AppendData(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
