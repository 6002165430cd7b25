using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Operations;

namespace EncryptionTools.Cli;

/// <summary>
/// <c>enctools data encrypt|decrypt|datakey|reencrypt</c>: the KMS data plane for data in memory, with messages as base64
/// text, on the module's route (<see cref="DataOperations"/>): the same keys, policy checks and audit records as
/// Protect-EncData, Unprotect-EncData, New-EncDataKey and Update-EncData.
/// </summary>
internal static class DataCommands
{
    /// <summary>Messages larger than this are files: use <c>enctools encrypt</c> (the data commands hold everything in memory).</summary>
    internal const int MaxInput = 64 * 1024 * 1024;

    public static Command Data(CliContext cli)
    {
        var data = new Command("data", "Encrypt and decrypt data in memory (KMS Encrypt, Decrypt, GenerateDataKey, ReEncrypt), with messages as base64 text.");
        var context = new Option<string[]>("--context", "-c") { Description = "Encryption context pair key=value (repeatable)." };
        var expect = new Option<string[]>("--expect-context") { Description = "Pair key=value the message's context must hold (repeatable)." };

        // encrypt: the plaintext comes on stdin only, never as an argument (every local user can read a process's arguments).
        var key = new Option<string[]>("--key", "-k") { Description = "A key of the store (id, ARN, alias) or an AWS KMS key or alias ARN; repeatable: one EDK per key. Default: the module-managed default key." };
        var recipient = new Option<string[]>("--recipient") { Description = "An RSA public key PEM file to encrypt to (repeatable)." };
        var encrypt = new Command("encrypt", "Encrypt the bytes on stdin; write the message as base64 text on stdout.") { key, recipient, context };
        encrypt.SetAction(r => Run(r, cli, () =>
        {
            var pairs = CliContext.ParsePairs(r.GetValue(context));
            using var plaintext = ReadStdin();
            using var ops = new FileOperations(cli.Store(r));
            var keys = new FileKeys
            {
                KeyIds = r.GetValue(key) ?? [],
                RecipientPemFiles = (r.GetValue(recipient) ?? []).Select(Path.GetFullPath).ToList(),
            };
            var message = new DataOperations(ops).Encrypt(plaintext.OpenRead(), keys, pairs, cli.CancellationToken);
            var base64 = Convert.ToBase64String(message);
            return r.GetValue(cli.Json) ? CliContext.ToJson(new DataMessage(base64), DataJson.Default.DataMessage) : base64;
        }));

        var message = new Argument<string?>("message") { Description = "The message as base64 text; omitted or '-': read it from stdin.", Arity = ArgumentArity.ZeroOrOne };
        var restrict = new Option<string[]>("--key", "-k") { Description = "Only these keys may decrypt (strict mode; repeatable): keys of the store and AWS KMS key ARNs." };
        var discovery = new KmsSupport.DiscoveryOptions();
        var asBase64 = new Option<bool>("--base64") { Description = "Write the plaintext as base64 text (for binary data) instead of its bytes." };
        var decrypt = new Command("decrypt", "Decrypt a base64 message; write the plaintext on stdout only once the whole message has authenticated.")
        {
            message, restrict, expect, asBase64,
        };
        discovery.AddTo(decrypt);
        decrypt.SetAction(r => Run(r, cli, () =>
        {
            var expected = r.GetValue(expect) is { Length: > 0 } given ? CliContext.ParsePairs(given) : null;
            var external = discovery.Resolve(r);
            var bytes = ReadMessage(r.GetValue(message));
            using var ops = new FileOperations(cli.Store(r)) { ExternalKeys = external };
            var restrictTo = r.GetValue(restrict) is { Length: > 0 } ids ? ids : null;
            using var plaintext = new DataOperations(ops).Decrypt(bytes, restrictTo, expected, cli.CancellationToken);
            if (r.GetValue(cli.Json))
                return CliContext.ToJson(new DataPlaintext(Convert.ToBase64String(plaintext.Span)), DataJson.Default.DataPlaintext);
            if (r.GetValue(asBase64)) return Convert.ToBase64String(plaintext.Span);
            using var stdout = Console.OpenStandardOutput();
            stdout.Write(plaintext.Span);
            stdout.Flush();
            return null;
        }));

        var dataKey = new Option<string>("--key", "-k") { Description = "The key that encrypts the data key: a key of the store (id, ARN, alias) or an AWS KMS key or alias ARN.", Required = true };
        var withoutPlaintext = new Option<bool>("--without-plaintext") { Description = "Return only the encrypted data key (GenerateDataKeyWithoutPlaintext)." };
        var datakey = new Command("datakey", "Generate a 256-bit data key: its plaintext and its CiphertextBlob (a message that 'enctools data decrypt' opens), base64.")
        {
            dataKey, context, withoutPlaintext,
        };
        datakey.SetAction(r => Run(r, cli, () =>
        {
            var pairs = CliContext.ParsePairs(r.GetValue(context));
            using var ops = new FileOperations(cli.Store(r));
            var result = new DataOperations(ops).GenerateDataKey(r.GetValue(dataKey)!, pairs, r.GetValue(withoutPlaintext), cli.CancellationToken);
            try
            {
                var json = new DataKeyJson(result.KeyId, result.KeyArn, result.KeySpec,
                    result.Plaintext is null ? null : Convert.ToBase64String(result.Plaintext), Convert.ToBase64String(result.CiphertextBlob),
                    new Dictionary<string, string>(result.EncryptionContext, StringComparer.Ordinal));
                if (r.GetValue(cli.Json)) return CliContext.ToJson(json, DataJson.Default.DataKeyJson);
                var lines = new List<string> { $"KeyId: {json.KeyId}" };
                if (json.Plaintext is not null) lines.Add($"Plaintext: {json.Plaintext}");
                lines.Add($"CiphertextBlob: {json.CiphertextBlob}");
                return string.Join(Environment.NewLine, lines);
            }
            finally
            {
                if (result.Plaintext is not null) CryptographicOperations.ZeroMemory(result.Plaintext);
            }
        }));

        var destination = new Option<string[]>("--key", "-k") { Description = "The keys the message is encrypted under afterwards: keys of the store and AWS KMS key ARNs (repeatable).", Required = true };
        var source = new Option<string[]>("--source-key") { Description = "Only these keys may open the message (strict mode; repeatable): keys of the store and AWS KMS key ARNs." };
        var reencrypt = new Command("reencrypt", "Move a base64 message's data key to other keys (header only: the plaintext is never decrypted); write the new message as base64.")
        {
            message, destination, source, expect,
        };
        discovery.AddTo(reencrypt);
        reencrypt.SetAction(r => Run(r, cli, () =>
        {
            var expected = r.GetValue(expect) is { Length: > 0 } given ? CliContext.ParsePairs(given) : null;
            var external = discovery.Resolve(r);
            var bytes = ReadMessage(r.GetValue(message));
            using var ops = new FileOperations(cli.Store(r)) { ExternalKeys = external };
            var sourceKeys = r.GetValue(source) is { Length: > 0 } ids ? ids : null;
            var result = new DataOperations(ops).ReEncrypt(bytes, new FileKeys { KeyIds = r.GetValue(destination)! }, sourceKeys, expected);
            var base64 = Convert.ToBase64String(result);
            return r.GetValue(cli.Json) ? CliContext.ToJson(new DataMessage(base64), DataJson.Default.DataMessage) : base64;
        }));

        data.Subcommands.Add(encrypt);
        data.Subcommands.Add(decrypt);
        data.Subcommands.Add(datakey);
        data.Subcommands.Add(reencrypt);
        return data;
    }

