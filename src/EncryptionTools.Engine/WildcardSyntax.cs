namespace EncryptionTools.Engine;

/// <summary>The wildcard dialects the engine reads; <see cref="Wildcard"/> matches all of them with one linear-time matcher.</summary>
public enum WildcardSyntax
{
    /// <summary>IAM/KMS policy patterns: <c>*</c> any run of characters, <c>?</c> one character; everything else literal.</summary>
    Iam,

    /// <summary>
    /// PowerShell's: <c>*</c>, <c>?</c>, <c>[abc]</c> and <c>[a-z]</c> classes, a backtick escapes the next character.
    /// A pattern with a <c>[</c> that never closes matches nothing.
    /// </summary>
    PowerShell,

    /// <summary>
    /// File globs over '/'-separated relative paths: <c>*</c>, <c>?</c> and classes (<c>[abc]</c>, <c>[a-z]</c>,
    /// <c>[!abc]</c> or <c>[^abc]</c>) never match '/'; <c>**</c> matches across directories (<c>**/</c> any number of
    /// leading directories, a final <c>/**</c> the directory and everything below). An unclosed <c>[</c> is literal.
    /// </summary>
    Glob,
}
