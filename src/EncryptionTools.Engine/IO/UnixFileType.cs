namespace EncryptionTools.Engine.IO;

/// <summary>The kind of a directory entry, from its mode bits.</summary>
internal enum UnixFileType
{
    Unknown,
    Regular,
    Directory,
    SymbolicLink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
}
