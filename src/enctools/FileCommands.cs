using System.CommandLine;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Cli;

/// <summary><c>enctools encrypt|decrypt|info|rewrap</c>: the file cmdlets' engine path, with store keys or raw key files.</summary>
internal static class FileCommands
{
    private static Argument<string[]> Files(string description) => new("files") { Description = description, Arity = ArgumentArity.OneOrMore };

    public static IEnumerable<Command> All(CliContext cli)
    {
        // Raw AES keys (interop with the official SDK's raw AES keyring) beside the store's keys.
        var keyFile = new Option<FileInfo[]>("--key-file") { Description = "A raw 256-bit AES wrapping key: 32 bytes, 64 hex characters or base64 (repeatable)." };
        var keyNamespace = new Option<string>("--key-namespace") { Description = "Raw keyring namespace of --key-file keys.", DefaultValueFactory = _ => "enctools" };
        var keyName = new Option<string?>("--key-name") { Description = "Raw keyring key name (default: the key file's name without extension)." };
        var output = new Option<string?>("--output", "-o") { Description = "Destination file (one input) or directory (several inputs, or -r)." };
        var suffix = new Option<string>("--suffix") { Description = "Suffix appended on encryption, removed on decryption.", DefaultValueFactory = _ => FileOperations.DefaultSuffix };
        var inPlace = new Option<bool>("--in-place") { Description = "Replace each file with its result (verified, atomic)." };
        var force = new Option<bool>("--force") { Description = "Overwrite existing destinations; encrypt files that are already encrypted." };
        var recurse = new Option<bool>("--recursive", "-r") { Description = "Descend into directories, keeping their structure." };

        var encryptFiles = Files("Files (or directories with -r) to encrypt.");
        var key = new Option<string[]>("--key", "-k") { Description = "A key of the store (id, ARN, alias) or an AWS KMS key or alias ARN; repeatable: one EDK per key. Default: the module-managed default key." };
        var recipient = new Option<string[]>("--recipient") { Description = "An RSA public key PEM file to encrypt to (repeatable)." };
        var context = new Option<string[]>("--context", "-c") { Description = "Encryption context pair key=value (repeatable)." };
        var frame = new Option<int>("--frame-length") { Description = "Frame length in bytes.", DefaultValueFactory = _ => EncryptOptions.DefaultFrameLength };
        var signed = new Option<bool>("--signed") { Description = "Write signed messages (suite 0x0578, ECDSA P-384): a reader can tell the file was not forged by another reader." };
        var encrypt = new Command("encrypt", "Encrypt files (default destination: FILE.enc).")
        {
            encryptFiles, key, recipient, context, frame, signed, output, suffix, inPlace, force, recurse, keyFile, keyNamespace, keyName,
        };
        encrypt.SetAction(r =>
        {
            try
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var pairs = CliContext.ParsePairs(r.GetValue(context)); // a bad pair is a usage error before any work
                using var raw = new RawKeys(r.GetValue(keyFile), r.GetValue(keyNamespace)!, r.GetValue(keyName));
                var keys = new FileKeys
                {
                    KeyIds = r.GetValue(key) ?? [],
                    RecipientPemFiles = (r.GetValue(recipient) ?? []).Select(Path.GetFullPath).ToList(),
                    ExtraKeyrings = raw.Keyrings,
                };
                var storeless = keys.KeyIds.Count == 0 && !keys.HasRecipients && raw.Keyrings.Count > 0;
                using var ops = new FileOperations(storeless ? null : cli.Store(r));
                var template = new ProtectRequest
                {
                    Keyrings = [],
                    EncryptionContext = pairs,
                    FrameLength = r.GetValue(frame),
                    Signed = r.GetValue(signed),
                    Destination = r.GetValue(output),
                    Suffix = r.GetValue(suffix)!,
                    InPlace = r.GetValue(inPlace),
                    Force = r.GetValue(force),
                    Recurse = r.GetValue(recurse),
                };
                var sources = r.GetValue(encryptFiles)!;
                var code = StdioCommands.Involved(sources, template.Destination) ? StdioCommands.Encrypt(r, cli, ops, sources, keys, template)
                    : Report(r, cli, ops.Protect(sources, keys, template, null, cli.CancellationToken));
                CliContext.Timing("encrypt", watch);
                return code;
            }
            catch (Exception ex) when (CliContext.IsExpected(ex)) { return CliContext.Fail(ex); }
        });

