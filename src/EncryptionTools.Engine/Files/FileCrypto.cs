using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// Reading encrypted files: a header alone, and a source opened for the file route (<see cref="FileProtector"/>),
/// which alone writes files: whole under their final name after every frame verified, or not at all.
/// </summary>
internal static class FileCrypto
{
    private const int ReadBuffer = 128 * 1024;

    /// <summary>Reads only the header: cheap whatever the file size.</summary>
    public static MessageHeader ReadHeader(string path, MessageLimits? limits = null)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        return MessageHeader.Read(input, limits);
    }

    internal static FileStream OpenSource(string path)
    {
        if (UnixFile.IsSupported) return OpenRegularSource(path);
        try
        {
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read,
                BufferSize = ReadBuffer,
                Options = FileOptions.SequentialScan,
            });
        }
        catch (FileNotFoundException ex)
        {
            throw new EncryptionToolsException(ErrorCatalog.SourceNotFound, $"The file '{path}' does not exist.", ex) { Target = path };
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new EncryptionToolsException(ErrorCatalog.SourceNotFound, $"The file '{path}' does not exist.", ex) { Target = path };
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new EncryptionToolsException(ErrorCatalog.SourceAccessDenied, $"The file '{path}' cannot be read: {ex.Message}", ex) { Target = path };
        }
    }

    /// <summary>
    /// Linux: opened without blocking (a FIFO swapped in after the checks cannot hang the read), then refused unless
    /// it is a regular file; a shared lock as FileShare.Read takes, so a rewrap never rewrites a header being read.
    /// </summary>
    private static FileStream OpenRegularSource(string path)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = UnixFile.Open(path, UnixFile.ReadOnly | UnixFile.NonBlocking);
        }
        catch (UnixIOException ex) when (ex.Errno is UnixFile.ENOENT or UnixFile.ENOTDIR)
        {
            throw new EncryptionToolsException(ErrorCatalog.SourceNotFound, $"The file '{path}' does not exist.", ex) { Target = path };
        }
        catch (UnixIOException ex) when (ex.Errno is 1 or 13) // EPERM, EACCES
        {
            throw new EncryptionToolsException(ErrorCatalog.SourceAccessDenied, $"The file '{path}' cannot be read: {ex.Message}", ex) { Target = path };
        }
        try
        {
            var status = UnixFile.Stat(handle);
            if (!status.IsRegular) throw new SourceNotRegularFileException(path, SpecialFiles.Describe(status.Type)) { Target = path };
            if (!UnixFile.TryLock(handle, exclusive: false))
                throw new EncryptionToolsException(ErrorCatalog.FileInUse,
                    $"The file '{path}' is in use by another process.") { Target = path };
            return new FileStream(handle, FileAccess.Read, ReadBuffer);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
