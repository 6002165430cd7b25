using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace EncryptionTools.Tests.Engine;

/// <summary>
/// The message format written out again from the specification, using only platform primitives and explicit
/// byte layouts. Tests compare the engine against this, never against the engine's own helpers.
/// </summary>
internal static class Spec
{
    public const ushort Suite0478 = 0x0478;
    public const ushort Suite0578 = 0x0578;
    public const int IvLength = 12;
    public const int TagLength = 16;
    public const int MessageIdLength = 32;

    // "DERIVEKEY", "COMMITKEY" and the body labels, spelled out as ASCII so a typo in the engine cannot hide here.
    public static readonly byte[] DeriveKeyLabel = [0x44, 0x45, 0x52, 0x49, 0x56, 0x45, 0x4B, 0x45, 0x59];
    public static readonly byte[] CommitKeyLabel = [0x43, 0x4F, 0x4D, 0x4D, 0x49, 0x54, 0x4B, 0x45, 0x59];
    public static readonly byte[] FrameLabel = Encoding.ASCII.GetBytes("AWSKMSEncryptionClient Frame");
    public static readonly byte[] FinalFrameLabel = Encoding.ASCII.GetBytes("AWSKMSEncryptionClient Final Frame");

    public static byte[] Utf8(string s) => new UTF8Encoding(false, true).GetBytes(s);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    public static byte[] U32(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    public static byte[] U64(ulong v) => [.. U32((uint)(v >> 32)), .. U32((uint)v)];

    public static uint ReadU32(byte[] b, int o) => (uint)(b[o] << 24 | b[o + 1] << 16 | b[o + 2] << 8 | b[o + 3]);

    public static int ReadU16(byte[] b, int o) => b[o] << 8 | b[o + 1];

    /// <summary>Unsigned lexicographic order of byte strings, written out rather than borrowed.</summary>
    public static int CompareBytes(byte[] a, byte[] b)
    {
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
        return a.Length.CompareTo(b.Length);
    }

    /// <summary>structures.md: count, then (len, key, len, value) sorted by the key's UTF-8 bytes; empty context is no bytes at all.</summary>
    public static byte[] SerializeContext(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var list = pairs.Select(kv => (Key: Utf8(kv.Key), Value: Utf8(kv.Value))).ToList();
        if (list.Count == 0) return [];
        list.Sort((x, y) => CompareBytes(x.Key, y.Key));
        return SerializeContextInOrder(list.Select(e => (e.Key, e.Value)));
    }

    /// <summary>The same layout without sorting, for building malformed fields.</summary>
    public static byte[] SerializeContextInOrder(IEnumerable<(byte[] Key, byte[] Value)> pairs)
    {
        var list = pairs.ToList();
        var parts = new List<byte[]> { U16(list.Count) };
        foreach (var (k, v) in list) parts.AddRange([U16(k.Length), k, U16(v.Length), v]);
        return Concat([.. parts]);
    }

    public static byte[] DeriveKey(ushort suiteId, byte[] dataKey, byte[] messageId) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA512, dataKey, 32, salt: messageId, info: Concat(U16(suiteId), DeriveKeyLabel));

    public static byte[] CommitKey(byte[] dataKey, byte[] messageId) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA512, dataKey, 32, salt: messageId, info: CommitKeyLabel);

    /// <summary>Header authentication v2: AES-GCM, all-zero IV, no plaintext, AAD = the header body.</summary>
    public static byte[] HeaderTag(byte[] key, byte[] headerBody)
    {
        var tag = new byte[TagLength];
        using var gcm = new AesGcm(key, TagLength);
        gcm.Encrypt(new byte[IvLength], Array.Empty<byte>(), Array.Empty<byte>(), tag, headerBody);
        return tag;
    }

    public static byte[] FrameAad(byte[] messageId, bool final, uint sequence, ulong length) =>
        Concat(messageId, final ? FinalFrameLabel : FrameLabel, U32(sequence), U64(length));

    public static byte[] FrameIv(uint sequence) => [0, 0, 0, 0, 0, 0, 0, 0, .. U32(sequence)];

    /// <summary>raw-aes-keyring.md: info = name || tag bits || IV length || IV; ciphertext = wrapped key || tag; AAD = serialized context.</summary>
    public static (byte[] Info, byte[] Ciphertext) AesWrap(byte[] wrappingKey, string keyName, byte[] dataKey, byte[] serializedContext, byte[]? iv = null)
    {
        iv ??= RandomNumberGenerator.GetBytes(IvLength);
        var ct = new byte[dataKey.Length];
        var tag = new byte[TagLength];
        using (var gcm = new AesGcm(wrappingKey, TagLength)) gcm.Encrypt(iv, dataKey, ct, tag, serializedContext);
        return (Concat(Utf8(keyName), U32(128), U32(12), iv), Concat(ct, tag));
    }

    public static byte[] AesUnwrap(byte[] wrappingKey, byte[] info, byte[] ciphertext, byte[] serializedContext)
    {
        var iv = info[^IvLength..];
        var dataKey = new byte[ciphertext.Length - TagLength];
        using var gcm = new AesGcm(wrappingKey, TagLength);
        gcm.Decrypt(iv, ciphertext[..^TagLength], ciphertext[^TagLength..], dataKey, serializedContext);
        return dataKey;
    }

    public static byte[] GcmDecrypt(byte[] key, byte[] iv, byte[] ciphertext, byte[] tag, byte[] aad)
    {
        var pt = new byte[ciphertext.Length];
        using var gcm = new AesGcm(key, TagLength);
        gcm.Decrypt(iv, ciphertext, tag, pt, aad);
        return pt;
    }

    public static (byte[] Ciphertext, byte[] Tag) GcmEncrypt(byte[] key, byte[] iv, byte[] plaintext, byte[] aad)
    {
        var ct = new byte[plaintext.Length];
        var tag = new byte[TagLength];
        using var gcm = new AesGcm(key, TagLength);
        gcm.Encrypt(iv, plaintext, ct, tag, aad);
        return (ct, tag);
    }

    // P-384 (SEC 2): the signed suite stores its key as a base64 compressed point (SEC 1, 2.3.3).
    private static readonly BigInteger P384 = BigInteger.Parse("0fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff", System.Globalization.NumberStyles.HexNumber);
    private static readonly BigInteger B384 = BigInteger.Parse("0b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef", System.Globalization.NumberStyles.HexNumber);

    public static string CompressedPoint(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        return Convert.ToBase64String([(byte)(2 + (q.Y![^1] & 1)), .. q.X!]);
    }

    public static ECDsa ImportCompressedPoint(string base64)
    {
        var point = Convert.FromBase64String(base64);
        Assert.Equal(49, point.Length);
        Assert.True(point[0] is 2 or 3, "compressed point prefix");
        var x = new BigInteger(point.AsSpan(1), isUnsigned: true, isBigEndian: true);
        var rhs = ((BigInteger.ModPow(x, 3, P384) - 3 * x + B384) % P384 + P384) % P384;
        var y = BigInteger.ModPow(rhs, (P384 + 1) / 4, P384);
        Assert.Equal(rhs, BigInteger.ModPow(y, 2, P384));
        if ((y.IsEven ? 2 : 3) != point[0]) y = P384 - y;
        var yBytes = y.ToByteArray(isUnsigned: true, isBigEndian: true);
        var yFixed = new byte[48];
        yBytes.CopyTo(yFixed, 48 - yBytes.Length);
        return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP384, Q = new ECPoint { X = point[1..], Y = yFixed } });
    }
}
