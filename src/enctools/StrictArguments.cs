using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;

namespace EncryptionTools.Cli;

/// <summary>
/// What System.CommandLine lets through and a careful CLI must not: a token that looks like an option but names none
/// (it would otherwise become a file name, so a typo like --kye runs the command without the key), and arguments that
/// were not valid UTF-8 (the runtime turns their bytes into U+FFFD, so a file or context value would silently change).
/// </summary>
internal static class StrictArguments
{
    public static IEnumerable<string> Problems(ParseResult parse, IReadOnlyList<string> args)
    {
        foreach (var token in UnknownOptionTokens(parse))
        {
            var hint = Suggest(parse.CommandResult.Command, token);
            yield return $"'{token}' is not an option of '{CliContext.CommandName(parse)}'."
                + (hint is null ? "" : $" Did you mean '{hint}'?")
                + " To name a file that starts with '-', put it after '--'.";
        }
        foreach (var index in InvalidUtf8Arguments(args))
            yield return $"argument {index + 1} is not valid UTF-8; enctools takes text arguments in UTF-8 only.";
    }

    /// <summary>Argument tokens before "--" that start with '-' (a lone "-" is standard input/output).</summary>
    internal static IEnumerable<string> UnknownOptionTokens(ParseResult parse)
    {
        var commandArguments = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        for (SymbolResult? s = parse.CommandResult; s is not null; s = s.Parent)
            if (s is CommandResult c)
                foreach (var a in c.Children.OfType<ArgumentResult>())
                    foreach (var t in a.Tokens) commandArguments.Add(t);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in parse.UnmatchedTokens.Where(t => t.Length > 1 && t[0] == '-'))
            if (seen.Add(t)) yield return t;
        foreach (var token in parse.Tokens)
        {
            if (token.Type == TokenType.DoubleDash) yield break;
            if (token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-' && commandArguments.Contains(token) && seen.Add(token.Value))
                yield return token.Value;
        }
    }

    /// <summary>The command's option closest to a mistyped one (edit distance at most 2), or null.</summary>
    private static string? Suggest(Command command, string typed)
    {
        var name = typed.Split('=', 2)[0];
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            foreach (var o in c.Options.Where(o => o is not System.CommandLine.Help.HelpOption)) { names.Add(o.Name); names.AddRange(o.Aliases); }
        // Short names are too close to everything to be a useful guess.
        return names.Distinct().Where(n => n.Length > 3).Select(n => (Name: n, Distance: Distance(n, name))).Where(x => x.Distance <= 2)
            .OrderBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal).Select(x => x.Name).FirstOrDefault();
    }

    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2 || a.Length > 64 || b.Length > 64) return int.MaxValue;
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>
    /// Indexes of arguments whose bytes were not UTF-8. Only Linux keeps the original bytes (/proc/self/cmdline);
    /// they are read only when an argument holds U+FFFD, which is what the runtime makes of an invalid sequence.
    /// </summary>
    internal static IEnumerable<int> InvalidUtf8Arguments(IReadOnlyList<string> args)
    {
        if (!OperatingSystem.IsLinux() || !args.Any(a => a.Contains('\uFFFD'))) return [];
        byte[] raw;
        try { raw = File.ReadAllBytes("/proc/self/cmdline"); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return []; }
        var parts = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < raw.Length; i++)
            if (raw[i] == 0) { parts.Add(raw[start..i]); start = i + 1; }
        if (parts.Count < args.Count) return [];
        // The program's own arguments are the last args.Count entries (before them: the executable, or dotnet and the dll).
        var strict = new UTF8Encoding(false, true);
        var offset = parts.Count - args.Count;
        var bad = new List<int>();
        for (var i = 0; i < args.Count; i++)
        {
            try { strict.GetString(parts[offset + i]); }
            catch (DecoderFallbackException) { bad.Add(i); }
        }
        return bad;
    }
}
