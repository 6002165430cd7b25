using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.Engine;

/// <summary>The streaming pipeline's contract: real causes surface, progress adds up, options are checked, keys are committed to.</summary>
public class StreamingBehaviourTests
{
    private const int MiB = 1024 * 1024;

    /// <summary>Accepts writes until a budget is spent, then fails like a full disk.</summary>
    private sealed class FailingWriteStream(long budget) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > budget) throw new IOException("No space left on device (test)");
            _written += buffer.Length;
        }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Reads fine until a budget is spent, then fails like a vanished network share.</summary>
    private sealed class FailingReadStream(byte[] data, int budget) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= budget) throw new IOException("The network path was not found (test)");
            var n = Math.Min(Math.Min(count, budget - _position), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData(100)]       // inside the header
    [InlineData(MiB + 500)] // after the first batch
    public void A_failing_output_reports_its_own_error_not_a_cancellation(int budget)
    {
        using var keyring = Crypt.AesKeyring();
        var plaintext = RandomNumberGenerator.GetBytes(4 * MiB);
        var e1 = Assert.Throws<IOException>(() =>
            MessageEncryptor.Encrypt(new MemoryStream(plaintext), new FailingWriteStream(budget), [keyring], new EncryptOptions { FrameLength = 4096 }));
        Assert.Contains("No space left", e1.Message);

        var message = Crypt.Encrypt(plaintext, [keyring], new EncryptOptions { FrameLength = 4096 });
        var e2 = Assert.Throws<IOException>(() => MessageDecryptor.Decrypt(new MemoryStream(message), new FailingWriteStream(budget), [keyring]));
        Assert.Contains("No space left", e2.Message);
    }

    [Fact]
    public void A_failing_input_reports_its_own_error()
    {
        using var keyring = Crypt.AesKeyring();
        var plaintext = RandomNumberGenerator.GetBytes(3 * MiB);
        Assert.Throws<IOException>(() => MessageEncryptor.Encrypt(new FailingReadStream(plaintext, 2 * MiB), Stream.Null, [keyring]));
        var message = Crypt.Encrypt(plaintext, [keyring], new EncryptOptions { FrameLength = 4096 });
        Assert.Throws<IOException>(() => MessageDecryptor.Decrypt(new FailingReadStream(message, 2 * MiB), Stream.Null, [keyring]));
    }

    [Fact]
    public void Progress_rises_to_the_plaintext_length()
    {
        using var keyring = Crypt.AesKeyring();
        var plaintext = RandomNumberGenerator.GetBytes(3 * MiB + 17);
        var enc = new List<long>();
        var dec = new List<long>();
        var message = Crypt.Encrypt(plaintext, [keyring], new EncryptOptions { FrameLength = 4096, Progress = new SyncProgress(enc.Add) });
        Crypt.Decrypt(message, [keyring], new DecryptOptions { Progress = new SyncProgress(dec.Add) });
        foreach (var reports in new[] { enc, dec })
        {
            Assert.True(reports.Count >= 4, $"{reports.Count} reports");
            Assert.Equal(plaintext.Length, reports[^1]);
            Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First < p.Second), "progress is strictly increasing");
        }
    }

    [Fact]
    public void Bad_options_are_refused_before_writing()
    {
        using var keyring = Crypt.AesKeyring();
        foreach (var frame in new[] { 0, -1, EncryptOptions.MaxFrameLength + 1 })
        {
            using var output = new MemoryStream();
            Assert.Throws<ArgumentOutOfRangeException>(() => MessageEncryptor.Encrypt(new MemoryStream([1]), output, [keyring], new EncryptOptions { FrameLength = frame }));
            Assert.Equal(0, output.Length);
        }
        Assert.Throws<ArgumentException>(() => MessageEncryptor.Encrypt(new MemoryStream([1]), Stream.Null, []));
        Assert.Throws<ArgumentException>(() => new RawAesKeyring("ns", "k", new byte[31]));
    }

    /// <summary>Returns a fixed data key for every EDK it is shown, right or wrong.</summary>
    private sealed class LyingKeyring(byte[] dataKey) : IKeyring
    {
        public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> key, byte[] serializedContext) => throw new NotSupportedException();
        public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext) => UnwrapResult.Success((byte[])dataKey.Clone());
    }

    [Fact]
    public void A_wrong_data_key_is_caught_by_the_commitment_before_anything_else()
    {
        using var keyring = Crypt.AesKeyring();
        var message = Crypt.Encrypt(RandomNumberGenerator.GetBytes(1000), [keyring]);
        using var output = new MemoryStream();
        var ex = Must.FailTyped(() => MessageDecryptor.Decrypt(new MemoryStream(message), output, [new LyingKeyring(RandomNumberGenerator.GetBytes(32))]),
            "wrong key", typeof(MessageTamperedException));
        Assert.Contains("commitment", ex.Message);
        Assert.Equal(0, output.Length);

        var shortKey = (NoDecryptableKeyException)Must.FailTyped(() => Crypt.Decrypt(message, [new LyingKeyring(new byte[16])]),
            "short key", typeof(NoDecryptableKeyException));
        Assert.Equal(EdkFailureKind.WrongKey, shortKey.Failures.Single().Kind);
    }

    [Fact]
    public void The_commitment_binds_the_header_even_when_the_tag_is_recomputed()
    {
        // Whoever holds the data key can re-tag an altered header; a changed commitment field is still refused.
        var hand = HandMessage.For(RandomNumberGenerator.GetBytes(100), 64);
        using var keyring = hand.Keyring();
        var good = hand.Build();
        var l = MessageLayout.Parse(good);
        var body = good[..l.HeaderBodyLength];
        body[l.CommitKey.Offset] ^= 1;
        var retagged = Spec.Concat(body, Spec.HeaderTag(Spec.DeriveKey(Spec.Suite0478, hand.DataKey, hand.MessageId), body), good[l.HeaderLength..]);
        Assert.Contains("commitment", Must.FailTyped(() => Crypt.Decrypt(retagged, [keyring]), "commitment", typeof(MessageTamperedException)).Message);
    }

    [Fact]
    public void Output_into_a_directory_that_cannot_be_made_is_a_write_error()
    {
        using var keyring = Crypt.AesKeyring();
        using var dir = new TempDir();
        var src = dir.Write("plain.bin", [1, 2, 3]);
        // The route makes a missing destination directory; one under a regular file cannot be made.
        Must.FailTyped(() => FileRoute.EncryptFile(src, Path.Combine(src, "missing", "out.enc"), [keyring]), "missing dir", typeof(OutputWriteException));
        Assert.Equal(["plain.bin"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void Any_parallelism_gives_the_same_plaintext(int degree)
    {
        using var keyring = Crypt.AesKeyring();
        var plaintext = RandomNumberGenerator.GetBytes(3 * MiB + 3);
        var message = Crypt.Encrypt(plaintext, [keyring], new EncryptOptions { FrameLength = 1000, MaxDegreeOfParallelism = degree });
        Assert.True(plaintext.AsSpan().SequenceEqual(Crypt.Decrypt(message, [keyring], new DecryptOptions { MaxDegreeOfParallelism = 9 - degree })));
        Assert.Equal(MessageEncryptor.BodyLength(plaintext.Length, 1000, AlgorithmSuite.CommitKey), message.Length - MessageLayout.Parse(message).HeaderLength);
    }
}
