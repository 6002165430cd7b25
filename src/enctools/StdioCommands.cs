using System.CommandLine;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Cli;

/// <summary>
/// <c>enctools encrypt|decrypt - -o -</c>: stdin as the source and stdout as the destination (either or both),
/// streamed in constant memory. With stdout as the destination nothing but the message or the plaintext is written
/// there: errors and warnings go to stderr, and a failure is told by the exit code alone.
/// </summary>
internal static class StdioCommands
{
    public const string Dash = StreamProtector.StandardStreamName;

    /// <summary>decrypt --buffer: hold all plaintext until the whole message verified.</summary>
    public static Option<bool> BufferOption() => new("--buffer")
    {
        Description = "With -o -: write nothing to stdout until the whole message verified (held in memory up to 64 MiB, then in an unnamed owner-only temporary file).",
    };

    /// <summary>True when stdin or stdout takes part (a source or the destination is "-").</summary>
    public static bool Involved(IReadOnlyList<string> files, string? output) => files.Contains(Dash) || output == Dash;

    public static int Encrypt(ParseResult r, CliContext cli, FileOperations ops, IReadOnlyList<string> files, FileKeys keys, ProtectRequest request)
    {
        var (source, destination) = Check(files, request, "encrypt");
        using var input = Open(source);
        return Write(r, cli, source, destination, request.Force, FileAction.Encrypted, output =>
        {
            var result = ops.Protect(input, output, source, keys, request, cli.CancellationToken);
            return (result.PlaintextLength, result.CiphertextLength);
        });
    }

    public static int Decrypt(ParseResult r, CliContext cli, FileOperations ops, IReadOnlyList<string> files, IReadOnlyList<string>? restrictTo,
        UnprotectRequest request, bool buffer)
    {
        var (source, destination) = Check(files, request, "decrypt");
        using var input = Open(source);
        var counted = new CountingReadStream(input);
        return Write(r, cli, source, destination, request.Force, FileAction.Decrypted, output =>
        {
            var result = ops.Unprotect(counted, output, source, restrictTo, request, buffer, cli.CancellationToken);
            return (counted.BytesRead, result.PlaintextLength);
        });
    }

    private static (string Source, string Destination) Check(IReadOnlyList<string> files, FileOperationOptions request, string verb)
    {
        if (files.Count != 1)
            throw new ArgumentException($"'-' (stdin) or '-o -' (stdout) takes exactly one source; {verb} several files to files, or one at a time.");
        if (request.InPlace) throw new ArgumentException("--in-place cannot be used with '-' (stdin) or '-o -' (stdout).");
        if (request.Recurse) throw new ArgumentException("--recursive cannot be used with '-' (stdin) or '-o -' (stdout).");
        if (request.Destination is null)
            throw new ArgumentException($"Reading stdin needs a destination: -o - (stdout) or -o FILE.");
        return (files[0], request.Destination);
    }

    private static Stream Open(string source) =>
        source == Dash ? Console.OpenStandardInput() : StreamProtector.OpenSource(source);

    /// <summary>
    /// To stdout: the body writes straight there and nothing else does. To a file: through a private temporary
    /// published only when the body succeeded, then the result line (or --json) on stdout as for files.
    /// </summary>
    private static int Write(ParseResult r, CliContext cli, string source, string destination, bool force, FileAction action,
        Func<Stream, (long In, long Out)> body)
    {
        if (destination == Dash)
        {
            using var stdout = Console.OpenStandardOutput();
            body(stdout);
            return ExitCodes.Ok;
        }
        var path = Path.GetFullPath(destination);
        if (File.Exists(path) && !force) throw new DestinationExistsException(path);
        using var file = AtomicFile.Create(path, overwrite: force, unnamed: true);
        var (bytesIn, bytesOut) = body(file.Stream);
        file.Commit();
        var result = new FileOperationResult { Source = source, Destination = path, Action = action, BytesIn = bytesIn, BytesOut = bytesOut };
        Console.Out.WriteLine(r.GetValue(cli.Json)
            ? CliContext.ToJson(new List<FileOperationResult> { result }, CliJson.Default.ListFileOperationResult)
            : $"{action.ToString().ToLowerInvariant()} {CliContext.Field(source, 1024)} -> {CliContext.Field(path, 1024)} ({bytesIn:N0} -> {bytesOut:N0} bytes)");
        return ExitCodes.Ok;
    }
}
