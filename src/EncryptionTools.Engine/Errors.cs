namespace EncryptionTools.Engine;

/// <summary>
/// The engine's own error categories. They mirror PowerShell's ErrorCategory by name so the module maps them
/// one to one, without the engine referencing System.Management.Automation.
/// </summary>
public enum EngineErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    PermissionDenied,
    ResourceExists,
    ResourceUnavailable,
    SecurityError,
    OperationStopped,
    WriteError,
    ReadError,
    NotImplemented,
    AuthenticationError,
}

/// <summary>Base of every error the engine raises on purpose. <see cref="ErrorId"/> is stable: scripts match on it.</summary>
public class EncryptionToolsException : Exception
{
    /// <summary>An error of the catalog: its id and category come from <see cref="ErrorCatalog"/>.</summary>
    public EncryptionToolsException(ErrorDefinition error, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = error.Id;
        Category = error.Category;
    }

    /// <summary>
    /// By id. A catalogued id always has its catalog category (one id, one category); <paramref name="category"/>
    /// serves only an id that is not in the catalog yet.
    /// </summary>
    public EncryptionToolsException(string errorId, EngineErrorCategory category, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = ErrorCatalog.Find(errorId)?.Category ?? category;
    }

    public string ErrorId { get; }
    public EngineErrorCategory Category { get; }
    /// <summary>The file, key or other object the error is about, when there is one.</summary>
    public object? Target { get; init; }
}

/// <summary>The input is not an AWS Encryption SDK message at all.</summary>
internal sealed class NotAnEncryptedMessageException(string message)
    : EncryptionToolsException(ErrorCatalog.NotAnEncryptedMessage, message);

/// <summary>A real message, but in a format or algorithm suite we refuse (v1, non-committing, unframed).</summary>
internal sealed class UnsupportedMessageFormatException(string message)
    : EncryptionToolsException(ErrorCatalog.UnsupportedMessageFormat, message);

/// <summary>The message ends before its final frame or footer.</summary>
internal sealed class MessageTruncatedException(string message)
    : EncryptionToolsException(ErrorCatalog.MessageTruncated, message);

/// <summary>Authentication failed: the header, a frame, the commitment or the signature does not verify.</summary>
internal sealed class MessageTamperedException(string message, Exception? inner = null)
    : EncryptionToolsException(ErrorCatalog.MessageTampered, message, inner);

/// <summary>A length or count in the message exceeds what the caller allows (a hostile header cannot make us allocate).</summary>
public sealed class MessageLimitExceededException(string message)
    : EncryptionToolsException(ErrorCatalog.MessageLimitExceeded, message);

/// <summary>The encryption context given on encryption is not valid (reserved prefix, too large, bad text).</summary>
public sealed class InvalidEncryptionContextException(string message)
    : EncryptionToolsException(ErrorCatalog.InvalidEncryptionContext, message);

/// <summary>The message's encryption context lacks pairs the caller requires.</summary>
public sealed class EncryptionContextMismatchException(string message)
    : EncryptionToolsException(ErrorCatalog.EncryptionContextMismatch, message);

/// <summary>
/// None of the message's encrypted data keys could be decrypted; <see cref="Failures"/> says why for each. Its id is
/// NoDecryptableKey, or the one precise id every failure that has one shares (KmsKeyNotAllowed, KmsAccessDenied, ...)
/// when no other failure is about a key that was tried (see <see cref="ErrorFor"/>).
/// </summary>
internal sealed class NoDecryptableKeyException : EncryptionToolsException
{
    public NoDecryptableKeyException(IReadOnlyList<EdkFailure> failures)
        : base(ErrorFor(failures), Describe(failures))
    {
        Failures = failures;
    }

    public IReadOnlyList<EdkFailure> Failures { get; }

