using System.Text;
using System.Text.RegularExpressions;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// A file glob, matched against paths relative to a scan root with '/' separators:
/// <c>*</c> any run of characters but '/', <c>?</c> one such character, <c>[abc]</c> / <c>[a-z]</c> / <c>[!abc]</c> a
/// class, <c>**</c> any number of whole directories (<c>**/x</c>, <c>a/**</c>, <c>a/**/x</c>). A pattern without '/'
/// matches the file or directory name at any depth (<c>*.enc</c>, <c>node_modules</c>), as in .gitignore; one with
/// '/' matches the whole relative path (a leading '/' or './' is ignored). Case-sensitive except on Windows.
/// </summary>
public sealed class GlobPattern
{
    private readonly Regex _regex;

    public GlobPattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        Pattern = pattern;
        var p = pattern.Replace('\\', '/');
        if (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
        p = p.TrimStart('/');
        MatchesNameOnly = !p.TrimEnd('/').Contains('/');
        p = p.TrimEnd('/');
        var options = RegexOptions.CultureInvariant | RegexOptions.Compiled | (OperatingSystem.IsWindows() ? RegexOptions.IgnoreCase : RegexOptions.None);
        _regex = new Regex("^" + Translate(p) + "$", options);
    }

    public string Pattern { get; }

    /// <summary>True when the pattern has no '/', so it is matched against names rather than whole relative paths.</summary>
    public bool MatchesNameOnly { get; }

    /// <summary>Matches a relative path ('/' separators; '\' is accepted too).</summary>
    public bool IsMatch(string relativePath)
    {
        if (MatchesNameOnly)
        {
            var slash = relativePath.AsSpan().LastIndexOfAny('/', '\\');
            return _regex.IsMatch(slash < 0 ? relativePath : relativePath.AsSpan(slash + 1));
        }
        return _regex.IsMatch(relativePath.Contains('\\') ? relativePath.Replace('\\', '/') : relativePath);
    }

    public override string ToString() => Pattern;

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
                if (atStart && slashAfter) { sb.Append("(?:.*/)?"); i += 2; continue; } // "**/": zero or more directories
                if (atStart && atEnd && i > 0) { sb.Length -= 1; sb.Append("(?:/.*)?"); i += 1; continue; } // "a/**": a and all below
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
                    sb.Append('[').Append(negate ? "^" : "").Append(body.Replace(@"\", @"\\").Replace("[", @"\[")).Append(']');
                    i = close;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return sb.ToString();
    }
}
