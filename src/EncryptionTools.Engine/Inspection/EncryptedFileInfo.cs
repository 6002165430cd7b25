using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Inspection;

/// <summary>One encrypted data key of a message, as a user sees it.</summary>
public sealed record EncryptedDataKeyInfo(string ProviderId, string KeyName, string Wrapping, int CiphertextLength)
{
    /// <summary>Whether the key store was asked who made this EDK, and its answer.</summary>
    public EdkResolution Resolution { get; init; } = EdkResolution.NotResolved;
    /// <summary>The store's key id of the key that made this EDK (<see cref="EdkResolution.InStore"/> only).</summary>
    public string? KeyId { get; init; }
    /// <summary>The key's aliases in the store, e.g. alias/payroll.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
    /// <summary>The key version that wrapped the data key.</summary>
    public int? Version { get; init; }
    /// <summary>For <see cref="EdkResolution.Unknown"/>: why (not in this store, store locked, another tool's key).</summary>
    public string? Note { get; init; }

    /// <summary>How a person names the key: its first alias as Get-EncKey sorts them (else its key id) and version, or the provider id and key name.</summary>
    public string Label => Resolution == EdkResolution.InStore && KeyId is not null
        ? (Aliases.Count > 0 ? Aliases.Min(StringComparer.OrdinalIgnoreCase)! : KeyId) + (Version is { } v ? " v" + v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")
        : UntrustedText.Neutralize(ProviderId + "/" + KeyName);

    public override string ToString() => Label;
}

/// <summary>How an EDK relates to the key store that Get-EncFileInfo consulted.</summary>
public enum EdkResolution
{
    /// <summary>No store was consulted.</summary>
    NotResolved,
    /// <summary>A key of the store made it: <see cref="EncryptedDataKeyInfo.KeyId"/> and version are set.</summary>
    InStore,
    /// <summary>No key of the store matches it.</summary>
    Unknown,
}

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
        var header = IO.FileCrypto.ReadHeader(path, limits);
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
