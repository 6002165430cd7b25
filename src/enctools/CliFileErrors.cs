using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;

namespace EncryptionTools.Cli;

/// <summary>Which of two problems a file's error names, when the engine found the other one first.</summary>
internal static class CliFileErrors
{
    /// <summary>
    /// A decryption refused because its destination exists, of a message whose context lacks a pair of
    /// --expect-context, is reported as the context mismatch: a user who is told to add --force would otherwise
    /// learn only on the next run that the file is not the one expected. The header is read, nothing is decrypted.
    /// </summary>
    public static IEnumerable<FileOutcome> ContextBeforeDestination(IEnumerable<FileOutcome> outcomes, IReadOnlyDictionary<string, string>? expected)
    {
        foreach (var outcome in outcomes)
        {
            if (expected is null || outcome.Error is not DestinationExistsException) { yield return outcome; continue; }
            yield return Mismatch(outcome.Source, expected) is { } mismatch ? outcome with { Error = mismatch } : outcome;
        }
    }

    private static EncryptionContextMismatchException? Mismatch(string source, IReadOnlyDictionary<string, string> expected)
    {
        try
        {
            using var stream = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read);
            EncryptionContext.RequirePairs(MessageHeader.Read(stream).EncryptionContext, expected);
            return null;
        }
        catch (EncryptionContextMismatchException ex)
        {
            return new EncryptionContextMismatchException($"'{source}': {ex.Message}") { Target = source };
        }
        catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
        {
            return null; // the header cannot be read: the destination error stands, and a later run without it reports this
        }
    }
}
