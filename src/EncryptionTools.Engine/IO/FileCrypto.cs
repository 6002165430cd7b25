using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.IO;

/// <summary>
/// File to file encryption and decryption through <see cref="AtomicFile"/>: the output appears whole under its
/// final name only after every frame (and, on decryption, the end marker and any signature) verified;
/// on failure or cancellation nothing appears and the temporary file is gone.
/// </summary>
internal static class FileCrypto
{
    private const int ReadBuffer = 128 * 1024;

    public static EncryptResult EncryptFile(string source, string destination, IReadOnlyList<IKeyring> keyrings, EncryptOptions? options = null,
        bool overwrite = false, CancellationToken cancellationToken = default) =>
        Transform(source, destination, overwrite, (input, output) => MessageEncryptor.Encrypt(input, output, keyrings, options, cancellationToken));

    public static DecryptResult DecryptFile(string source, string destination, IReadOnlyList<IKeyring> keyrings, DecryptOptions? options = null,
        bool overwrite = false, CancellationToken cancellationToken = default) =>
        Transform(source, destination, overwrite, (input, output) => MessageDecryptor.Decrypt(input, output, keyrings, options, cancellationToken));

    /// <summary>Source to a private temporary output, published under the destination name only if <paramref name="body"/> succeeds.</summary>
    private static T Transform<T>(string source, string destination, bool overwrite, Func<Stream, Stream, T> body)
    {
        CheckDistinct(source, destination);
        using var input = OpenSource(source);
        using var output = AtomicFile.Create(destination, overwrite);
        var result = body(input, output.Stream);
        output.Commit();
        return result;
    }

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
            throw new EncryptionToolsException("SourceNotFound", EngineErrorCategory.ObjectNotFound, $"The file '{path}' does not exist.", ex) { Target = path };
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new EncryptionToolsException("SourceNotFound", EngineErrorCategory.ObjectNotFound, $"The file '{path}' does not exist.", ex) { Target = path };
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new EncryptionToolsException("SourceAccessDenied", EngineErrorCategory.PermissionDenied, $"The file '{path}' cannot be read: {ex.Message}", ex) { Target = path };
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
            throw new EncryptionToolsException("SourceNotFound", EngineErrorCategory.ObjectNotFound, $"The file '{path}' does not exist.", ex) { Target = path };
        }
        catch (UnixIOException ex) when (ex.Errno is 1 or 13) // EPERM, EACCES
        {
            throw new EncryptionToolsException("SourceAccessDenied", EngineErrorCategory.PermissionDenied, $"The file '{path}' cannot be read: {ex.Message}", ex) { Target = path };
        }
        try
        {
            var status = UnixFile.Stat(handle);
            if (!status.IsRegular) throw new SourceNotRegularFileException(path, SpecialFiles.Describe(status.Type)) { Target = path };
            if (!UnixFile.TryLock(handle, exclusive: false))
                throw new EncryptionToolsException("FileInUse", EngineErrorCategory.ResourceUnavailable,
                    $"The file '{path}' is in use by another process.") { Target = path };
            return new FileStream(handle, FileAccess.Read, ReadBuffer);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void CheckDistinct(string source, string destination)
    {
        if (string.Equals(Path.GetFullPath(source), Path.GetFullPath(destination), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
            throw new EncryptionToolsException("SourceIsDestination", EngineErrorCategory.InvalidArgument,
                $"The source and the destination are the same file '{source}'.") { Target = source };
    }
}
