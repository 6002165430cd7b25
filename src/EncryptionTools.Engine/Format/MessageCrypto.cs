using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EncryptionTools.Engine.Format;

/// <summary>
/// The suite's key schedule and the AAD/IV layouts of message-body-aad.md, built only from the platform's
/// HKDF and AES-GCM. Kept separate so known-answer tests can pin each value.
/// </summary>
internal static class MessageCrypto
{
    public const uint FinalFrameMarker = 0xFFFFFFFF;
    public static readonly byte[] FrameAadLabel = Encoding.UTF8.GetBytes("AWSKMSEncryptionClient Frame");
    public static readonly byte[] FinalFrameAadLabel = Encoding.UTF8.GetBytes("AWSKMSEncryptionClient Final Frame");
    private static readonly byte[] DeriveKeyLabel = Encoding.UTF8.GetBytes("DERIVEKEY");
    private static readonly byte[] CommitKeyLabel = Encoding.UTF8.GetBytes("COMMITKEY");

    /// <summary>The data encryption key: HKDF-SHA512(ikm = data key, salt = message id, info = suite id || "DERIVEKEY").</summary>
    public static byte[] DeriveEncryptionKey(AlgorithmSuite suite, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> messageId)
    {
        Span<byte> info = stackalloc byte[2 + DeriveKeyLabel.Length];
        BinaryPrimitives.WriteUInt16BigEndian(info, suite.Id);
        DeriveKeyLabel.CopyTo(info[2..]);
        var key = new byte[suite.KeyLength];
        HKDF.DeriveKey(HashAlgorithmName.SHA512, dataKey, key, messageId, info);
        return key;
    }

    /// <summary>The commitment key: HKDF-SHA512(ikm = data key, salt = message id, info = "COMMITKEY").</summary>
    public static byte[] DeriveCommitKey(AlgorithmSuite suite, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> messageId)
    {
        var key = new byte[suite.SuiteDataLength];
        HKDF.DeriveKey(HashAlgorithmName.SHA512, dataKey, key, messageId, CommitKeyLabel);
        return key;
    }

    /// <summary>Frame IV: the sequence number, big-endian, left-padded with zeros to the IV length.</summary>
    public static void FrameIv(uint sequenceNumber, Span<byte> iv)
    {
        iv.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(iv[^4..], sequenceNumber);
    }

    /// <summary>Body AAD: message id || content label || sequence number (uint32) || content length (uint64).</summary>
    public static int BodyAad(ReadOnlySpan<byte> messageId, bool final, uint sequenceNumber, long contentLength, Span<byte> aad)
    {
        var label = final ? FinalFrameAadLabel : FrameAadLabel;
        messageId.CopyTo(aad);
        var offset = messageId.Length;
        label.CopyTo(aad[offset..]);
        offset += label.Length;
        BinaryPrimitives.WriteUInt32BigEndian(aad[offset..], sequenceNumber);
        offset += 4;
        BinaryPrimitives.WriteUInt64BigEndian(aad[offset..], (ulong)contentLength);
        return offset + 8;
    }

    public static int MaxBodyAadLength(AlgorithmSuite suite) => suite.MessageIdLength + FinalFrameAadLabel.Length + 12;

    /// <summary>Header authentication tag (v2): AES-GCM over no plaintext, IV all zero, AAD = header body || required context.</summary>
    public static byte[] HeaderAuthTag(AlgorithmSuite suite, byte[] encryptionKey, ReadOnlySpan<byte> headerBody)
    {
        var tag = new byte[suite.TagLength];
        using var gcm = new AesGcm(encryptionKey, suite.TagLength);
        gcm.Encrypt(new byte[suite.IvLength], ReadOnlySpan<byte>.Empty, Span<byte>.Empty, tag, headerBody);
        return tag;
    }

    /// <summary>Checks the header tag; false when it does not verify.</summary>
    public static bool VerifyHeader(AlgorithmSuite suite, byte[] encryptionKey, ReadOnlySpan<byte> headerBody, ReadOnlySpan<byte> tag)
    {
        using var gcm = new AesGcm(encryptionKey, suite.TagLength);
        try
        {
            gcm.Decrypt(new byte[suite.IvLength], ReadOnlySpan<byte>.Empty, tag, Span<byte>.Empty, headerBody);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
