namespace EncryptionTools.Engine;

/// <summary>
/// A compiled wildcard pattern (see <see cref="Wildcard"/>): a list of steps, each consuming one character or a run
/// of them, some of which may be skipped. Matching runs the steps as a set of live positions over the text, once.
/// </summary>
internal sealed class WildcardMatcher
{
    private enum Kind : byte { Char, Any, Class, Star, AnyRun, Split }

    /// <summary>
    /// One step; Skip is a position it may jump to without consuming anything (0: none). A Split consumes nothing: it
    /// opens an optional group, whose skip must not be retaken once a run inside the group has consumed a character.
    /// </summary>
    private readonly record struct Step(Kind Kind, char C = '\0', string? Set = null, bool Negate = false, int Skip = 0);

    private readonly Step[] _steps;
    private readonly bool _ignoreCase;
    private readonly bool _neverMatches;
    private readonly char? _separator;

    private WildcardMatcher(Step[] steps, bool ignoreCase, bool neverMatches, char? separator)
    {
        _steps = steps;
        _ignoreCase = ignoreCase;
        _neverMatches = neverMatches;
        _separator = separator;
    }

    public static WildcardMatcher Compile(string pattern, WildcardSyntax syntax, bool ignoreCase)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var steps = new List<Step>(pattern.Length);
        var never = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (syntax == WildcardSyntax.Glob && c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var atStart = i == 0 || pattern[i - 1] == '/';
                var atEnd = i + 2 == pattern.Length;
                var slashAfter = i + 2 < pattern.Length && pattern[i + 2] == '/';
                if (atStart && slashAfter)
                {
                    // "**/": nothing, or anything that ends with '/' (any number of whole directories).
                    steps.Add(new Step(Kind.Split, Skip: steps.Count + 3));
                    steps.Add(new Step(Kind.AnyRun));
                    steps.Add(new Step(Kind.Char, '/'));
                    i += 2;
                    continue;
                }
                if (atStart && atEnd && i > 0 && steps is [.., { Kind: Kind.Char, C: '/', Skip: 0 }] && !(steps.Count >= 3 && steps[^3] is { Kind: Kind.Split } split && split.Skip == steps.Count))
                {
                    // "a/**": a itself, or a followed by '/' and anything.
                    steps[^1] = new Step(Kind.Char, '/', Skip: steps.Count + 1);
                    steps.Add(new Step(Kind.AnyRun));
                    i += 1;
                    continue;
                }
                steps.Add(new Step(Kind.AnyRun));
                i += 1;
                continue;
            }
            switch (c)
            {
                case '*':
                    if (steps is not [.., { Kind: Kind.Star, Skip: 0 }]) steps.Add(new Step(Kind.Star));
                    break;
                case '?':
                    steps.Add(new Step(Kind.Any));
                    break;
                case '[' when syntax != WildcardSyntax.Iam:
                    var close = pattern.IndexOf(']', i + 1);
                    if (syntax == WildcardSyntax.PowerShell)
                    {
                        if (close < 0) { never = true; i = pattern.Length; break; }
                        steps.Add(new Step(Kind.Class, Set: pattern[(i + 1)..close]));
                        i = close;
                        break;
                    }
                    if (close <= i + 1) { steps.Add(new Step(Kind.Char, '[')); break; }
                    var body = pattern[(i + 1)..close];
                    var negate = body.StartsWith('!') || body.StartsWith('^');
                    if (negate) body = body[1..];
                    CheckRanges(pattern, body);
                    steps.Add(new Step(Kind.Class, Set: body, Negate: negate));
                    i = close;
                    break;
                case '`' when syntax == WildcardSyntax.PowerShell && i + 1 < pattern.Length:
                    steps.Add(new Step(Kind.Char, pattern[++i]));
                    break;
                default:
                    steps.Add(new Step(Kind.Char, c));
                    break;
            }
        }
        return new WildcardMatcher([.. steps], ignoreCase, never, syntax == WildcardSyntax.Glob ? '/' : null);
    }

    /// <summary>A glob class range written backwards (<c>[z-a]</c>) is a mistake worth reporting, not a class that matches nothing.</summary>
    private static void CheckRanges(string pattern, string set)
    {
        for (var i = 0; i + 2 < set.Length; i++)
        {
            if (set[i + 1] != '-') continue;
            if (set[i + 2] < set[i])
                throw new ArgumentException($"[{set[i]}-{set[i + 2]}] range in reverse order in '{pattern}'.", nameof(pattern));
            i += 2;
        }
    }

    public bool IsMatch(ReadOnlySpan<char> text) => IsMatch(text, out _);

    /// <summary>Also returns the work done: live positions visited, summed over the text (the bound the tests check).</summary>
    internal bool IsMatch(ReadOnlySpan<char> text, out long steps)
    {
        steps = 0;
        if (_neverMatches) return false;
        var n = _steps.Length;
        var current = new bool[n + 1];
        var next = new bool[n + 1];
        current[0] = true;
        Close(current);
        foreach (var ch in text)
        {
            Array.Clear(next);
            var any = false;
            for (var i = 0; i < n; i++)
            {
                if (!current[i]) continue;
                steps++;
                var step = _steps[i];
                if (!Consumes(step, ch)) continue;
                if (step.Kind is Kind.Star or Kind.AnyRun) next[i] = true;
                else next[i + 1] = true;
                any = true;
            }
            if (!any) return false;
            Close(next);
            (current, next) = (next, current);
        }
        return current[n];
    }

    /// <summary>Adds the positions reachable without consuming: past a run (which may be empty) and along skips. All go forward.</summary>
    private void Close(bool[] live)
    {
        for (var i = 0; i < _steps.Length; i++)
        {
            if (!live[i]) continue;
            var step = _steps[i];
            if (step.Kind is Kind.Star or Kind.AnyRun or Kind.Split) live[i + 1] = true;
            if (step.Skip > 0) live[step.Skip] = true;
        }
    }

    private bool Consumes(Step step, char ch) => step.Kind switch
    {
        Kind.AnyRun => true,
        Kind.Star or Kind.Any => ch != _separator,
        Kind.Char => Same(step.C, ch),
        Kind.Class => ch != _separator && InClass(step.Set!, ch) != step.Negate,
        _ => false,
    };

    private bool InClass(string set, char ch)
    {
        if (_ignoreCase) ch = char.ToLowerInvariant(ch);
        for (var i = 0; i < set.Length; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == '-')
            {
                var (low, high) = _ignoreCase ? (char.ToLowerInvariant(set[i]), char.ToLowerInvariant(set[i + 2])) : (set[i], set[i + 2]);
                if (ch >= low && ch <= high) return true;
                i += 2;
            }
            else if ((_ignoreCase ? char.ToLowerInvariant(set[i]) : set[i]) == ch) return true;
        }
        return false;
    }

    private bool Same(char a, char b) =>
        a == b || (_ignoreCase && (char.ToUpperInvariant(a) == char.ToUpperInvariant(b) || char.ToLowerInvariant(a) == char.ToLowerInvariant(b)));
}
