using System.Reflection;
using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Tests.Engine;

/// <summary>RSA-3072 keys are slow to make: a few are made once per test run and shared as parameters.</summary>
internal static class TestKeys
{
    private static readonly Lazy<RSAParameters>[] Rsa = Enumerable.Range(0, 2)
        .Select(_ => new Lazy<RSAParameters>(() => { using var r = RSA.Create(3072); return r.ExportParameters(true); }))
        .ToArray();

    public static RSAParameters RsaKey(int index) => Rsa[index].Value;

    public static RSA Import(RSAParameters p, bool includePrivate)
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(includePrivate ? p : new RSAParameters { Modulus = p.Modulus, Exponent = p.Exponent });
        return rsa;
    }

    /// <summary>Encrypt side: public key only, as a sender would hold it.</summary>
    public static RawRsaKeyring RsaEncryptOnly(int index, string name = "rsa-1", string ns = "test-ns") =>
        new(ns, name, Import(RsaKey(index), false), null, RSAEncryptionPadding.OaepSHA256);

    /// <summary>Decrypt side: private key only.</summary>
    public static RawRsaKeyring RsaDecryptOnly(int index, string name = "rsa-1", string ns = "test-ns") =>
        new(ns, name, null, Import(RsaKey(index), true), RSAEncryptionPadding.OaepSHA256);
}

internal static class Must
{
    /// <summary>
    /// Runs <paramref name="action"/> and requires it to fail with a typed engine error (a subclass, never the
    /// bare base class, never a raw platform exception), optionally one of <paramref name="allowed"/>.
    /// </summary>
    public static EncryptionToolsException FailTyped(Action action, string context, params Type[] allowed)
    {
        try
        {
            action();
        }
        catch (EncryptionToolsException ex) when (ex.GetType() != typeof(EncryptionToolsException))
        {
            if (allowed.Length > 0 && !allowed.Contains(ex.GetType()))
                Assert.Fail($"{context}: expected one of [{string.Join(", ", allowed.Select(t => t.Name))}] but got {ex.GetType().Name}: {ex.Message}");
            return ex;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{context}: expected a typed EncryptionToolsException subclass but got {ex.GetType().FullName}: {ex.Message}\n{ex.StackTrace}");
        }
        Assert.Fail($"{context}: the operation succeeded but must have failed");
        return null!;
    }
}

/// <summary>Reads hand out at most a few bytes at a time, and the stream cannot seek: the engine must not rely on full reads.</summary>
internal sealed class ChunkedReadStream(Stream inner, int maxChunk, int? seed = null) : Stream
{
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer) => inner.Read(buffer[..Math.Min(buffer.Length, _random.Next(1, maxChunk + 1))]);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Unlike Progress&lt;T&gt;, reports on the calling thread at once, so a test can act at a known point.</summary>
internal sealed class SyncProgress(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}

internal static class RepoPaths
{
    /// <summary>The worktree root: the first directory upwards from the test binaries holding EncryptionTools.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EncryptionTools.sln"))) return dir.FullName;
        throw new InvalidOperationException($"EncryptionTools.sln not found above {AppContext.BaseDirectory}");
    }

    public static string Configuration =>
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>The dotnet host that runs this test process, so child processes use the same runtime.</summary>
    public static string DotnetHost
    {
        get
        {
            var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromCli) && File.Exists(fromCli)) return fromCli;
            var self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
            return "dotnet";
        }
    }
}
