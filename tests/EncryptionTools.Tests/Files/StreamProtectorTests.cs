using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Tests.Files;

/// <summary>The stream route the CLI's pipes take: round trips, and --buffer's holding place in memory and past it.</summary>
public class StreamProtectorTests
{
    private static (ProtectRequest, UnprotectRequest) Requests(int frame = 4096)
    {
        var key = new RawAesKeyring("t", "k", RandomNumberGenerator.GetBytes(32));
        return (new ProtectRequest { Keyrings = [key], FrameLength = frame }, new UnprotectRequest { Keyrings = [key] });
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(100_000, false)]
    [InlineData(100_000, true)]
    [InlineData(3_000_001, true)]
    public void Round_trips_streamed_and_buffered(int length, bool buffer)
    {
        var (protect, unprotect) = Requests();
        var plaintext = RandomNumberGenerator.GetBytes(length);
        var message = new MemoryStream();
        StreamProtector.Protect(new MemoryStream(plaintext), message, protect);
        var output = new MemoryStream();
        // a 1-byte memory limit: everything past memory goes through the unnamed temporary file
        var result = StreamProtector.Unprotect(new MemoryStream(message.ToArray()), output, unprotect, buffer, memoryLimit: 1);
        Assert.Equal(length, result.PlaintextLength);
        Assert.Equal(plaintext, output.ToArray());
    }

    [Fact]
    public void The_audit_hook_runs_before_the_first_byte_leaves()
    {
        var (protect, _) = Requests();
        var output = new MemoryStream();
        long? lengthWhenRecorded = null;
        string? named = null;
        StreamProtector.Protect(new MemoryStream(new byte[10]), output, protect with
        {
            BeforePublish = () => lengthWhenRecorded = output.Length,
            BeforeEachFile = name => named = name,
        });
        Assert.Equal(0, lengthWhenRecorded);
        Assert.Equal("-", named);
    }

    [Fact]
    public void A_buffered_decryption_that_fails_writes_nothing()
    {
        var (protect, unprotect) = Requests();
        var message = new MemoryStream();
        StreamProtector.Protect(new MemoryStream(RandomNumberGenerator.GetBytes(200_000)), message, protect);
        var damaged = message.ToArray();
        damaged[^40] ^= 1; // inside the final frame
        var output = new MemoryStream();
        Assert.Throws<MessageTamperedException>(() => StreamProtector.Unprotect(new MemoryStream(damaged), output, unprotect, buffer: true, memoryLimit: 1));
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public void Spill_buffer_keeps_order_across_memory_and_file()
    {
        using var spill = new SpillBuffer(memoryLimit: 2 * 1024 * 1024);
        var data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 3);
        for (var i = 0; i < data.Length; i += 777_777) spill.Write(data, i, Math.Min(777_777, data.Length - i));
        Assert.True(spill.Spilled);
        var output = new MemoryStream();
        spill.CopyTo(output, CancellationToken.None);
        Assert.Equal(data, output.ToArray());
    }
}