    /// <summary>
    /// The precise error when the failures agree: every failure with an id has the same one, and every other failure is
    /// only an EDK the caller's own restriction left out (NotAllowed); an EDK no key knew, a wrong key or an unusable local
    /// key keep the general NoDecryptableKey, since the precise id would then hide another reason.
    /// </summary>
    internal static ErrorDefinition ErrorFor(IReadOnlyList<EdkFailure> failures)
    {
        var ids = failures.Where(f => f.ErrorId is not null).Select(f => f.ErrorId!).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count != 1 || failures.Any(f => f.ErrorId is null && f.Kind != EdkFailureKind.NotAllowed)) return ErrorCatalog.NoDecryptableKey;
        return ErrorCatalog.Find(ids[0]) ?? ErrorCatalog.NoDecryptableKey;
    }

    /// <summary>At most this many EDKs are listed one by one; the rest are counted by reason.</summary>
    internal const int ListedFailures = 10;

    /// <summary>
    /// Bounded whatever the header held: the fields come from the file, so each is neutralized and capped, at most
    /// <see cref="ListedFailures"/> EDKs are listed, and the others are summarized by count.
    /// </summary>
    private static string Describe(IReadOnlyList<EdkFailure> failures)
    {
        var lines = failures.Take(ListedFailures).Select((f, i) =>
            $"  EDK {i + 1} ({UntrustedText.Neutralize(f.ProviderId, 64)} / {UntrustedText.Neutralize(f.KeyName, 128)}): {UntrustedText.Neutralize(f.Reason, 300)}").ToList();
        if (failures.Count > ListedFailures)
            lines.Add($"  ... and {failures.Count - ListedFailures} more: "
                + string.Join(", ", failures.Skip(ListedFailures).GroupBy(f => f.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}")));
        return "None of the message's " + failures.Count + " encrypted data key(s) could be decrypted:"
            + Environment.NewLine + string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Why one encrypted data key could not be decrypted.</summary>
public sealed record EdkFailure(string ProviderId, string KeyName, EdkFailureKind Kind, string Reason)
{
    /// <summary>The catalog id of the failure when it has a precise one (a KMS error: KmsAccessDenied, KmsKeyDisabled, ...).</summary>
    public string? ErrorId { get; init; }
}

public enum EdkFailureKind
{
    /// <summary>No keyring we hold knows this key.</summary>
    UnknownKey,
    /// <summary>A keyring claims the key but unwrapping failed (wrong key material or tampered EDK).</summary>
    WrongKey,
    /// <summary>The key exists but its state or the caller's rights forbid its use.</summary>
    KeyUnusable,
    /// <summary>The caller restricted decryption to other keys.</summary>
    NotAllowed,
}

/// <summary>Writing the output failed; nothing was left under the final name.</summary>
internal sealed class OutputWriteException(string message, Exception? inner = null)
    : EncryptionToolsException(ErrorCatalog.OutputWriteFailed, message, inner);

/// <summary>The destination exists and overwriting was not allowed.</summary>
public sealed class DestinationExistsException(string path)
    : EncryptionToolsException(ErrorCatalog.DestinationExists,
        $"The destination '{path}' already exists. Use -Force to overwrite it.")
{
    public string Path { get; } = path;
}

/// <summary>A source that is not a regular file (a device, FIFO or socket): refused before it is opened for reading, so nothing blocks.</summary>
internal sealed class SourceNotRegularFileException(string path, string kind)
    : EncryptionToolsException(ErrorCatalog.SourceNotRegularFile,
        $"'{path}' is a {kind}, not a regular file; only regular files are encrypted or decrypted. Nothing was read or written.")
{
    public string Path { get; } = path;
}

/// <summary>A destination that exists and is not a regular file (a device, FIFO or socket): never replaced, even with -Force.</summary>
internal sealed class DestinationNotRegularFileException(string path, string kind)
    : EncryptionToolsException(ErrorCatalog.DestinationNotRegularFile,
        $"The destination '{path}' is a {kind}, not a regular file; it is never replaced, even with -Force. Write to a regular file instead.")
{
    public string Path { get; } = path;
}

/// <summary>
/// Two sources of one batch map to the same destination (e.g. same-named files from different directories piped into
/// one -Destination directory). Refused even with Force: the second would silently replace the first's output.
/// </summary>
internal sealed class DestinationClashException(string source, string destination)
    : EncryptionToolsException(ErrorCatalog.DestinationClash,
        $"'{source}' would be written to '{destination}', which another file of this command already writes. Nothing was written for it; " +
        "give the files different destinations (e.g. one command per directory, or -Recurse on the common directory to keep the tree).")
{
    public string Destination { get; } = destination;
}