        var decryptFiles = Files("Encrypted files (or directories with -r) to decrypt.");
        var restrict = new Option<string[]>("--key", "-k") { Description = "Only these keys may decrypt (strict mode; repeatable): keys of the store and AWS KMS key ARNs." };
        var discovery = new KmsSupport.DiscoveryOptions();
        var expect = new Option<string[]>("--expect-context") { Description = "Pair key=value the message's context must hold (repeatable)." };
        var buffer = StdioCommands.BufferOption();
        var decrypt = new Command("decrypt", "Decrypt files with the store's keys found from their EDKs (default destination: FILE without the suffix).")
        {
            decryptFiles, restrict, expect, output, suffix, inPlace, force, recurse, keyFile, keyNamespace, keyName, buffer,
        };
        discovery.AddTo(decrypt);
        decrypt.SetAction(r =>
        {
            try
            {
                var expected = r.GetValue(expect) is { Length: > 0 } given ? CliContext.ParsePairs(given) : null;
                var external = discovery.Resolve(r);
                using var raw = new RawKeys(r.GetValue(keyFile), r.GetValue(keyNamespace)!, r.GetValue(keyName));
                var restrictTo = r.GetValue(restrict) is { Length: > 0 } ids ? ids : null;
                var useStore = restrictTo is not null || raw.Keyrings.Count == 0;
                using var ops = new FileOperations(useStore ? cli.Store(r) : null) { ExternalKeys = external };
                var template = new UnprotectRequest
                {
                    Keyrings = raw.Keyrings,
                    RequiredEncryptionContext = expected,
                    Destination = r.GetValue(output),
                    Suffix = r.GetValue(suffix)!,
                    InPlace = r.GetValue(inPlace),
                    Force = r.GetValue(force),
                    Recurse = r.GetValue(recurse),
                };
                var sources = r.GetValue(decryptFiles)!;
                return StdioCommands.Involved(sources, template.Destination) ? StdioCommands.Decrypt(r, cli, ops, sources, restrictTo, template, r.GetValue(buffer))
                    : Report(r, cli, CliFileErrors.ContextBeforeDestination(ops.Unprotect(sources, restrictTo, template, null, cli.CancellationToken), expected));
            }
            catch (Exception ex) when (CliContext.IsExpected(ex)) { return CliContext.Fail(ex); }
        });

        var infoFiles = Files("Encrypted files to describe.");
        var info = new Command("info", "Describe encrypted files from their headers alone, resolving each data key in the store.") { infoFiles };
        info.SetAction(r =>
        {
            using var ops = new FileOperations(cli.Store(r));
            var results = new List<EncryptedFileInfo>();
            var code = ExitCodes.Ok;
            foreach (var file in r.GetValue(infoFiles)!)
            {
                var full = Path.GetFullPath(file);
                try { results.Add(ops.Describe(full)); }
                catch (Exception ex) when (CliContext.IsExpected(ex) && ex is not OperationCanceledException)
                {
                    var failed = CliContext.Fail(ex is IOException or UnauthorizedAccessException ? SourceErrors.Open(full, ex) : ex);
                    if (code == ExitCodes.Ok) code = failed;
                }
            }
            if (results.Count > 0 || code == ExitCodes.Ok)
                Console.Out.WriteLine(r.GetValue(cli.Json) ? CliContext.ToJson(results, CliJson.Default.ListEncryptedFileInfo) : string.Join(Environment.NewLine + Environment.NewLine, results.Select(Describe)));
            return code;
        });

