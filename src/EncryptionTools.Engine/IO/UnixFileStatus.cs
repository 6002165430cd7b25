using System.Runtime.InteropServices;

namespace EncryptionTools.Engine.IO;

/// <summary>What statx says about a file: enough to check its kind, owner and mode, and to tell it from another file.</summary>
internal readonly record struct UnixFileStatus(UnixFileType Type, uint Mode, uint Owner, uint Links, ulong Device, ulong Inode, long Length, long ModifiedSeconds, uint ModifiedNanoseconds)
{
    public bool IsRegular => Type == UnixFileType.Regular;

    /// <summary>Permission bits only (no type bits).</summary>
    public uint Permissions => Mode & 0xFFF;

    public DateTime ModifiedUtc => DateTime.UnixEpoch.AddTicks(ModifiedSeconds * TimeSpan.TicksPerSecond + ModifiedNanoseconds / 100);
}
