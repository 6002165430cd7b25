using EncryptionTools.Engine;

namespace EncryptionTools.Cli;

/// <summary>
/// The documented exit codes (docs/about_EncryptionTools_Errors.md). Each error id's code is in
/// <see cref="ErrorCatalog"/>; these names are the CLI's view of <see cref="CliExitCodes"/>.
/// </summary>
public static class ExitCodes
{
    public const int Ok = CliExitCodes.Ok;
    public const int Failure = CliExitCodes.Failure;
    public const int Usage = CliExitCodes.Usage;
    public const int NotFound = CliExitCodes.NotFound;
    public const int InvalidData = CliExitCodes.InvalidData;
    public const int AccessDenied = CliExitCodes.AccessDenied;
    public const int DestinationExists = CliExitCodes.DestinationExists;
    public const int ContextMismatch = CliExitCodes.ContextMismatch;
    public const int WriteFailed = CliExitCodes.WriteFailed;
    public const int Cancelled = CliExitCodes.Cancelled;

    /// <summary>The exit code of a failure: its catalog entry's, through the mapping the module uses for its ids.</summary>
    public static int For(Exception exception) => ErrorCatalog.Classify(exception).ExitCode;
}