        var rewrapFiles = Files("Encrypted files to rewrap (header only).");
        var replace = new Option<string[]>("--key", "-k") { Description = "The files' keys become exactly these keys (repeatable)." };
        var addKey = new Option<string[]>("--add-key") { Description = "Add a key of the store or an AWS KMS key ARN (repeatable)." };
        var removeKey = new Option<string[]>("--remove-key") { Description = "Remove a key's data keys, every version; an AWS KMS key ARN removes its EDK (repeatable)." };
        var addRecipient = new Option<string[]>("--add-recipient") { Description = "Add an RSA public key PEM file as a recipient (repeatable)." };
        var removeRecipient = new Option<string[]>("--remove-recipient") { Description = "Remove the recipient of an RSA public key PEM file (repeatable)." };
        var rewrap = new Command("rewrap", "Re-wrap files' data keys (header only): other keys, added or removed recipients; keys at an older version move to their newest.")
        {
            rewrapFiles, replace, addKey, removeKey, addRecipient, removeRecipient, expect, keyFile, keyNamespace, keyName,
        };
        discovery.AddTo(rewrap);
        rewrap.SetAction(r =>
        {
            try
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var expected = r.GetValue(expect) is { Length: > 0 } given ? CliContext.ParsePairs(given) : null;
                var external = discovery.Resolve(r);
                using var raw = new RawKeys(r.GetValue(keyFile), r.GetValue(keyNamespace)!, r.GetValue(keyName));
                using var ops = new FileOperations(cli.Store(r)) { ExternalKeys = external };
                var settings = new RewrapSettings
                {
                    ReplaceWithKeyIds = r.GetValue(replace) is { Length: > 0 } ids ? ids : null,
                    AddKeyIds = r.GetValue(addKey) ?? [],
                    RemoveKeyIds = r.GetValue(removeKey) ?? [],
                    AddRecipientPemFiles = (r.GetValue(addRecipient) ?? []).Select(Path.GetFullPath).ToList(),
                    RemoveRecipientPemFiles = (r.GetValue(removeRecipient) ?? []).Select(Path.GetFullPath).ToList(),
                    RequiredEncryptionContext = expected,
                    ExtraUnwrapKeyrings = raw.Keyrings,
                };
                var results = new List<object>();
                var code = ExitCodes.Ok;
                // Opens the store, timed apart from the header work; a rewrap between AWS KMS keys alone needs none.
                var named = (settings.ReplaceWithKeyIds ?? []).Concat(settings.AddKeyIds).Concat(settings.RemoveKeyIds).ToList();
                if (!KmsSupport.AllExternal(named) || settings.AddRecipientPemFiles.Count > 0 || settings.RemoveRecipientPemFiles.Count > 0) ops.DecryptKeyring();
                CliContext.Timing("store-open", watch);
                watch.Restart();
                foreach (var outcome in ops.Rewrap(r.GetValue(rewrapFiles)!.Select(Path.GetFullPath).ToList(), settings, null, cli.CancellationToken))
                {
                    foreach (var warning in outcome.Warnings) Console.Error.WriteLine($"enctools: warning: {CliContext.Say(warning.ToString())}");
                    if (outcome.Error is { } error)
                    {
                        var failed = CliContext.Fail(error);
                        if (code == ExitCodes.Ok) code = failed;
                        continue;
                    }
                    if (outcome.Result is { } result) results.Add(result);
                    else results.Add(new UnchangedFile(outcome.Path, "Unchanged", outcome.Skipped));
                }
                CliContext.Timing("rewrap", watch);
                if (r.GetValue(cli.Json)) Console.Out.WriteLine(CliContext.ToJson(results, CliJson.Default.ListObject));
                else foreach (var o in results) Console.Out.WriteLine(o switch
                {
                    RewrapResult x => $"rewrapped {CliContext.Field(x.Path, 1024)} ({x.Method}{(x.FallbackReason is null ? "" : ": " + x.FallbackReason)}): {string.Join(", ", x.KeysAfter)}",
                    UnchangedFile u => $"unchanged {CliContext.Field(u.Path, 1024)}{(u.Reason is null ? "" : ": " + CliContext.Say(u.Reason))}",
                    _ => "",
                });
                return code;
            }
            catch (Exception ex) when (CliContext.IsExpected(ex)) { return CliContext.Fail(ex); }
        });

        return [encrypt, decrypt, info, rewrap];
    }

    /// <summary>Writes each file's result (stdout) or error (stderr); the exit code is the first failure's, else 0.</summary>
    private static int Report(ParseResult r, CliContext cli, IEnumerable<FileOutcome> outcomes)
    {
        var json = r.GetValue(cli.Json);
        var results = new List<FileOperationResult>();
        var code = ExitCodes.Ok;
        foreach (var outcome in outcomes)
        {
            if (outcome.Error is { } error)
            {
                var failed = CliContext.Fail(error);
                if (code == ExitCodes.Ok) code = failed;
                continue;
            }
            var result = outcome.Result!;
            if (result.Action == FileAction.Skipped) Console.Error.WriteLine($"enctools: warning: {CliContext.Say(result.Warning)}");
            foreach (var warning in result.Warnings) Console.Error.WriteLine($"enctools: warning: {CliContext.Say(warning.ToString())}");
            results.Add(result);
            if (!json && result.Action != FileAction.Skipped)
                Console.Out.WriteLine($"{result.Action.ToString().ToLowerInvariant()} {CliContext.Field(result.Source, 1024)} -> {CliContext.Field(result.Destination, 1024)} ({result.BytesIn:N0} -> {result.BytesOut:N0} bytes; keys {string.Join(", ", result.Keys)})");
        }
        if (json) Console.Out.WriteLine(CliContext.ToJson(results, CliJson.Default.ListFileOperationResult));
        return code;
    }

    /// <summary>At most this many EDKs and context pairs are listed by info's text; the rest are counted.</summary>
    internal const int InfoListed = 32;

    /// <summary>info's text: every field from the header is neutralized and capped, and long lists are cut to a count.</summary>
    internal static string Describe(EncryptedFileInfo i)
    {
        var pairs = i.EncryptionContext.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var context = pairs.Count == 0 ? "(none)"
            : string.Join(", ", pairs.Take(InfoListed).Select(p => $"{CliContext.Field(p.Key, 128)}={CliContext.Field(p.Value, 128)}"))
              + (pairs.Count > InfoListed ? $", ... and {pairs.Count - InfoListed} more pairs" : "");
        var keys = i.EncryptedDataKeys.Take(InfoListed).Select((k, n) =>
            $"  key {n + 1}        {k.Wrapping} {CliContext.Field(k.ProviderId, 64)} / {CliContext.Field(k.KeyName, 128)}" + (k.Resolution switch
            {
                EdkResolution.InStore => $"  => key {k.KeyId} v{k.Version}{(k.Aliases.Count > 0 ? " (" + string.Join(", ", k.Aliases) + ")" : "")}",
                EdkResolution.Unknown => "  => unknown" + (k.Note is null ? "" : $" ({CliContext.Field(k.Note, 256)})"),
                _ => "",
            })).ToList();
        if (i.EncryptedDataKeys.Count > InfoListed) keys.Add($"  ... and {i.EncryptedDataKeys.Count - InfoListed} more encrypted data keys (--json lists them all)");
        return string.Join(Environment.NewLine,
        [
            CliContext.Field(i.Path, 1024),
            $"  suite        {i.AlgorithmSuiteId} {i.AlgorithmSuite}",
            $"  message id   {i.MessageId}",
            $"  frame length {i.FrameLength}",
            $"  sizes        header {i.HeaderLength} (reserve {i.HeaderReserve}), file {i.FileLength}, plaintext {(i.PlaintextLength?.ToString() ?? "unknown (signed)")}",
            $"  context      {context}",
            .. keys,
        ]);
    }

    /// <summary>The raw AES keys of --key-file, zeroed on dispose.</summary>
    private sealed class RawKeys : IDisposable
    {
        public RawKeys(FileInfo[]? files, string keyNamespace, string? keyName)
        {
            foreach (var file in files ?? [])
            {
                var bytes = File.ReadAllBytes(file.FullName);
                byte[] material;
                if (bytes.Length == 32) material = bytes;
                else
                {
                    var text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
                    try { material = text.Length == 64 ? Convert.FromHexString(text) : Convert.FromBase64String(text); }
                    catch (FormatException) { throw new ArgumentException($"The key file '{file.FullName}' holds neither 32 raw bytes, 64 hex characters nor base64."); }
                    if (material.Length != 32) throw new ArgumentException($"The key file '{file.FullName}' does not hold a 256-bit key.");
                }
                try { Keyrings.Add(new RawAesKeyring(keyNamespace, keyName ?? Path.GetFileNameWithoutExtension(file.Name), material)); }
                finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(material); }
            }
        }

        public List<IKeyring> Keyrings { get; } = [];

        public void Dispose()
        {
            foreach (var k in Keyrings) (k as IDisposable)?.Dispose();
        }
    }
}
