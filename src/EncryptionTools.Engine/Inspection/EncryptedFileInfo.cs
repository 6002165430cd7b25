using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Inspection;

/// <summary>What a message's header says, read without any key. Emitted by Get-EncFileInfo.</summary>
public sealed class EncryptedFileInfo
{
    public required string Path { get; init; }
    public int FormatVersion { get; init; } = 2;
    public required string AlgorithmSuiteId { get; init; }
    public required string AlgorithmSuite { get; init; }
    public bool IsCommitting { get; init; }
    public bool IsSigned { get; init; }
    public required string MessageId { get; init; }
    public required IReadOnlyDictionary<string, string> EncryptionContext { get; init; }
    public required IReadOnlyList<EncryptedDataKeyInfo> EncryptedDataKeys { get; init; }
    public int FrameLength { get; init; }
    public int HeaderLength { get; init; }
    /// <summary>Header bytes kept free for in-place rewraps (a padding EDK, not listed in <see cref="EncryptedDataKeys"/>).</summary>
    public int HeaderReserve { get; init; }
    public long FileLength { get; init; }
    /// <summary>Exact for unsigned messages (derived from the file length); null for signed ones, whose footer length varies.</summary>
    public long? PlaintextLength { get; init; }

    public static EncryptedFileInfo Read(string path, MessageLimits? limits = null) => Read(path, limits, null);

    /// <summary>Reads the header; <paramref name="resolve"/> (e.g. a key store lookup) may annotate each real EDK.</summary>
    public static EncryptedFileInfo Read(string path, MessageLimits? limits, Func<EncryptedDataKey, EncryptedDataKeyInfo, EncryptedDataKeyInfo>? resolve)
    {
        var header = Files.FileCrypto.ReadHeader(path, limits);
        var fileLength = new FileInfo(path).Length;
        return new EncryptedFileInfo
        {
            Path = path,
            AlgorithmSuiteId = $"0x{header.Suite.Id:X4}",
            AlgorithmSuite = header.Suite.Name,
            IsCommitting = true,
            IsSigned = header.Suite.IsSigned,
            MessageId = Convert.ToHexString(header.MessageId).ToLowerInvariant(),
            EncryptionContext = Format.EncryptionContext.UserVisible(header.EncryptionContext),
            EncryptedDataKeys = header.EncryptedDataKeys.Where(e => !Format.HeaderReserve.IsPadding(e)).Select(e => resolve is null ? Describe(e) : resolve(e, Describe(e))).ToList(),
            HeaderReserve = Format.HeaderReserve.ReservedBytes(header),
            FrameLength = header.FrameLength,
            HeaderLength = header.TotalLength,
            FileLength = fileLength,
            PlaintextLength = header.Suite.IsSigned ? null : PlaintextFromBody(fileLength - header.TotalLength, header.FrameLength),
        };
    }

    private static EncryptedDataKeyInfo Describe(EncryptedDataKey edk)
    {
        var wrapping = edk.ProviderId.StartsWith("aws-kms", StringComparison.Ordinal) ? "aws-kms"
            : RawAesKeyring.TryParseInfo(edk.ProviderInfo, out _, out _) ? "raw-aes"
            : "raw-rsa";
        return new EncryptedDataKeyInfo(edk.ProviderId, EdkNames.KeyName(edk), wrapping, edk.Ciphertext.Length);
    }

    /// <summary>Inverts the body layout: n regular frames of (32 + F) bytes, then a final frame of 40 + r bytes, r ≤ F.</summary>
    internal static long? PlaintextFromBody(long body, int frameLength)
    {
        const int regularOverhead = 4 + 12 + 16, finalOverhead = regularOverhead + 8;
        if (body < finalOverhead) return null;
        var n = (body - finalOverhead) / (regularOverhead + frameLength);
        var r = body - finalOverhead - n * (regularOverhead + frameLength);
        return r <= frameLength ? n * frameLength + r : null;
    }
}
