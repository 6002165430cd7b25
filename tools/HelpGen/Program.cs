namespace EncryptionTools.HelpGen;

/// <summary>Command line: HelpGen --docs &lt;dir&gt; --out &lt;dir&gt; --module &lt;name&gt;.</summary>
public static class Program
{
    public const int Success = 0;
    public const int InvalidDocs = 1;
    public const int UsageError = 2;

    public const string Usage =
        "Usage: HelpGen --docs <folder> --out <folder> --module <ModuleName>\n" +
        "  Converts platyPS markdown (schema 2.0.0) in <folder>/*.md into MAML help\n" +
        "  (<out>/<external help file>) and about_*.md topics into <out>/about_*.help.txt.\n" +
        "  Exit codes: 0 written, 1 a page is malformed (nothing written), 2 bad arguments.";

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole program, with its streams passed in so tests can run it in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? docs = null, output = null, module = null;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "-h" or "--help" or "/?")
            {
                stdout.WriteLine(Usage);
                return Success;
            }
            if (a is "--docs" or "--out" or "--module")
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    stderr.WriteLine($"error: {a} needs a value");
                    stderr.WriteLine(Usage);
                    return UsageError;
                }
                string v = args[++i];
                if (a == "--docs") docs = v;
                else if (a == "--out") output = v;
                else module = v;
                continue;
            }
            stderr.WriteLine($"error: unknown argument '{a}'");
            stderr.WriteLine(Usage);
            return UsageError;
        }
        if (docs is null || output is null || module is null)
        {
            stderr.WriteLine("error: --docs, --out and --module are all required");
            stderr.WriteLine(Usage);
            return UsageError;
        }

        try
        {
            var result = HelpGenerator.Generate(docs, output, module);
            foreach (var f in result.FilesWritten)
                stdout.WriteLine($"wrote {Path.Combine(output, f)}");
            stdout.WriteLine($"{result.CommandCount} cmdlet page(s), {result.AboutCount} about topic(s)");
            return Success;
        }
        catch (HelpGenerationException e)
        {
            foreach (var err in e.Errors) stderr.WriteLine($"error: {err.Message}");
            stderr.WriteLine($"HelpGen: {e.Errors.Count} problem(s) in '{docs}'; nothing was written.");
            return InvalidDocs;
        }
        catch (DirectoryNotFoundException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return InvalidDocs;
        }
    }
}
