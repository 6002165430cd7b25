using System.Management.Automation;
using EncryptionTools.Engine;

namespace EncryptionTools.Module;

/// <summary>Stable error ids that are raised by the module itself rather than the engine.</summary>
public static class ErrorIds
{
    public const string PathNotFound = "PathNotFound";
    public const string PathNotFileSystem = "PathNotFileSystem";
    public const string UnexpectedError = "UnexpectedError";
}

/// <summary>Maps engine errors to ErrorRecords; the id is the engine's stable ErrorId.</summary>
public static class ErrorRecordFactory
{
    public static ErrorRecord Create(Exception exception, object? target) => Neutralized(exception switch
    {
        EncryptionToolsException e => new ErrorRecord(e, e.ErrorId, Map(e.Category), e.Target ?? target),
        UnauthorizedAccessException e => new ErrorRecord(e, "AccessDenied", ErrorCategory.PermissionDenied, target),
        FileNotFoundException or DirectoryNotFoundException => new ErrorRecord(exception, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, target),
        IOException e => new ErrorRecord(e, "IOError", ErrorCategory.WriteError, target),
        OperationCanceledException e => new ErrorRecord(e, "OperationStopped", ErrorCategory.OperationStopped, target),
        _ => new ErrorRecord(exception, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target),
    });

    /// <summary>
    /// The record with a displayed message whose control characters are escaped and whose length is capped (file
    /// names and header fields reach messages); the exception keeps the exact text for scripts that need it.
    /// </summary>
    public static ErrorRecord Neutralized(ErrorRecord record)
    {
        var message = record.ErrorDetails?.Message ?? record.Exception?.Message;
        if (message is null) return record;
        var safe = UntrustedText.Neutralize(message, UntrustedText.MessageLength, keepNewlines: true);
        if (!ReferenceEquals(safe, message) && safe != message)
            record.ErrorDetails = new ErrorDetails(safe) { RecommendedAction = record.ErrorDetails?.RecommendedAction };
        return record;
    }

    /// <summary>Engine categories carry PowerShell's names, so the mapping is by name and cannot drift.</summary>
    public static ErrorCategory Map(EngineErrorCategory category) =>
        Enum.TryParse<ErrorCategory>(category.ToString(), out var mapped) ? mapped : ErrorCategory.NotSpecified;
}
