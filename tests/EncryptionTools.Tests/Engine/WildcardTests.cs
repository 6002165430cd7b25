using System.Text;
using System.Text.RegularExpressions;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Engine;

/// <summary>
/// The one wildcard matcher against independent references (regular expressions, and the backtracking matcher it
/// replaced) on random patterns, and its work bound on patterns that make a backtracking matcher explode.
/// </summary>
public class WildcardTests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(3000);

    private static Gen<string> Strings(params string[] pieces) =>
        Gen.ListOf(Gen.Elements(pieces)).Select(items => string.Concat(items)).Where(s => s.Length <= 14);

    private static Gen<string> Texts => Strings("a", "b", "A", "B", "c", "-", "!", "[", "]", "*", "?", "`");

    [Fact]
    public void IamPatternsAgreeWithARegularExpression()
    {
        Prop.ForAll(Strings("a", "b", "A", "*", "?", "[", ".", "\\").ToArbitrary(), Texts.ToArbitrary(), Gen.Elements(true, false).ToArbitrary(),
            (pattern, text, ignoreCase) =>
            {
                var regex = "^" + string.Concat(pattern.Select(c => c switch { '*' => ".*", '?' => ".", _ => Regex.Escape(c.ToString()) })) + "$";
                var expected = Regex.IsMatch(text, regex, RegexOptions.Singleline | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : 0));
                return Wildcard.IsMatch(pattern, text, ignoreCase) == expected;
            }).Check(Many);
    }

    [Fact]
    public void PowerShellPatternsAgreeWithTheBacktrackingMatcherTheyReplaced()
    {
        Prop.ForAll(Strings("a", "b", "B", "*", "?", "[", "]", "-", "`", "!", "c").ToArbitrary(), Texts.ToArbitrary(), (pattern, text) =>
            Wildcard.IsMatch(pattern, text, WildcardSyntax.PowerShell, ignoreCase: true) == BacktrackingPowerShell.IsMatch(pattern, text)
            && Wildcard.HasWildcards(pattern, WildcardSyntax.PowerShell) == BacktrackingPowerShell.HasWildcards(pattern)).Check(Many);
    }

    [Fact]
    public void GlobsAgreeWithARegularExpressionTranslation()
    {
        var paths = Strings("a", "b", "x", "/", ".", "-", "[", "]");
        Prop.ForAll(Strings("a", "b", "/", "*", "**", "?", "[a-b]", "[!a]", "[^/]", "[", "]", ".", "./", "**/", "/**").ToArbitrary(), paths.ToArbitrary(), (pattern, path) =>
        {
            GlobPattern glob;
            try { glob = new GlobPattern(pattern); }
            catch (ArgumentException) { return pattern.Length == 0; }
            return glob.IsMatch(path) == GlobReference.IsMatch(pattern, path);
        }).Check(Many);
    }

    [Fact]
    public void AReversedGlobRangeIsAnError()
    {
        var ex = Assert.Throws<ArgumentException>(() => new GlobPattern("[z-a].txt"));
        Assert.Contains("reverse order", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, WildcardSyntax> Pathological() => new()
    {
        { string.Concat(Enumerable.Repeat("*a", 12)) + "b", "a", WildcardSyntax.Iam },
        { string.Concat(Enumerable.Repeat("*a", 12)) + "b", "a", WildcardSyntax.PowerShell },
        { string.Concat(Enumerable.Repeat("*[a]", 12)) + "b", "a", WildcardSyntax.PowerShell },
        { "**/" + string.Concat(Enumerable.Repeat("*a", 12)) + "b", "a", WildcardSyntax.Glob },
    };

    /// <summary>
    /// Work, not time: the matcher visits at most (pattern steps) live positions per text character, so doubling the
    /// text at most doubles the work. The backtracking matcher it replaced needs about n^12 steps here.
    /// </summary>
    [Theory]
    [MemberData(nameof(Pathological))]
    public void WorkGrowsLinearlyWithTheTextOnPathologicalPatterns(string pattern, string unit, WildcardSyntax syntax)
    {
        var matcher = WildcardMatcher.Compile(pattern, syntax, ignoreCase: false);
        long Work(int n)
        {
            Assert.False(matcher.IsMatch(new string(unit[0], n), out var steps));
            Assert.True(steps <= (long)(n + 1) * (pattern.Length + 1), $"{steps} steps for n={n}");
            return steps;
        }
        var small = Work(2_000);
        var large = Work(8_000);
        Assert.True(large <= 4.1 * small, $"work grew from {small} to {large} when the text grew 4 times");
    }

    /// <summary>The work bound holds for every pattern, not just the hostile ones.</summary>
    [Fact]
    public void WorkIsBoundedByTextTimesPatternForAnyPattern()
    {
        Prop.ForAll(Strings("a", "b", "*", "?", "[ab]", "`*", "**", "/").ToArbitrary(), Texts.ToArbitrary(), Gen.Elements(Enum.GetValues<WildcardSyntax>()).ToArbitrary(),
            (pattern, text, syntax) =>
            {
                WildcardMatcher matcher;
                try { matcher = WildcardMatcher.Compile(pattern, syntax, ignoreCase: true); }
                catch (ArgumentException) { return true; }
                matcher.IsMatch(text, out var steps);
                return steps <= (long)(text.Length + 1) * (pattern.Length + 1);
            }).Check(Many);
    }

    /// <summary>The PowerShell-style matcher the store used before (exponential on stars), kept as the reference.</summary>
    private static class BacktrackingPowerShell
    {
        public static bool HasWildcards(string pattern)
        {
            for (var i = 0; i < pattern.Length; i++)
            {
                if (pattern[i] == '`') { i++; continue; }
                if (pattern[i] is '*' or '?' or '[') return true;
            }
            return false;
        }

        public static bool IsMatch(string pattern, string text) => Match(pattern, 0, text, 0);

        private static bool Match(string p, int pi, string t, int ti)
        {
            while (pi < p.Length)
            {
                var c = p[pi];
                if (c == '*')
                {
                    while (pi < p.Length && p[pi] == '*') pi++;
                    if (pi == p.Length) return true;
                    for (var k = ti; k <= t.Length; k++)
                        if (Match(p, pi, t, k)) return true;
                    return false;
                }
                if (ti >= t.Length) return false;
                if (c == '?') { pi++; ti++; continue; }
                if (c == '[')
                {
                    var close = p.IndexOf(']', pi + 1);
                    if (close < 0) return false;
                    var set = p[(pi + 1)..close];
                    var ch = char.ToLowerInvariant(t[ti]);
                    var hit = false;
                    for (var i = 0; i < set.Length; i++)
                    {
                        if (i + 2 < set.Length && set[i + 1] == '-')
                        {
                            if (ch >= char.ToLowerInvariant(set[i]) && ch <= char.ToLowerInvariant(set[i + 2])) hit = true;
                            i += 2;
                        }
                        else if (char.ToLowerInvariant(set[i]) == ch) hit = true;
                    }
                    if (!hit) return false;
                    pi = close + 1;
                    ti++;
                    continue;
                }
                if (c == '`' && pi + 1 < p.Length) { pi++; c = p[pi]; }
                if (char.ToLowerInvariant(c) != char.ToLowerInvariant(t[ti])) return false;
                pi++;
                ti++;
            }
            return ti == t.Length;
        }
    }

    /// <summary>
    /// The regular-expression translation GlobPattern used before, with its two slips put right: a class never
    /// matches '/', and "**/**" is "any path" rather than a broken group.
    /// </summary>
    private static class GlobReference
    {
        public static bool IsMatch(string pattern, string relativePath)
        {
            var p = pattern.Replace('\\', '/');
            if (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
            p = p.TrimStart('/');
            var nameOnly = !p.TrimEnd('/').Contains('/');
            p = p.TrimEnd('/');
            var regex = new Regex("^" + Translate(p) + "$", RegexOptions.CultureInvariant | RegexOptions.Singleline);
            if (nameOnly)
            {
                var slash = relativePath.LastIndexOf('/');
                return regex.IsMatch(slash < 0 ? relativePath : relativePath[(slash + 1)..]);
            }
            return regex.IsMatch(relativePath);
        }

        private static string Translate(string p)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < p.Length; i++)
            {
                var c = p[i];
                if (c == '*' && i + 1 < p.Length && p[i + 1] == '*')
                {
                    var atStart = i == 0 || p[i - 1] == '/';
                    var atEnd = i + 2 == p.Length;
                    var slashAfter = i + 2 < p.Length && p[i + 2] == '/';
                    if (atStart && slashAfter) { sb.Append("(?:.*/)?"); i += 2; continue; }
                    if (atStart && atEnd && i > 0 && sb.Length > 0 && sb[^1] == '/' && !sb.ToString().EndsWith(".*/)?", StringComparison.Ordinal))
                    {
                        sb.Length -= 1;
                        sb.Append("(?:/.*)?");
                        i += 1;
                        continue;
                    }
                    sb.Append(".*");
                    i += 1;
                    continue;
                }
                switch (c)
                {
                    case '*': sb.Append("[^/]*"); break;
                    case '?': sb.Append("[^/]"); break;
                    case '[':
                        var close = p.IndexOf(']', i + 1);
                        if (close <= i + 1) { sb.Append(@"\["); break; }
                        var body = p[(i + 1)..close];
                        var negate = body.StartsWith('!') || body.StartsWith('^');
                        if (negate) body = body[1..];
                        var members = body.Replace(@"\", @"\\").Replace("[", @"\[").Replace("^", @"\^");
                        sb.Append(negate ? "[^/" + members + "]" : "(?!/)[" + members + "]");
                        i = close;
                        break;
                    default: sb.Append(Regex.Escape(c.ToString())); break;
                }
            }
            return sb.ToString();
        }
    }
}
