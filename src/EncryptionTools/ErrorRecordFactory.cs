using System.Management.Automation;
using EncryptionTools.Engine;

namespace EncryptionTools.Module;

/// <summary>The ids the module raises itself, as named in <see cref="ErrorCatalog"/>.</summary>
public static class ErrorIds
{
    public static readonly string PathNotFound = ErrorCatalog.PathNotFound.Id;
    public static readonly string PathNotFileSystem = ErrorCatalog.PathNotFileSystem.Id;
    public static readonly string UnexpectedError = ErrorCatalog.UnexpectedError.Id;
}

/// <summary>Maps any exception to an ErrorRecord through the catalog's one mapping, which the CLI shares.</summary>
public static class ErrorRecordFactory
{
    public static ErrorRecord Create(Exception exception, object? target)
    {
        var error = ErrorCatalog.Classify(exception);
        var errorTarget = exception is EncryptionToolsException { Target: { } own } ? own : target;
        return Neutralized(new ErrorRecord(exception, error.Id, Map(error.Category), errorTarget));
    }

    /// <summary>A record of a catalogued id raised by the module itself (not from an exception of the engine).</summary>
    public static ErrorRecord Create(ErrorDefinition error, Exception exception, object? target) =>
        Neutralized(new ErrorRecord(exception, error.Id, Map(error.Category), target));

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
