using System.CommandLine;
using System.CommandLine.Parsing;

namespace EncryptionTools.Cli;

/// <summary>
/// enctools: composes the subcommands (each group in its own file) over the same key store and options as the module.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        KmsSupport.Register();
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var root = Build(cancel.Token);
        // No response files: "@name" is a file name like any other, never a list of arguments read from disk.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var help = args.TakeWhile(a => a != "--").Any(a => a is "-h" or "--help" or "-?");
        // An unknown option is reported once, by the strict check (with a hint), not also as "Unrecognized command or argument".
        var unknown = StrictArguments.UnknownOptionTokens(parse).ToList();
        var problems = parse.Errors.Select(e => e.Message).Where(m => !unknown.Any(t => m.Contains($"'{t}'", StringComparison.Ordinal)))
            .Concat(StrictArguments.Problems(parse, args)).ToList();
        if (problems.Count > 0 && !help)
        {
            foreach (var problem in problems) Console.Error.WriteLine($"enctools: {Engine.ErrorCatalog.Usage.Id}: {UntrustedTextForCli(problem)}");
            return ExitCodes.Usage;
        }
        return parse.Invoke();
    }

    private static string UntrustedTextForCli(string text) => Engine.UntrustedText.Neutralize(text, 1024);

    internal static RootCommand Build(CancellationToken cancellationToken)
    {
        var root = new RootCommand("enctools: KMS-style keys in a local key store, and envelope encryption of files in the AWS Encryption SDK message format (v2, committing suites).");
        var json = new Option<bool>("--json") { Description = "Write results as JSON on stdout.", Recursive = true };
        var store = new Option<string?>("--store") { Description = "The key store directory (else ENCRYPTIONTOOLS_STORE, else the per-user default).", Recursive = true };
        root.Options.Add(json);
        root.Options.Add(store);
        var cli = new CliContext(json, store, cancellationToken);

        root.Subcommands.Add(KeyCommands.Key(cli));
        root.Subcommands.Add(KeyCommands.Alias(cli));
        root.Subcommands.Add(StoreCommands.Store(cli));
        foreach (var command in FileCommands.All(cli)) root.Subcommands.Add(command);
        root.Subcommands.Add(DataCommands.Data(cli));
        ComplianceCommand.Register(root, cancellationToken);
        return root;
    }
}