    /// <summary>Runs a body that returns the text for stdout (null: it wrote stdout itself); errors go to stderr with their exit code.</summary>
    private static int Run(System.CommandLine.ParseResult r, CliContext cli, Func<string?> body)
    {
        try
        {
            var text = body();
            if (text is not null) Console.Out.WriteLine(text);
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (CliContext.IsExpected(ex))
        {
            return CliContext.Fail(ex);
        }
    }

    /// <summary>The base64 message from the argument, or from stdin when it is omitted or '-'.</summary>
    private static byte[] ReadMessage(string? argument)
    {
        if (argument is not null && argument != "-") return DataOperations.FromBase64(argument);
        using var stdin = Console.OpenStandardInput();
        var limit = MaxInput / 3 * 4 + 4096;
        using var text = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = stdin.Read(chunk)) > 0)
        {
            if (text.Length + n > limit)
                throw new MessageLimitExceededException($"The message on stdin is longer than {MaxInput / 1024 / 1024} MiB of data; encrypt large data as files (enctools encrypt).");
            text.Write(chunk, 0, n);
        }
        return DataOperations.FromBase64(System.Text.Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length));
    }

    /// <summary>Stdin's bytes in a pinned buffer wiped on dispose.</summary>
    private static SecretBuffer ReadStdin()
    {
        var buffer = new SecretBuffer(64 * 1024);
        try
        {
            using var stdin = Console.OpenStandardInput();
            var chunk = GC.AllocateArray<byte>(64 * 1024, pinned: true);
            try
            {
                int n;
                while ((n = stdin.Read(chunk)) > 0)
                {
                    if (buffer.Length + n > MaxInput)
                        throw new MessageLimitExceededException($"The data on stdin is longer than {MaxInput / 1024 / 1024} MiB; encrypt large data as files (enctools encrypt).");
                    buffer.Write(chunk.AsSpan(0, n));
                }
            }
            finally { CryptographicOperations.ZeroMemory(chunk); }
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}

internal sealed record DataMessage(string Ciphertext);

internal sealed record DataPlaintext(string Plaintext);

internal sealed record DataKeyJson(string KeyId, string KeyArn, string KeySpec, string? Plaintext, string CiphertextBlob, Dictionary<string, string> EncryptionContext);

/// <summary>The --json output of the data commands (source-generated: the CLI is Native AOT).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(DataMessage))]
[JsonSerializable(typeof(DataPlaintext))]
[JsonSerializable(typeof(DataKeyJson))]
internal sealed partial class DataJson : JsonSerializerContext;
