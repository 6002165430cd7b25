namespace EncryptionTools.Engine.IO;

/// <summary>Regular files only: devices, FIFOs and sockets are named, refused and never opened for a blocking read.</summary>
internal static class SpecialFiles
{
    public static string Describe(UnixFileType type) => type switch
    {
        UnixFileType.CharacterDevice => "character device",
        UnixFileType.BlockDevice => "block device",
        UnixFileType.Fifo => "FIFO (named pipe)",
        UnixFileType.Socket => "socket",
        UnixFileType.Directory => "directory",
        UnixFileType.SymbolicLink => "symbolic link",
        _ => "special file",
    };

    /// <summary>
    /// The kind of an existing destination entry that must never be replaced (not following a link: a link is replaced
    /// as a name, its target never written); null when the name is free, a regular file, a directory or a link.
    /// </summary>
    public static string? ForbiddenDestinationKind(string path)
    {
        if (!UnixFile.IsSupported) return null;
        UnixFileStatus? status;
        try { status = UnixFile.Stat(path, followLinks: false); }
        catch (UnixIOException) { return null; } // the create reports a real problem
        return status is { Type: UnixFileType.CharacterDevice or UnixFileType.BlockDevice or UnixFileType.Fifo or UnixFileType.Socket } s
            ? Describe(s.Type)
            : null;
    }

    public static void CheckDestination(string path)
    {
        if (ForbiddenDestinationKind(path) is { } kind) throw new DestinationNotRegularFileException(path, kind) { Target = path };
    }
}
