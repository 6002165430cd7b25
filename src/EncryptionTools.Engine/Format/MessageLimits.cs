namespace EncryptionTools.Engine.Format;

/// <summary>Limits applied while reading a header, before anything is allocated from a length field.</summary>
public sealed record MessageLimits
{
    /// <summary>Largest frame length accepted on decryption (default 16 MiB).</summary>
    public int MaxFrameLength { get; init; } = 16 * 1024 * 1024;
    /// <summary>Most encrypted data keys accepted in one header.</summary>
    public int MaxEncryptedDataKeys { get; init; } = 256;
    /// <summary>
    /// Largest header accepted, in bytes, checked before each field is read; it bounds the memory and the text a
    /// header can cost. Default <see cref="DefaultMaxHeaderLength"/>, or ENCRYPTIONTOOLS_MAX_HEADER_SIZE.
    /// </summary>
    public int MaxHeaderLength { get; init; } = ConfiguredMaxHeaderLength;

    /// <summary>
    /// 4 MiB: about twice the largest header a legitimate message has: 256 RSA-4096 or KMS EDKs with 2 KiB key names
    /// (about 0.7 MiB), a full 64 KiB encryption context and the largest header reserve (1 MiB).
    /// </summary>
    public const int DefaultMaxHeaderLength = 4 * 1024 * 1024;
    /// <summary>Smallest and largest values ENCRYPTIONTOOLS_MAX_HEADER_SIZE may set.</summary>
    public const int MinConfigurableHeaderLength = 64 * 1024, MaxConfigurableHeaderLength = 64 * 1024 * 1024;
    /// <summary>The environment variable that sets <see cref="MaxHeaderLength"/> for the module and the CLI.</summary>
    public const string MaxHeaderSizeVariable = "ENCRYPTIONTOOLS_MAX_HEADER_SIZE";

    /// <summary>The defaults, with ENCRYPTIONTOOLS_MAX_HEADER_SIZE read now (an invalid value fails here, with its own error id).</summary>
    public static MessageLimits Default => new();

    private static int ConfiguredMaxHeaderLength => ParseHeaderSize(Environment.GetEnvironmentVariable(MaxHeaderSizeVariable)) ?? DefaultMaxHeaderLength;

    /// <summary>
    /// Parses a header size ("1048576", "512K", "8M"; K and M are KiB and MiB). Null for null or empty text; an
    /// unreadable or out-of-range value is refused, never silently replaced.
    /// </summary>
    public static int? ParseHeaderSize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var t = text.Trim();
        long unit = 1;
        if (t.EndsWith('K') || t.EndsWith('k')) { unit = 1024; t = t[..^1]; }
        else if (t.EndsWith('M') || t.EndsWith('m')) { unit = 1024 * 1024; t = t[..^1]; }
        if (!long.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            || n > MaxConfigurableHeaderLength || n * unit < MinConfigurableHeaderLength || n * unit > MaxConfigurableHeaderLength)
            throw new EncryptionToolsException(ErrorCatalog.InvalidMaxHeaderSize,
                $"{MaxHeaderSizeVariable} is '{UntrustedText.Neutralize(text, 64)}'; it must be a number of bytes (or KiB with K, MiB with M) "
                + $"from {MinConfigurableHeaderLength} to {MaxConfigurableHeaderLength}.");
        return (int)(n * unit);
    }
}
