namespace EncryptionTools.Engine.Files;

/// <summary>
/// A file glob, matched against paths relative to a scan root with '/' separators:
/// <c>*</c> any run of characters but '/', <c>?</c> one such character, <c>[abc]</c> / <c>[a-z]</c> / <c>[!abc]</c> a
/// class, <c>**</c> any number of whole directories (<c>**/x</c>, <c>a/**</c>, <c>a/**/x</c>). A pattern without '/'
/// matches the file or directory name at any depth (<c>*.enc</c>, <c>node_modules</c>), as in .gitignore; one with
/// '/' matches the whole relative path (a leading '/' or './' is ignored). Case-sensitive except on Windows.
/// Matched by <see cref="Wildcard"/>'s linear-time matcher (<see cref="WildcardSyntax.Glob"/>).
/// </summary>
internal sealed class GlobPattern
{
    private readonly WildcardMatcher _matcher;

    /// <exception cref="ArgumentException">The pattern is empty or has a class range in reverse order.</exception>
    public GlobPattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        Pattern = pattern;
        var p = pattern.Replace('\\', '/');
        if (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
        p = p.TrimStart('/');
        MatchesNameOnly = !p.TrimEnd('/').Contains('/');
        p = p.TrimEnd('/');
        _matcher = WildcardMatcher.Compile(p, WildcardSyntax.Glob, ignoreCase: OperatingSystem.IsWindows());
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
            return _matcher.IsMatch(slash < 0 ? relativePath : relativePath.AsSpan(slash + 1));
        }
        return _matcher.IsMatch(relativePath.Contains('\\') ? relativePath.Replace('\\', '/') : relativePath);
    }

    public override string ToString() => Pattern;
}
