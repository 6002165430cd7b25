namespace EncryptionTools.Engine;

/// <summary>
/// The enctools exit codes (docs/about_EncryptionTools_Errors.md): one per class of failure, so scripts branch
/// without parsing text. Each catalog entry names its code.
/// </summary>
public static class CliExitCodes
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

    /// <summary>
    /// The code of an id that is not in the catalog yet, from its category alone (the rule every catalog entry
    /// was given when the catalog was made).
    /// </summary>
    public static int ForCategory(EngineErrorCategory category) => category switch
    {
        EngineErrorCategory.ObjectNotFound => NotFound,
        EngineErrorCategory.InvalidData or EngineErrorCategory.SecurityError => InvalidData,
        EngineErrorCategory.PermissionDenied or EngineErrorCategory.AuthenticationError or EngineErrorCategory.ResourceUnavailable => AccessDenied,
        EngineErrorCategory.InvalidArgument => Usage,
        EngineErrorCategory.WriteError => WriteFailed,
        EngineErrorCategory.OperationStopped => Cancelled,
        _ => Failure,
    };
}
