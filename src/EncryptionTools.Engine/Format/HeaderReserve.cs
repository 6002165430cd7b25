using System.Text;

namespace EncryptionTools.Engine.Format;

/// <summary>
/// Header slack kept as a padding encrypted data key, so a later rewrap can change the real data keys and rewrite
/// the header in place without moving the body (see Files.HeaderRewrap).
/// <para>
/// The padding EDK is a well-formed EDK that no keyring claims: provider id <see cref="ProviderId"/>, provider info
/// <see cref="ProviderInfo"/> ("pad"), and a ciphertext of zero bytes. Every SDK skips an EDK whose provider it does
/// not know, and the header authentication tag covers it like any other field. The provider info is not empty because
/// the JavaScript SDK rejects an EDK with an empty provider info or an empty ciphertext as malformed.
/// </para>
/// </summary>
internal static class HeaderReserve
{
    /// <summary>The padding EDK's provider id (key namespace). No keyring may use it.</summary>
    public const string ProviderId = "enctools-reserve";

    /// <summary>
    /// Reserve the file layer adds when a file is at least <see cref="Threshold"/> long: 4 KiB holds about 10 more
    /// KMS-style or raw AES recipients, or 6 more RSA-4096 ones, and costs at most 0.4% of such a file.
    /// </summary>
    public const int DefaultBytes = 4096;

    /// <summary>
    /// 1 MiB: below it a full rewrite (copy + fsync + rename) costs about as little as the in-place path, so small
    /// files are not made bigger for nothing; from it on the reserve is at most 0.4% of the file.
    /// </summary>
    public const long Threshold = 1024 * 1024;

    /// <summary>
    /// Largest reserve accepted (1 MiB, 16 padding EDKs): far more than any recipient list needs, and well inside the
    /// default limit of 256 EDKs a reader accepts.
    /// </summary>
    public const int MaximumBytes = 1024 * 1024;

    private static readonly byte[] ProviderIdBytes = Encoding.UTF8.GetBytes(ProviderId);

    /// <summary>The padding EDK's provider info.</summary>
    public static ReadOnlySpan<byte> ProviderInfo => "pad"u8;

    /// <summary>Serialized bytes of a padding EDK besides its ciphertext (three 2-byte lengths, provider id and info).</summary>
    public static int Overhead => 6 + ProviderIdBytes.Length + ProviderInfo.Length;

    /// <summary>The smallest padding EDK: the overhead and one ciphertext byte (an empty ciphertext is malformed for the JS SDK).</summary>
    public static int MinimumBytes => Overhead + 1;

    /// <summary>The largest single padding EDK (a ciphertext is at most 65535 bytes); larger reserves use several.</summary>
    public static int MaximumSingleBytes => Overhead + ushort.MaxValue;

    /// <summary>The reserve the file layer applies to a plaintext of this length when the caller does not choose one.</summary>
    public static int ForPlaintextLength(long plaintextLength) => plaintextLength >= Threshold ? DefaultBytes : 0;

    /// <summary>True for a padding EDK written by this class.</summary>
    public static bool IsPadding(EncryptedDataKey edk) => edk.ProviderId == ProviderId;

    /// <summary>The bytes one EDK takes in a serialized header.</summary>
    public static int SerializedLength(EncryptedDataKey edk) =>
        6 + Encoding.UTF8.GetByteCount(edk.ProviderId) + edk.ProviderInfo.Length + edk.Ciphertext.Length;

    /// <summary>Header bytes a message keeps as reserve (the padding EDKs it holds).</summary>
    public static int ReservedBytes(MessageHeader header) =>
        header.EncryptedDataKeys.Where(IsPadding).Sum(SerializedLength);

    /// <summary>
    /// A requested reserve rounded to what padding EDKs can hold: 0 stays 0, anything from 1 up to
    /// <see cref="MinimumBytes"/> becomes <see cref="MinimumBytes"/>; above <see cref="MaximumBytes"/> is refused.
    /// </summary>
    public static int Normalize(int requested)
    {
        if (requested is < 0 or > MaximumBytes)
            throw new ArgumentOutOfRangeException(nameof(requested), $"A header reserve is between 0 and {MaximumBytes} bytes.");
        return requested == 0 ? 0 : Math.Max(requested, MinimumBytes);
    }

    /// <summary>True when exactly <paramref name="bytes"/> of header can be filled with padding EDKs (0, or at least the minimum).</summary>
    public static bool CanFill(int bytes) => bytes == 0 || bytes >= MinimumBytes;

    /// <summary>
    /// Padding EDKs that together take exactly <paramref name="bytes"/> serialized header bytes: none for 0, one up
    /// to <see cref="MaximumSingleBytes"/>, else several of near-equal size.
    /// </summary>
    public static IReadOnlyList<EncryptedDataKey> CreatePadding(int bytes)
    {
        if (bytes == 0) return [];
        if (bytes < MinimumBytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"A padding EDK takes at least {MinimumBytes} bytes.");
        var count = (bytes + MaximumSingleBytes - 1) / MaximumSingleBytes;
        var result = new List<EncryptedDataKey>(count);
        var remaining = bytes;
        for (var i = count; i > 0; i--)
        {
            var size = remaining / i; // near-equal shares; each is ≥ MinimumBytes and ≤ MaximumSingleBytes
            result.Add(new EncryptedDataKey(ProviderId, ProviderInfo.ToArray(), new byte[size - Overhead]));
            remaining -= size;
        }
        return result;
    }
}
