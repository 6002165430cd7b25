using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Engine;

namespace EncryptionTools.Tests.Edges;

/// <summary>
/// The header size limit in the engine: refused field by field before anything past the limit is read, whatever the
/// header declares, with the stable id MessageLimitExceeded and a message that counts instead of repeating fields.
/// </summary>
public class HeaderBoundsTests
{
    private static readonly int Limit = MessageLimits.DefaultMaxHeaderLength;

    private static (EncryptionToolsException Error, long Allocated) Decrypt(byte[] message, MessageLimits? limits = null)
    {
        using var keyring = Crypt.AesKeyring();
        var options = new DecryptOptions { Limits = limits ?? MessageLimits.Default };
        try { MessageDecryptor.Decrypt(new MemoryStream(HostileHeaders.Message(1)), Stream.Null, [keyring], options); } catch (EncryptionToolsException) { }
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.ThrowsAny<EncryptionToolsException>(() => MessageDecryptor.Decrypt(new MemoryStream(message), Stream.Null, [keyring], options));
        return (error, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_50_MB_header_is_refused_at_the_limit_without_reading_past_it()
    {
        var message = HostileHeaders.Message(256);
        Assert.True(message.Length > 50_000_000);
        var (error, allocated) = Decrypt(message);
        Assert.Equal("MessageLimitExceeded", error.ErrorId);
        Assert.IsType<MessageLimitExceededException>(error);
        Assert.Contains($"limit of {Limit} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("of 256", error.Message, StringComparison.Ordinal); // names the count, not the fields
        Assert.True(error.Message.Length < 512, error.Message);
        // The fields read before the limit, the body copy of them, and small change: never the 50 MB declared.
        Assert.True(allocated < 3L * Limit, $"allocated {allocated:N0} bytes for a header limited to {Limit:N0}");
    }

    [Fact]
    public void The_largest_header_within_the_limit_is_read_and_its_failure_is_bounded_text()
    {
        var edks = HostileHeaders.EdksWithin(Limit);
        Assert.True(HostileHeaders.HeaderLength(edks + 1) > Limit);
        var header = MessageHeader.Read(new MemoryStream(HostileHeaders.Message(edks)));
        Assert.Equal(edks, header.EncryptedDataKeys.Count);
        Assert.Equal(HostileHeaders.HeaderLength(edks), header.TotalLength);

        var (error, _) = Decrypt(HostileHeaders.Message(edks));
        var failure = Assert.IsType<NoDecryptableKeyException>(error);
        Assert.Equal(edks, failure.Failures.Count); // the data keeps every EDK
        Assert.True(error.Message.Length <= 8 * 1024, $"{error.Message.Length} characters of error text");
        Assert.Contains($"and {edks - NoDecryptableKeyException.ListedFailures} more", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error.Message);
        Assert.DoesNotContain('\u0007', error.Message);
        Assert.Contains("\\x1B]0;pwned\\x07", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_byte_over_the_limit_is_refused_and_the_limit_itself_is_accepted()
    {
        var message = HostileHeaders.Message(1);
        var length = (int)HostileHeaders.HeaderLength(1);
        MessageHeader.Read(new MemoryStream(message), new MessageLimits { MaxHeaderLength = length });
        var error = Assert.Throws<MessageLimitExceededException>(() => MessageHeader.Read(new MemoryStream(message), new MessageLimits { MaxHeaderLength = length - 1 }));
        Assert.Contains($"limit of {length - 1} bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1048576", 1048576)]
    [InlineData("512K", 512 * 1024)]
    [InlineData("8m", 8 * 1024 * 1024)]
    [InlineData("", null)]
    public void The_setting_reads_bytes_KiB_and_MiB(string text, int? expected) =>
        Assert.Equal(expected, MessageLimits.ParseHeaderSize(text));

    [Theory]
    [InlineData("lots")]
    [InlineData("-1")]
    [InlineData("1K")]
    [InlineData("65M")]
    [InlineData("99999999999999999999")]
    public void A_bad_setting_is_an_error_never_a_silent_default(string text)
    {
        var error = Assert.Throws<EncryptionToolsException>(() => MessageLimits.ParseHeaderSize(text));
        Assert.Equal("InvalidMaxHeaderSize", error.ErrorId);
        Assert.Equal(EngineErrorCategory.InvalidArgument, error.Category);
    }

    [Fact]
    public void The_sniffer_applies_the_same_limit_and_reads_a_long_header_from_the_file()
    {
        using var dir = new TempDir();
        var small = dir.Write("small.enc", HostileHeaders.Message(2));
        var sniff = MessageSniffer.SniffFile(small);
        Assert.Equal(MessageKind.Committing, sniff.Kind);
        Assert.Equal(2, sniff.Header!.EncryptedDataKeys.Count);
        var huge = dir.Write("huge.enc", HostileHeaders.Message(64));
        var refused = MessageSniffer.SniffFile(huge);
        Assert.Equal(MessageKind.Malformed, refused.Kind);
        Assert.Contains("limit", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(MessageKind.Committing, MessageSniffer.SniffFile(huge, new MessageLimits { MaxHeaderLength = 16 * 1024 * 1024 }).Kind);
    }
}
