using System.CommandLine;

namespace EncryptionTools.Cli;

/// <summary>
/// enctools: composes the subcommands (each group in its own file) over the same key store and options as the module.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var root = Build(cancel.Token);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"enctools: Usage: {error.Message}");
            return ExitCodes.Usage;
        }
        return parse.Invoke();
    }

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
        ComplianceCommand.Register(root, cancellationToken);
        return root;
    }
}
