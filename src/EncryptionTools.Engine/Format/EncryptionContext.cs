using System.Buffers.Binary;
using System.Text;

namespace EncryptionTools.Engine.Format;

/// <summary>
/// The encryption context: non-secret string pairs bound to the message. Serialized exactly as the ESDK
/// specification's structures.md says: count, then (keyLen, key, valueLen, value) sorted by the key's UTF-8 bytes.
/// </summary>
public static class EncryptionContext
{
    /// <summary>Keys starting with this are reserved for the SDK itself (the signing key lives there).</summary>
    public const string ReservedPrefix = "aws-crypto-";
    public const string PublicKeyField = "aws-crypto-public-key";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IReadOnlyDictionary<string, string> Empty { get; } = new Dictionary<string, string>();

    /// <summary>Refuses what a caller may not put into a context on encryption.</summary>
    public static void ValidateForEncrypt(IReadOnlyDictionary<string, string> context)
    {
        foreach (var (key, value) in context)
        {
            if (key is null || value is null)
                throw new InvalidEncryptionContextException("Encryption context keys and values cannot be null.");
            if (key.Length == 0)
                throw new InvalidEncryptionContextException("Encryption context keys cannot be empty.");
            if (key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                throw new InvalidEncryptionContextException(
                    $"The encryption context key '{key}' uses the prefix '{ReservedPrefix}', which the AWS Encryption SDK reserves for itself.");
        }
        _ = Serialize(context); // size and text checks
    }

    /// <summary>The key-value pairs serialization; empty context gives empty bytes.</summary>
    public static byte[] Serialize(IReadOnlyDictionary<string, string> context)
    {
        if (context.Count == 0) return [];
        if (context.Count > ushort.MaxValue)
            throw new InvalidEncryptionContextException($"An encryption context can hold at most {ushort.MaxValue} pairs.");
        var entries = context
            .Select(kv => (Key: Encode(kv.Key), Value: Encode(kv.Value)))
            .OrderBy(e => e.Key, ByteArrayComparer.Instance)
            .ToList();
        var size = 2 + entries.Sum(e => 4 + e.Key.Length + e.Value.Length);
        if (size > ushort.MaxValue)
            throw new InvalidEncryptionContextException(
                $"The serialized encryption context is {size} bytes; the message format allows at most {ushort.MaxValue}.");
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)entries.Count);
        var offset = 2;
        foreach (var (key, value) in entries)
        {
            offset = WriteField(span, offset, key);
            offset = WriteField(span, offset, value);
        }
        return buffer;
    }

    /// <summary>Parses the key-value pairs field; throws on duplicates, bad order, bad text or stray bytes.</summary>
    public static IReadOnlyDictionary<string, string> Deserialize(ReadOnlySpan<byte> data)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (data.Length == 0) return result;
        if (data.Length < 2) throw Malformed("the pair count is cut short");
        var count = BinaryPrimitives.ReadUInt16BigEndian(data);
        if (count == 0) throw Malformed("a non-empty context field declares zero pairs");
        var offset = 2;
        byte[]? previousKey = null;
        for (var i = 0; i < count; i++)
        {
            var key = ReadField(data, ref offset);
            var value = ReadField(data, ref offset);
            if (previousKey is not null && ByteArrayComparer.Instance.Compare(previousKey, key) >= 0)
                throw Malformed("the pairs are not sorted by key, or a key repeats");
            previousKey = key;
            result[Decode(key)] = Decode(value);
        }
        if (offset != data.Length) throw Malformed("there are bytes after the last pair");
        return result;
    }

    /// <summary>Checks that <paramref name="actual"/> holds every pair of <paramref name="required"/>.</summary>
    public static void RequirePairs(IReadOnlyDictionary<string, string> actual, IReadOnlyDictionary<string, string>? required)
    {
        if (required is null || required.Count == 0) return;
        var problems = new List<string>();
        foreach (var (key, value) in required.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!actual.TryGetValue(key, out var found))
                problems.Add($"'{UntrustedText.Neutralize(key, 128)}' is missing");
            else if (!string.Equals(found, value, StringComparison.Ordinal))
                problems.Add($"'{UntrustedText.Neutralize(key, 128)}' is '{UntrustedText.Neutralize(found, 128)}', expected '{UntrustedText.Neutralize(value, 128)}'");
        }
        if (problems.Count > 0)
            throw new EncryptionContextMismatchException(
                "The message's encryption context does not match what was expected: " + string.Join("; ", problems) + ".");
    }

    /// <summary>The pairs a user sees: the SDK's reserved entries are hidden.</summary>
    public static IReadOnlyDictionary<string, string> UserVisible(IReadOnlyDictionary<string, string> context) =>
        context.Where(kv => !kv.Key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static byte[] Encode(string text)
    {
        byte[] bytes;
        try { bytes = StrictUtf8.GetBytes(text); }
        catch (EncoderFallbackException) { throw new InvalidEncryptionContextException("An encryption context entry is not valid Unicode text."); }
        if (bytes.Length > ushort.MaxValue)
            throw new InvalidEncryptionContextException("An encryption context key or value is longer than 65535 bytes.");
        return bytes;
    }

    private static string Decode(byte[] bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw Malformed("an entry is not valid UTF-8"); }
    }

    private static int WriteField(Span<byte> span, int offset, byte[] field)
    {
        BinaryPrimitives.WriteUInt16BigEndian(span[offset..], (ushort)field.Length);
        field.CopyTo(span[(offset + 2)..]);
        return offset + 2 + field.Length;
    }

    private static byte[] ReadField(ReadOnlySpan<byte> data, ref int offset)
    {
        if (data.Length - offset < 2) throw Malformed("an entry length is cut short");
        int length = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
        offset += 2;
        if (data.Length - offset < length) throw Malformed("an entry runs past the end of the context");
        var field = data.Slice(offset, length).ToArray();
        offset += length;
        return field;
    }

    private static MessageTamperedException Malformed(string why) =>
        new($"The message's encryption context is malformed: {why}.");
}
