namespace EncryptionTools.Engine.Files;

/// <summary>The platform's exceptions on opening a file to read, as the catalog's source errors.</summary>
public static class SourceErrors
{
    /// <summary>
    /// SourceNotFound, SourceIsDirectory (opening a directory fails as "access denied" on Linux and Windows),
    /// SourceAccessDenied, FileInUse or SourceOpenFailed; an error of the engine is returned as it is.
    /// </summary>
    public static EncryptionToolsException Open(string path, Exception ex) => ex switch
    {
        EncryptionToolsException typed => typed,
        FileNotFoundException or DirectoryNotFoundException =>
            new EncryptionToolsException(ErrorCatalog.SourceNotFound, $"The file '{path}' does not exist.", ex) { Target = path },
        UnauthorizedAccessException when Directory.Exists(path) =>
            new EncryptionToolsException(ErrorCatalog.SourceIsDirectory, $"'{path}' is a directory, not a file.", ex) { Target = path },
        UnauthorizedAccessException =>
            new EncryptionToolsException(ErrorCatalog.SourceAccessDenied, $"The file '{path}' cannot be read: {ex.Message}", ex) { Target = path },
        IOException io when IoErrors.IsSharingViolation(io) =>
            new EncryptionToolsException(ErrorCatalog.FileInUse, $"The file '{path}' is locked by another process.", ex) { Target = path },
        _ => new EncryptionToolsException(ErrorCatalog.SourceOpenFailed, $"The file '{path}' cannot be opened: {ex.Message}", ex) { Target = path },
    };
}
