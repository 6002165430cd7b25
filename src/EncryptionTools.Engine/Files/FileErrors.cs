namespace EncryptionTools.Engine.Files;

/// <summary>
/// The source file changed while it was being read (its length or last-write time differs before and after, or it
/// grew past the length it had when the operation began). Nothing was written under the destination name.
/// </summary>
internal sealed class SourceChangedException(string path, string detail)
    : EncryptionToolsException("SourceChanged", EngineErrorCategory.ReadError,
        $"The file '{path}' changed while it was being read ({detail}); nothing was written. Run the operation again once the file is no longer being modified.")
{
    public string Path { get; } = path;
}

/// <summary>An in-place operation on a read-only file: refused before anything is written, the file is untouched.</summary>
internal sealed class SourceReadOnlyException(string path)
    : EncryptionToolsException("SourceReadOnly", EngineErrorCategory.PermissionDenied,
        $"The file '{path}' is read-only, so it cannot be replaced in place; it was left untouched. " +
        "Make it writable, or write the result to another file with -Destination or -Suffix.")
{
    public string Path { get; } = path;
}

/// <summary>The destination arguments do not make sense for the inputs (e.g. several files to one file, a directory without -Recurse).</summary>
internal sealed class InvalidDestinationException(string message)
    : EncryptionToolsException("InvalidDestination", EngineErrorCategory.InvalidArgument, message);

/// <summary>The encrypted temporary file did not decrypt back to the bytes that were read: the original is left untouched.</summary>
internal sealed class InPlaceVerificationException(string path, string detail, Exception? inner = null)
    : EncryptionToolsException("InPlaceVerificationFailed", EngineErrorCategory.WriteError,
        $"The encrypted copy of '{path}' did not verify ({detail}); the original file was left untouched.", inner)
{
    public string Path { get; } = path;
}

/// <summary>The volume ran out of space while writing; the partial output was removed.</summary>
internal sealed class OutputDiskFullException(string path, Exception? inner = null)
    : EncryptionToolsException("OutputDiskFull", EngineErrorCategory.WriteError,
        $"There is not enough free space to write '{path}'; the partial output was removed and the source is untouched.", inner)
{
    public string Path { get; } = path;
}

/// <summary>
/// Signed messages (suite 0x0578) cannot have their data keys changed: the ECDSA signature in the footer covers the
/// header, and only the original signer's private key (used once, never stored) could sign a new one.
/// </summary>
internal sealed class SignedMessageRewrapException(string path)
    : EncryptionToolsException("RewrapSignedMessage", EngineErrorCategory.InvalidOperation,
        $"The file '{path}' is a signed message (algorithm suite 0x0578, ECDSA P-384). Its signature covers the header, so " +
        "adding or removing keys would need the whole message re-signed by the original signer, whose private key is " +
        "not kept by anyone. Decrypt it and encrypt it again (Unprotect-File, then Protect-File) to change its keys.")
{
    public string Path { get; } = path;
}

/// <summary>A rewrap would leave the message with no encrypted data key that anyone could decrypt.</summary>
internal sealed class RewrapNoRecipientsException(string path)
    : EncryptionToolsException("RewrapNoRecipients", EngineErrorCategory.InvalidArgument,
        $"Rewrapping '{path}' as asked would leave it with no key that can decrypt it; nothing was changed. Add a key, or remove fewer.")
{
    public string Path { get; } = path;
}

/// <summary>The new header does not fit in the old one's space and a full rewrite was not allowed.</summary>
internal sealed class RewrapNoRoomException(string path, int needed, int available)
    : EncryptionToolsException("RewrapNoRoom", EngineErrorCategory.InvalidOperation,
        $"The new header of '{path}' needs {needed} bytes but the file has room for {available}; a full rewrite was not allowed, so nothing was changed.")
{
    public string Path { get; } = path;
}

/// <summary>
/// In-place encryption of a file with other hard links: the new ciphertext replaces this name only, and the plaintext
/// stays readable under every other name. Refused unless forced.
/// </summary>
internal sealed class SourceHasHardLinksException(string path, uint links)
    : EncryptionToolsException("SourceHasHardLinks", EngineErrorCategory.InvalidOperation,
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
