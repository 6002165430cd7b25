using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Audit;

// The authenticated head: where the last record is and its hash, replaced atomically after each append.
public sealed partial class AuditLog
{
    private sealed record Head(long File, long Length, long Lines, long Sequence, string Hash);

    private (Head? Head, string? Problem) ReadHead()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(HeadPath);
        }
        catch (FileNotFoundException)
        {
            return (null, "missing");
        }
        catch (DirectoryNotFoundException)
        {
            return (null, "missing");
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            var head = new Head(root.GetProperty("file").GetInt64(), root.GetProperty("length").GetInt64(), root.GetProperty("lines").GetInt64(),
                root.GetProperty("seq").GetInt64(), root.GetProperty("hash").GetString() ?? "");
            var mac = FromHex(root.GetProperty("mac").GetString());
            if (root.GetProperty("version").GetInt32() != 1 || mac is null || !CryptographicOperations.FixedTimeEquals(mac, HeadMac(head)))
                return (null, "not authentic (its HMAC does not verify)");
            return (head, null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return (null, "unreadable");
        }
    }

    private byte[] HeadMac(Head head)
    {
        ObjectDisposedException.ThrowIf(_wiped, this);
        var text = string.Create(CultureInfo.InvariantCulture, $"{HeadMacLabel}{head.File}\n{head.Length}\n{head.Lines}\n{head.Sequence}\n{head.Hash}");
        return HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text));
    }

    private void WriteHead(Tail tail)
    {
        var head = new Head(tail.File, tail.FileLength, tail.Lines, tail.Sequence, tail.Hash);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteNumber("file", head.File);
            w.WriteNumber("length", head.Length);
            w.WriteNumber("lines", head.Lines);
            w.WriteNumber("seq", head.Sequence);
            w.WriteString("hash", head.Hash);
            w.WriteString("mac", Hex(HeadMac(head)));
            w.WriteEndObject();
        }
        try
        {
            // The head's content is durable before its rename, so a crash leaves the old head or the new one, never a torn
            // one: a head that is missing, unreadable or not authentic is tampering, not a crash. The rename is not
            // synced (a lost rename leaves the old head, and the next append adopts the records after it), except the
            // first, so that no crash leaves records without a head.
            var existed = File.Exists(HeadPath);
            using var output = AtomicFile.Create(HeadPath, overwrite: true);
            output.Stream.Write(buffer.ToArray());
            output.Stream.Flush(flushToDisk: _options.Durable);
            output.Publish(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (!existed && _options.Durable) AtomicFile.FsyncDirectory(Directory);
        }
        catch (EncryptionToolsException ex)
        {
            throw new AuditLogWriteException($"Cannot update the audit head '{HeadPath}': {ex.Message}", ex);
        }
    }
}
