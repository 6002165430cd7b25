using System.Security.Cryptography;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>The checks before anything is created, and typed errors that name the file.</summary>
internal static partial class FileProtector
{
    /// <summary>
    /// The checks that must pass before anything is created: the file survives a refusal untouched. Returns the
    /// warnings of a forced exception (in-place encryption of a hard-linked file).
    /// </summary>
    private static IReadOnlyList<EngineWarning> PreflightDestination(string source, string destination, bool inPlace, bool force, BatchState state,
        SourceSnapshot before, bool encrypting)
    {
        if (inPlace)
        {
            if (new FileInfo(source).LinkTarget is not null)
                throw new EncryptionToolsException(ErrorCatalog.SourceIsLink,
                    $"'{source}' is a symbolic link: replacing it in place would replace the link and leave the file it points to as it was. Give the target's path.") { Target = source };
            if (IsReadOnly(source)) throw new SourceReadOnlyException(source) { Target = source };
            // The new file replaces this name only: every other hard link keeps the plaintext.
            if (encrypting && before.Links > 1)
            {
                if (!force) throw new SourceHasHardLinksException(source, before.Links) { Target = source };
                return [new EngineWarning(FileWarningIds.SourceHardLinksRemain,
                    $"'{source}' had {before.Links - 1} other hard link(s); they still name the plaintext. Remove them, or encrypt them too.", source)];
            }
            return [];
        }
        if (PathComparer.Equals(source, destination))
            throw new EncryptionToolsException(ErrorCatalog.SourceIsDestination,
                $"The source and the destination are the same file '{source}'; use InPlace to replace it.") { Target = source };
        if (Directory.Exists(destination))
            throw new InvalidDestinationException($"The destination '{destination}' is a directory.") { Target = destination };
        SpecialFiles.CheckDestination(destination); // a device or FIFO is never replaced, even forced
        if (!force && Path.Exists(destination)) throw new DestinationExistsException(destination) { Target = destination };
        var directory = Path.GetDirectoryName(destination)!;
        try { state.CreateDirectory(directory); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OutputWriteException($"Cannot create the directory '{directory}': {ex.Message}", ex) { Target = destination };
        }
        return [];
    }

    /// <summary>
    /// Read-only: the read-only attribute, or (Unix) no write permission bit at all, or a write open refused. Checked
    /// by mode bits too because root may open anything for writing, and replacing a file its owner marked read-only
    /// must still be refused.
    /// </summary>
    internal static bool IsReadOnly(string path)
    {
        if (File.GetAttributes(path).HasFlag(FileAttributes.ReadOnly)) return true;
        if (!OperatingSystem.IsWindows() &&
            (File.GetUnixFileMode(path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0)
            return true;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
        catch (IOException)
        {
            return false; // locked or busy: not a permission question; the operation itself reports what happens
        }
    }

    private static string Describe(SniffResult sniff) => sniff.Kind switch
    {
        MessageKind.Committing => $"suite 0x{sniff.SuiteId:X4}",
        MessageKind.EsdkV1 => $"format version 1, suite 0x{sniff.SuiteId:X4}",
        _ => $"suite 0x{sniff.SuiteId:X4}",
    };

    private static EncryptionToolsException WithTarget(EncryptionToolsException ex, string path) => ex switch
    {
        NotAnEncryptedMessageException => new NotAnEncryptedMessageException($"'{path}': {ex.Message}") { Target = path },
        UnsupportedMessageFormatException => new UnsupportedMessageFormatException($"'{path}': {ex.Message}") { Target = path },
        MessageTruncatedException => new MessageTruncatedException($"'{path}': {ex.Message}") { Target = path },
        MessageTamperedException => new MessageTamperedException($"'{path}': {ex.Message}", ex) { Target = path },
        MessageLimitExceededException => new MessageLimitExceededException($"'{path}': {ex.Message}") { Target = path },
        NoDecryptableKeyException nk => new NoDecryptableKeyException(nk.Failures) { Target = path },
        EncryptionContextMismatchException => new EncryptionContextMismatchException($"'{path}': {ex.Message}") { Target = path },
        _ => ex,
    };
}
