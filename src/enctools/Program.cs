using System.CommandLine;
using System.Text.Json;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Cli;

public static class Program
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static int Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var root = Build(cancel.Token);
        return root.Parse(args).Invoke();
    }

    internal static RootCommand Build(CancellationToken cancellationToken)
    {
        var root = new RootCommand("enctools: envelope encryption of files in the AWS Encryption SDK message format (v2, committing suites).");
        var json = new Option<bool>("--json") { Description = "Write results as JSON on stdout.", Recursive = true };
        root.Options.Add(json);

        var keyFile = new Option<FileInfo>("--key-file") { Description = "A raw 256-bit AES wrapping key: 32 bytes, or 64 hex characters, or base64.", Required = true };
        var keyNamespace = new Option<string>("--key-namespace") { Description = "Raw keyring namespace (the EDK's provider id).", DefaultValueFactory = _ => "enctools" };
        var keyName = new Option<string?>("--key-name") { Description = "Raw keyring key name (default: the key file's name without extension)." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Destination file." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing destination." };
        var file = new Argument<FileInfo>("file") { Description = "The input file." };

        var context = new Option<string[]>("--context", "-c") { Description = "Encryption context pair key=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var frame = new Option<int>("--frame-length") { Description = "Frame length in bytes.", DefaultValueFactory = _ => EncryptOptions.DefaultFrameLength };
        var encrypt = new Command("encrypt", "Encrypt a file with a raw AES key (default destination: FILE.enc).")
        {
            file, keyFile, keyNamespace, keyName, context, frame, output, force,
        };
        encrypt.SetAction(r => Run(r, json, () =>
        {
            var source = r.GetValue(file)!;
            var destination = r.GetValue(output)?.FullName ?? source.FullName + ".enc";
            using var keyring = LoadKeyring(r.GetValue(keyFile)!, r.GetValue(keyNamespace)!, r.GetValue(keyName));
            var result = FileCrypto.EncryptFile(source.FullName, destination, [keyring], new EncryptOptions
            {
                EncryptionContext = ParsePairs(r.GetValue(context)),
                FrameLength = r.GetValue(frame),
            }, r.GetValue(force), cancellationToken);
            return new { Source = source.FullName, Destination = destination, result.PlaintextLength, result.CiphertextLength, result.FrameLength };
        }));

        var expect = new Option<string[]>("--expect-context") { Description = "Pair key=value the message's context must hold (repeatable)." };
        var decrypt = new Command("decrypt", "Decrypt a file (default destination: FILE without .enc).")
        {
            file, keyFile, keyNamespace, keyName, expect, output, force,
        };
        decrypt.SetAction(r => Run(r, json, () =>
        {
            var source = r.GetValue(file)!;
            var destination = r.GetValue(output)?.FullName ?? DefaultDecryptedName(source.FullName);
            using var keyring = LoadKeyring(r.GetValue(keyFile)!, r.GetValue(keyNamespace)!, r.GetValue(keyName));
            var result = FileCrypto.DecryptFile(source.FullName, destination, [keyring], new DecryptOptions
            {
                RequiredEncryptionContext = ParsePairs(r.GetValue(expect)),
            }, r.GetValue(force), cancellationToken);
            return new { Source = source.FullName, Destination = destination, result.PlaintextLength };
        }));

        var files = new Argument<FileInfo[]>("files") { Description = "Encrypted files to describe.", Arity = ArgumentArity.OneOrMore };
        var info = new Command("info", "Describe encrypted files from their headers alone (no key needed).") { files };
        info.SetAction(r => Run(r, json, () => r.GetValue(files)!.Select(f => EncryptedFileInfo.Read(f.FullName)).ToList()));

        root.Subcommands.Add(encrypt);
        root.Subcommands.Add(decrypt);
        root.Subcommands.Add(info);
        ComplianceCommand.Register(root, cancellationToken);
        return root;
    }

    /// <summary>Runs a command body: the result goes to stdout (JSON or text), an error to stderr with its stable id and exit code.</summary>
    private static int Run(ParseResult r, Option<bool> json, Func<object> body)
    {
        try
        {
            var result = body();
            Console.Out.WriteLine(r.GetValue(json) ? JsonSerializer.Serialize(result, Json) : Text(result));
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException or OperationCanceledException or ArgumentException)
        {
            var id = ex is EncryptionToolsException e ? e.ErrorId : ex is OperationCanceledException ? "OperationStopped" : ex.GetType().Name;
            Console.Error.WriteLine($"enctools: {id}: {ex.Message}");
            return ex is ArgumentException ? ExitCodes.Usage : ExitCodes.For(ex);
        }
    }

    private static string Text(object result) => result switch
    {
        IEnumerable<EncryptedFileInfo> infos => string.Join(Environment.NewLine + Environment.NewLine, infos.Select(Describe)),
        _ => JsonSerializer.Serialize(result, Json),
    };

    private static string Describe(EncryptedFileInfo i) => string.Join(Environment.NewLine,
    [
        $"{i.Path}",
        $"  suite        {i.AlgorithmSuiteId} {i.AlgorithmSuite}",
        $"  message id   {i.MessageId}",
        $"  frame length {i.FrameLength}",
        $"  sizes        header {i.HeaderLength}, file {i.FileLength}, plaintext {(i.PlaintextLength?.ToString() ?? "unknown (signed)")}",
        $"  context      {(i.EncryptionContext.Count == 0 ? "(none)" : string.Join(", ", i.EncryptionContext.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")))}",
        .. i.EncryptedDataKeys.Select((k, n) => $"  key {n + 1}        {k.Wrapping} {k.ProviderId} / {k.KeyName}"),
    ]);

    internal static string DefaultDecryptedName(string path) =>
        path.EndsWith(".enc", StringComparison.OrdinalIgnoreCase) ? path[..^4] : path + ".dec";

    internal static IReadOnlyDictionary<string, string> ParsePairs(string[]? pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"'{pair}' is not a key=value pair.");
            result[pair[..eq]] = pair[(eq + 1)..];
        }
        return result;
    }

    private static RawAesKeyring LoadKeyring(FileInfo file, string keyNamespace, string? keyName)
    {
        var bytes = File.ReadAllBytes(file.FullName);
        byte[] key;
        if (bytes.Length == 32) key = bytes;
        else
        {
            var text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
            try { key = text.Length == 64 ? Convert.FromHexString(text) : Convert.FromBase64String(text); }
            catch (FormatException) { throw new ArgumentException($"The key file '{file.FullName}' holds neither 32 raw bytes, 64 hex characters nor base64."); }
        }
        try { return new RawAesKeyring(keyNamespace, keyName ?? Path.GetFileNameWithoutExtension(file.Name), key); }
        finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(key); }
    }
}
