using System.Diagnostics;
using System.Security.Cryptography;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Streaming;

// Whole-process benchmark driver. Every file command goes through the product's file route (FileOperations: temp
// file + fsync + rename), exactly what users get. Timing of the whole process is taken outside, by bench/run.sh.
const string Usage = """
    usage:
      bench keygen --out K
      bench encrypt --key-file K --in P --out C [--frame N] [--threads N]
      bench decrypt --key-file K --in C --out P [--threads N]
      bench loop --seconds S [--frame N] [--threads N]
    """;

try
{
    if (args.Length == 0) return Fail(Usage);
    var opts = ParseOptions(args.AsSpan(1));
    switch (args[0])
    {
        case "keygen":
            File.WriteAllBytes(Required(opts, "out"), RandomNumberGenerator.GetBytes(32));
            return 0;
        case "encrypt":
        {
            using var keyring = LoadKeyring(Required(opts, "key-file"));
            using var route = new FileOperations(null);
            var request = new ProtectRequest
            {
                Keyrings = [],
                Destination = Required(opts, "out"),
                Force = true,
                FrameLength = Int(opts, "frame", EncryptOptions.DefaultFrameLength),
                MaxDegreeOfParallelism = Int(opts, "threads", Environment.ProcessorCount),
                HeaderReserve = 0, // the figures are of the message alone, as before
            };
            return Completed(route.Protect([Required(opts, "in")], new FileKeys { ExtraKeyrings = [keyring] }, request));
        }
        case "decrypt":
        {
            using var keyring = LoadKeyring(Required(opts, "key-file"));
            using var route = new FileOperations(null);
            var request = new UnprotectRequest
            {
                Keyrings = [keyring],
                Destination = Required(opts, "out"),
                Force = true,
                MaxDegreeOfParallelism = Int(opts, "threads", Environment.ProcessorCount),
            };
            return Completed(route.Unprotect([Required(opts, "in")], null, request));
        }
        case "loop":
            return Loop(double.Parse(Required(opts, "seconds"), System.Globalization.CultureInfo.InvariantCulture),
                Int(opts, "frame", EncryptOptions.DefaultFrameLength), Int(opts, "threads", 1));
        default:
            return Fail(Usage);
    }
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    return Fail($"bench: {ex.Message}\n{Usage}");
}

// The in-memory crypto loop: one message through MessageEncryptor (the engine's own frame path and pipeline),
// from a source that costs nothing into a sink that discards. A one-second warm-up message runs first, so that
// tiered compilation has finished before the timed message.
static int Loop(double seconds, int frame, int threads)
{
    var key = RandomNumberGenerator.GetBytes(32);
    using var keyring = new RawAesKeyring("bench", "loop", key);
    var options = new EncryptOptions { FrameLength = frame, MaxDegreeOfParallelism = threads };
    MessageEncryptor.Encrypt(new FreeSource(Stopwatch.GetTimestamp() + Stopwatch.Frequency), Stream.Null, [keyring], options);

    var process = Process.GetCurrentProcess();
    var cpu0 = process.TotalProcessorTime;
    var start = Stopwatch.GetTimestamp();
    var source = new FreeSource(start + (long)(seconds * Stopwatch.Frequency));
    var result = MessageEncryptor.Encrypt(source, Stream.Null, [keyring], options);
    var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
    var bytes = result.PlaintextLength;
    // wall_per_core: plaintext / wall time / worker threads (the reader and writer threads run beside the workers).
    // cpu_per_core: plaintext / process CPU time (every thread counted), the stricter per-core figure.
    Console.WriteLine(FormattableString.Invariant(
        $"loop frame={frame} threads={threads} bytes={bytes} wall_s={wall:F3} cpu_s={cpu:F3} gbps_total={bytes / 1e9 / wall:F3} gbps_wall_per_core={bytes / 1e9 / wall / threads:F3} gbps_cpu_per_core={bytes / 1e9 / cpu:F3}"));
    return 0;
}

static RawAesKeyring LoadKeyring(string path)
{
    var key = File.ReadAllBytes(path);
    try { return new RawAesKeyring("bench", "bench-key", key); }
    finally { CryptographicOperations.ZeroMemory(key); }
}

static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
{
    var opts = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            throw new ArgumentException($"bad argument '{args[i]}'");
        opts[args[i][2..]] = args[i + 1];
    }
    return opts;
}

static string Required(Dictionary<string, string> opts, string name) =>
    opts.TryGetValue(name, out var value) ? value : throw new ArgumentException($"missing --{name}");

static int Int(Dictionary<string, string> opts, string name, int fallback) =>
    opts.TryGetValue(name, out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : fallback;

static int Completed(IEnumerable<FileOutcome> outcomes)
{
    foreach (var outcome in outcomes)
        if (outcome.Error is { } error) return Fail($"{error.ErrorId}: {error.Message}");
    return 0;
}

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}

/// <summary>
/// An in-memory source that costs nothing: it reports the bytes asked for until a deadline, without writing them, so
/// the engine encrypts whatever its pooled batch buffers hold (zeros, then earlier batches). AES-GCM's cost does not
/// depend on the data, and no memcpy of the source is charged to the frame path.
/// </summary>
internal sealed class FreeSource(long deadline) : Stream
{
    private bool _ended;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        _ended = _ended || Stopwatch.GetTimestamp() >= deadline;
        return _ended ? 0 : buffer.Length;
    }
}
