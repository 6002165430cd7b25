using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EncryptionTools.Tests.Edges;

/// <summary>Headers an attacker writes: every variable field at its 65,535-byte maximum, with terminal escapes in it.</summary>
internal static class HostileHeaders
{
    /// <summary>Text that would retitle a terminal, ring it, return the carriage and cut a C string, if printed raw.</summary>
    public const string Escapes = "\u001b]0;pwned\u0007\r\u0000\u001b[2J";

    public static readonly byte[] Field = Fill(65535);

    private static byte[] Fill(int length)
    {
        var bytes = new byte[length];
        bytes.AsSpan().Fill((byte)'A');
        Encoding.ASCII.GetBytes(Escapes).CopyTo(bytes, 0);
        return bytes;
    }

    private static byte[] U16(int v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)v); return b; }

    /// <summary>A committing v2 header with <paramref name="edks"/> EDKs of three maximal fields each, and some body bytes.</summary>
    public static byte[] Message(int edks, byte[]? context = null)
    {
        context ??= [];
        using var ms = new MemoryStream();
        ms.Write([0x02, 0x04, 0x78]);
        ms.Write(RandomNumberGenerator.GetBytes(32));
        ms.Write(U16(context.Length));
        ms.Write(context);
        ms.Write(U16(edks));
        for (var i = 0; i < edks; i++)
            for (var f = 0; f < 3; f++) { ms.Write(U16(Field.Length)); ms.Write(Field); }
        ms.Write([0x02, 0x00, 0x00, 0x10, 0x00]);
        ms.Write(RandomNumberGenerator.GetBytes(32 + 16 + 100));
        return ms.ToArray();
    }

    /// <summary>Serialized length of a header of <paramref name="edks"/> maximal EDKs (without the body bytes).</summary>
    public static long HeaderLength(int edks) => 3 + 32 + 2 + 2 + edks * 3L * (2 + 65535) + 5 + 32 + 16;

    /// <summary>The most maximal EDKs whose header stays within the limit: the largest hostile header that is read whole.</summary>
    public static int EdksWithin(int limit)
    {
        var n = 0;
        while (HeaderLength(n + 1) <= limit) n++;
        return n;
    }
}
