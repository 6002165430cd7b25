using System.Numerics;
using System.Security.Cryptography;

namespace EncryptionTools.Engine.Format;

/// <summary>
/// The signed suite stores its P-384 verification key in the encryption context as a base64 compressed point
/// (SEC 1, 2.3.3). .NET imports only uncompressed points, so this converts the encoding; the signature itself is
/// verified by the platform's ECDsa.
/// </summary>
internal static class EcPoint
{
    private static readonly BigInteger P = Parse("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff");
    private static readonly BigInteger B = Parse("b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef");
    private const int CoordinateLength = 48;

    public static string CompressedPublicKeyBase64(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        var point = new byte[1 + CoordinateLength];
        point[0] = (byte)(0x02 | (q.Y![^1] & 1));
        q.X!.CopyTo(point, 1);
        return Convert.ToBase64String(point);
    }

    /// <summary>Builds a verification key from the context's base64 compressed point; throws when it is not a point on P-384.</summary>
    public static ECDsa ImportCompressed(string base64)
    {
        byte[] point;
        try { point = Convert.FromBase64String(base64); }
        catch (FormatException) { throw new MessageTamperedException("The message's signing key in its encryption context is not valid base64."); }
        if (point.Length != 1 + CoordinateLength || point[0] is not (0x02 or 0x03))
            throw new MessageTamperedException("The message's signing key is not a compressed P-384 point.");
        var x = new BigInteger(point.AsSpan(1), isUnsigned: true, isBigEndian: true);
        if (x >= P) throw new MessageTamperedException("The message's signing key is not a point on P-384.");
        var rhs = Mod(BigInteger.ModPow(x, 3, P) - 3 * x + B);
        var y = BigInteger.ModPow(rhs, (P + 1) / 4, P); // P ≡ 3 (mod 4)
        if (BigInteger.ModPow(y, 2, P) != rhs) throw new MessageTamperedException("The message's signing key is not a point on P-384.");
        if ((int)(y % 2) != (point[0] & 1)) y = P - y;
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP384,
            Q = new ECPoint { X = point[1..], Y = ToFixed(y) },
        };
        try { return ECDsa.Create(parameters); }
        catch (CryptographicException ex) { throw new MessageTamperedException("The message's signing key is not a valid P-384 key.", ex); }
    }

    private static BigInteger Mod(BigInteger v) => ((v % P) + P) % P;

    private static BigInteger Parse(string hex) => new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);

    private static byte[] ToFixed(BigInteger v)
    {
        var bytes = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[CoordinateLength];
        bytes.CopyTo(result, CoordinateLength - bytes.Length);
        return result;
    }
}
