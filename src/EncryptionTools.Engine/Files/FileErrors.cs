namespace EncryptionTools.Engine.Files;

/// <summary>
/// The source file changed while it was being read (its length or last-write time differs before and after, or it
/// grew past the length it had when the operation began). Nothing was written under the destination name.
/// </summary>
internal sealed class SourceChangedException(string path, string detail)
    : EncryptionToolsException(ErrorCatalog.SourceChanged,
        $"The file '{path}' changed while it was being read ({detail}); nothing was written. Run the operation again once the file is no longer being modified.")
{
    public string Path { get; } = path;
}

/// <summary>An in-place operation on a read-only file: refused before anything is written, the file is untouched.</summary>
internal sealed class SourceReadOnlyException(string path)
    : EncryptionToolsException(ErrorCatalog.SourceReadOnly,
        $"The file '{path}' is read-only, so it cannot be replaced in place; it was left untouched. " +
        "Make it writable, or write the result to another file with -Destination or -Suffix.")
{
    public string Path { get; } = path;
}

/// <summary>The destination arguments do not make sense for the inputs (e.g. several files to one file, a directory without -Recurse).</summary>
internal sealed class InvalidDestinationException(string message)
    : EncryptionToolsException(ErrorCatalog.InvalidDestination, message);

/// <summary>The encrypted temporary file did not decrypt back to the bytes that were read: the original is left untouched.</summary>
internal sealed class InPlaceVerificationException(string path, string detail, Exception? inner = null)
    : EncryptionToolsException(ErrorCatalog.InPlaceVerificationFailed,
        $"The encrypted copy of '{path}' did not verify ({detail}); the original file was left untouched.", inner)
{
    public string Path { get; } = path;
}

/// <summary>The volume ran out of space while writing; the partial output was removed.</summary>
internal sealed class OutputDiskFullException(string path, Exception? inner = null)
    : EncryptionToolsException(ErrorCatalog.OutputDiskFull,
        $"There is not enough free space to write '{path}'; the partial output was removed and the source is untouched.", inner)
{
    public string Path { get; } = path;
}

/// <summary>
/// A signed message (suite 0x0578) that a rewrap cannot re-sign as asked: re-signing puts a fresh signing key into the
/// encryption context, so every data key bound to that context must be wrapped again, and the whole file is rewritten.
/// </summary>
internal sealed class SignedMessageRewrapException(string path, string reason)
    : EncryptionToolsException(ErrorCatalog.RewrapSignedMessage,
        $"The file '{path}' is a signed message (algorithm suite 0x0578, ECDSA P-384) and was not rewrapped: {reason} " +
        "Nothing was changed. To change its keys regardless, decrypt it and encrypt it again (Unprotect-File, then Protect-File -Signed).")
{
    public string Path { get; } = path;
}

/// <summary>A rewrap would leave the message with no encrypted data key that anyone could decrypt.</summary>
internal sealed class RewrapNoRecipientsException(string path)
    : EncryptionToolsException(ErrorCatalog.RewrapNoRecipients,
        $"Rewrapping '{path}' as asked would leave it with no key that can decrypt it; nothing was changed. Add a key, or remove fewer.")
{
    public string Path { get; } = path;
}

/// <summary>The new header does not fit in the old one's space and a full rewrite was not allowed.</summary>
internal sealed class RewrapNoRoomException(string path, int needed, int available)
    : EncryptionToolsException(ErrorCatalog.RewrapNoRoom,
        $"The new header of '{path}' needs {needed} bytes but the file has room for {available}; a full rewrite was not allowed, so nothing was changed.")
{
    public string Path { get; } = path;
}



/// <summary>
/// In-place encryption of a file with other hard links: the new ciphertext replaces this name only, and the plaintext
/// stays readable under every other name. Refused unless forced.
/// </summary>
internal sealed class SourceHasHardLinksException(string path, uint links)
    : EncryptionToolsException(ErrorCatalog.SourceHasHardLinks,
        $"'{path}' has {links - 1} other hard link(s): encrypting it in place would replace this name only and leave the plaintext readable under the others. " +
        "Nothing was changed. Remove the other links first, write the result to another file, or use -Force (--force) to encrypt this name anyway.")
{
    public string Path { get; } = path;
}

/// <summary>Stable ids of the warnings file operations report beside their results.</summary>
internal static class FileWarningIds
{
    /// <summary>A rewrap journal that is a link, not a regular file, not owned by this user, or open to others: ignored and left in place.</summary>
    public const string RewrapJournalNotTrusted = "RewrapJournalNotTrusted";
    /// <summary>A rewrap journal whose MAC does not verify under this store's key (or no store key to verify it): never applied.</summary>
    public const string RewrapJournalUnauthenticated = "RewrapJournalUnauthenticated";
    /// <summary>An authentic journal whose file changed since (another file, length or header): discarded, the file left as it is.</summary>
    public const string RewrapJournalStale = "RewrapJournalStale";
    /// <summary>In-place encryption of a hard-linked file, forced: the plaintext remains under the other names.</summary>
    public const string SourceHardLinksRemain = "SourceHardLinksRemain";
}

/// <summary>A warning with a stable id, reported beside a result (never instead of an error).</summary>
public sealed record EngineWarning(string Id, string Message, string? Target = null)
{
    public override string ToString() => $"{Message} [{Id}]";
}
