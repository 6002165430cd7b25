using System.CommandLine.Parsing;
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Cli;

/// <summary>What every subcommand shares: --json, --store, running a body with errors on stderr and exit codes.</summary>
internal sealed class CliContext(Option<bool> json, Option<string?> store, CancellationToken cancellationToken)
{
    public Option<bool> Json { get; } = json;
    public Option<string?> StoreOption { get; } = store;
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>--store PATH, else ENCRYPTIONTOOLS_STORE, else the per-user default: the same rule as -StorePath.</summary>
    /// <remarks>The store is opened under the full command name, so audit records say which CLI command acted.</remarks>
    public IKeyStoreProvider Store(ParseResult r) => KeyStoreProviders.Get(StorePath(r.GetValue(StoreOption)), CommandName(r), Warn);

    /// <summary>The store's warnings (an implicitly created per-user store) on stderr, beside the errors.</summary>
    public static void Warn(string message) => Console.Error.WriteLine($"enctools: warning: {message}");

    /// <summary>A typed --store resolved to a full path; null when none was typed.</summary>
    public static string? StorePath(string? typed) => string.IsNullOrWhiteSpace(typed) ? null : Path.GetFullPath(typed);

    /// <summary>"enctools key create", from the parsed command and its parents.</summary>
    public static string CommandName(ParseResult r)
    {
        var names = new List<string>();
        for (SymbolResult? s = r.CommandResult; s is not null; s = s.Parent)
            if (s is CommandResult c && c.Command is not RootCommand) names.Insert(0, c.Command.Name);
        return string.Join(' ', names.Prepend("enctools"));
    }

    /// <summary>--json output through <see cref="CliJson"/>'s generated metadata (no reflection: the CLI is Native AOT).</summary>
    public static string ToJson<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);

    /// <summary>Runs a body that returns one result: stdout (JSON or text), or an error on stderr and its exit code.</summary>
    public int Run<T>(ParseResult r, Func<T> body, JsonTypeInfo<T> type, Func<T, string> text)
    {
        try
        {
            var result = body();
            Console.Out.WriteLine(r.GetValue(Json) ? ToJson(result, type) : text(result));
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (IsExpected(ex))
        {
            return Fail(ex);
        }
    }

    public static bool IsExpected(Exception ex) =>
        ex is EncryptionToolsException or IOException or UnauthorizedAccessException or OperationCanceledException or ArgumentException;

    /// <summary>
    /// Writes "enctools: ErrorId: message" to stderr and returns the failure's exit code; the id, and the code, come
    /// from the catalog's one mapping, so the id is the module's FullyQualifiedErrorId's first segment.
    /// </summary>
    public static int Fail(Exception ex)
    {
        var error = ErrorCatalog.Classify(ex);
        Console.Error.WriteLine($"enctools: {error.Id}: {Say(ex.Message)}");
        return error.ExitCode;
    }

    /// <summary>An engine message or warning for the terminal: in the CLI's words (<see cref="CliWording"/>), neutralized.</summary>
    public static string Say(string? text) => Safe(CliWording.Speak(text));

    /// <summary>Text for the terminal: control characters escaped, length capped (messages carry file names and header fields).</summary>
    public static string Safe(string? text) => UntrustedText.Neutralize(text, UntrustedText.MessageLength, keepNewlines: true);

    /// <summary>One field from a file (a name, a header field, a context pair) for the terminal.</summary>
    public static string Field(string? text, int max = UntrustedText.FieldLength) => UntrustedText.Neutralize(text, max);

    public static string ErrorId(Exception ex) => ErrorCatalog.Classify(ex).Id;

    /// <summary>
    /// ENCTOOLS_TIMING=1: prints "enctools: timing: WHAT N ms" on stderr, the work of a command after the process
    /// started and the arguments were parsed (used by bench/files.sh to separate the work from the process start).
    /// </summary>
    public static void Timing(string what, System.Diagnostics.Stopwatch watch)
    {
        if (Environment.GetEnvironmentVariable("ENCTOOLS_TIMING") == "1")
            Console.Error.WriteLine($"enctools: timing: {what} {watch.Elapsed.TotalMilliseconds:F2} ms");
    }

    public static IReadOnlyDictionary<string, string> ParsePairs(string[]? pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new InvalidEncryptionContextException($"'{Field(pair)}' is not a key=value pair.");
            // Context keys are case-sensitive (as in AWS KMS): 'Dept' and 'dept' are two keys, but one key twice is a mistake.
            if (!result.TryAdd(pair[..eq], pair[(eq + 1)..]))
                throw new InvalidEncryptionContextException($"The context key '{Field(pair[..eq])}' is given more than once; give each key once.");
        }
        return result;
    }
}
