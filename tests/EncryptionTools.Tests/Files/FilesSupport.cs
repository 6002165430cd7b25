using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Files;

/// <summary>A raw AES key the tests can hand both to our keyring and to the JavaScript SDK.</summary>
internal sealed class TestKey : IDisposable
{
    public TestKey(string name, string ns = "files-test")
    {
        Name = name;
        Namespace = ns;
        Material = RandomNumberGenerator.GetBytes(32);
        Keyring = new RawAesKeyring(ns, name, Material);
    }

    public string Name { get; }
    public string Namespace { get; }
    public byte[] Material { get; }
    public RawAesKeyring Keyring { get; }
    public FileKeyIdentity Identity => new(Namespace, Name);

    public object JsEntry => new { type = "aes", @namespace = Namespace, name = Name, keyHex = Convert.ToHexString(Material).ToLowerInvariant() };

    public void Dispose() => Keyring.Dispose();
}

internal static class FilesSupport
{
    /// <summary>The journal key the file tests use, as a key store would give its sidecar key.</summary>
    public static readonly SidecarKey JournalKey = SidecarKey.FromBytes(RandomNumberGenerator.GetBytes(32));

    public static byte[] Random(int size) => RandomNumberGenerator.GetBytes(size);

    /// <summary>Writes a file of <paramref name="size"/> pseudo-random bytes quickly (large sizes without one big array).</summary>
    public static string WriteRandom(string path, long size)
    {
        var block = RandomNumberGenerator.GetBytes((int)Math.Min(size, 4 * 1024 * 1024));
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        for (long written = 0; written < size;)
        {
            var n = (int)Math.Min(block.Length, size - written);
            block[0] ^= (byte)(written >> 20); // vary blocks a little
            fs.Write(block, 0, n);
            written += n;
        }
        return path;
    }

    public static string Sha256(string path, long offset = 0)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        fs.Position = offset;
        return Convert.ToHexString(SHA256.HashData(fs));
    }

    public static int HeaderLength(string path) => FileCrypto.ReadHeader(path).TotalLength;

    public static string EncryptFile(string source, string destination, IReadOnlyList<IKeyring> keyrings, int reserve = 0,
        int frame = 4096, IReadOnlyDictionary<string, string>? context = null)
    {
        FileRoute.EncryptFile(source, destination, keyrings, new EncryptOptions
        {
            HeaderReserve = reserve,
            FrameLength = frame,
            EncryptionContext = context ?? new Dictionary<string, string>(),
        });
        return destination;
    }

    public static byte[] DecryptFileToBytes(string path, IReadOnlyList<IKeyring> keyrings)
    {
        using var input = File.OpenRead(path);
        using var output = new MemoryStream();
        MessageDecryptor.Decrypt(input, output, keyrings);
        return output.ToArray();
    }

    /// <summary>Names in a directory, so tests can say "nothing else appeared" (no temporaries, no journals).</summary>
    public static string[] Listing(string dir) =>
        Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(dir, p).Replace('\\', '/'))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToArray();

    public static void TouchPast(string path) => File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-10));
}

/// <summary>Synchronous progress, so a test's callback runs inside the operation (Progress&lt;T&gt; posts later).</summary>
internal sealed class CallbackProgress<T>(Action<T> onReport) : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value)
    {
        lock (Reports) Reports.Add(value);
        onReport(value);
    }
}

/// <summary>The official AWS Encryption SDK for JavaScript through tests/interop/esdk.mjs.</summary>
internal static class JsSdk
{
    /// <summary>Decrypts with the JS SDK; returns (exit code, stderr).</summary>
    public static (int ExitCode, string Error) Decrypt(string dir, string cipher, string plainOut, params TestKey[] keys) =>
        WithKeyrings(dir, keys, keyrings => ["decrypt", "--keyrings", keyrings, "--in", cipher, "--out", plainOut]);

    public static (int ExitCode, string Error) Encrypt(string dir, string plain, string cipherOut, string suite, params TestKey[] keys) =>
        WithKeyrings(dir, keys, keyrings => ["encrypt", "--keyrings", keyrings, "--in", plain, "--out", cipherOut, "--suite", suite, "--frame", "4096"]);

    /// <summary>Writes the keyrings file the harness reads, runs it through <see cref="Engine.Esdk"/>, and removes the file.</summary>
    private static (int, string) WithKeyrings(string dir, TestKey[] keys, Func<string, string[]> arguments)
    {
        var keyrings = Path.Combine(dir, "js-keyrings-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        File.WriteAllText(keyrings, JsonSerializer.Serialize(keys.Select(k => k.JsEntry)));
        try
        {
            var (exit, _, stderr) = Engine.Esdk.Run(arguments(keyrings));
            return (exit, stderr);
        }
        finally
        {
            File.Delete(keyrings);
        }
    }
}
