namespace EncryptionTools.Engine;

/// <summary>
/// The engine's one wildcard matcher, for policy patterns (IAM), key and alias filters (PowerShell) and file globs.
/// A pattern compiles to a small automaton that is run over the text once, tracking every position the pattern could
/// be at: time is at most (text length + 1) × (pattern length + 1) steps, whatever the pattern, so a hostile pattern
/// such as <c>*a*a*a*a*b</c> cannot make matching slow (a backtracking matcher takes exponential time on it).
/// </summary>
internal static class Wildcard
{
    /// <summary>True when an IAM pattern has <c>*</c> or <c>?</c>.</summary>
    public static bool HasWildcards(string pattern) => HasWildcards(pattern, WildcardSyntax.Iam);

    public static bool HasWildcards(string pattern, WildcardSyntax syntax)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (syntax == WildcardSyntax.PowerShell && pattern[i] == '`') { i++; continue; }
            if (pattern[i] is '*' or '?' || (syntax != WildcardSyntax.Iam && pattern[i] == '[')) return true;
        }
        return false;
    }

    /// <summary>An IAM/KMS pattern (<c>*</c>, <c>?</c>) against the whole text.</summary>
    public static bool IsMatch(string pattern, string text, bool ignoreCase) =>
        WildcardMatcher.Compile(pattern, WildcardSyntax.Iam, ignoreCase).IsMatch(text);

    /// <summary>A pattern of the given dialect against the whole text.</summary>
    public static bool IsMatch(string pattern, string text, WildcardSyntax syntax, bool ignoreCase) =>
        WildcardMatcher.Compile(pattern, syntax, ignoreCase).IsMatch(text);
}
