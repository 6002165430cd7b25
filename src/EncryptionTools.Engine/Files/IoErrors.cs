namespace EncryptionTools.Engine.Files;

/// <summary>Turns the platform's I/O exceptions into the engine's typed errors with stable ids.</summary>
internal static class IoErrors
{
    private const int Enospc = 28, Edquot = 122;
    private const int WinDiskFull = 0x70, WinHandleDiskFull = 0x27;

    /// <summary>True when the exception (or one it wraps) says the volume or quota is full.</summary>
    public static bool IsDiskFull(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is OutputDiskFullException) return true;
            if (ex is IOException)
            {
                var code = ex.HResult & 0xFFFF;
                if (OperatingSystem.IsWindows() ? code is WinDiskFull or WinHandleDiskFull : code is Enospc or Edquot) return true;
                if (ex.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }

    /// <summary>True when the open failed because another handle holds a conflicting lock.</summary>
    public static bool IsSharingViolation(IOException ex) => IO.SharingViolation.Is(ex);

    /// <summary>A write-side failure: disk full gets its own id, anything else is OutputWriteFailed.</summary>
    public static EncryptionToolsException Write(string path, Exception ex)
    {
        if (ex is EncryptionToolsException typed && !IsDiskFull(ex)) return typed;
        return IsDiskFull(ex)
            ? new OutputDiskFullException(path, ex) { Target = path }
            : new OutputWriteException($"Cannot write '{path}': {ex.Message}", ex) { Target = path };
    }
}
