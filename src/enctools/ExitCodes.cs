using EncryptionTools.Engine;

namespace EncryptionTools.Cli;

/// <summary>Documented exit codes (docs/enctools.md): one per class of failure, so scripts can branch without parsing text.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int InvalidData = 4;
    public const int AccessDenied = 5;
    public const int DestinationExists = 6;
    public const int ContextMismatch = 7;
    public const int WriteFailed = 8;
    public const int Cancelled = 130;

    public static int For(Exception exception) => exception switch
    {
        DestinationExistsException or DestinationClashException => DestinationExists,
        EncryptionContextMismatchException => ContextMismatch,
        OutputWriteException => WriteFailed,
        OperationCanceledException => Cancelled,
        EncryptionToolsException e => e.Category switch
        {
            EngineErrorCategory.ObjectNotFound => NotFound,
            EngineErrorCategory.InvalidData or EngineErrorCategory.SecurityError => InvalidData,
            EngineErrorCategory.PermissionDenied or EngineErrorCategory.AuthenticationError or EngineErrorCategory.ResourceUnavailable => AccessDenied,
            EngineErrorCategory.InvalidArgument => Usage,
            EngineErrorCategory.WriteError => WriteFailed,
            _ => Failure,
        },
        FileNotFoundException or DirectoryNotFoundException => NotFound,
        UnauthorizedAccessException => AccessDenied,
        _ => Failure,
    };
}
