using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EncryptionTools.Engine.IO;

/// <summary>
/// The few Linux system calls .NET does not expose: open with O_NOFOLLOW, O_NONBLOCK or O_TMPFILE, statx (type, owner,
/// links, device and inode), flock and linkat. <see cref="IsSupported"/> is false elsewhere (and on Linux architectures
/// whose open flags differ from x64 and arm64): callers then fall back to what .NET offers.
/// </summary>
internal static class UnixFile
{
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() &&
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    private static bool Arm => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int ReadWrite = 2;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int NonBlocking = 0x800;
    public const int CloseOnExec = 0x80000;
    public static int NoFollow => Arm ? 0x8000 : 0x20000;
    private static int DirectoryFlag => Arm ? 0x4000 : 0x10000;
    /// <summary>O_TMPFILE: __O_TMPFILE | O_DIRECTORY.</summary>
    public static int TmpFile => 0x400000 | DirectoryFlag;

    public const int ENOENT = 2;
    public const int ENXIO = 6;
    public const int EWOULDBLOCK = 11;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ELOOP = 40;
    public const int EOPNOTSUPP = 95;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtSymlinkFollow = 0x400;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7FF;

    /// <summary>Opens a file; the handle owns the descriptor. Throws <see cref="UnixIOException"/> (with errno) on failure.</summary>
    public static SafeFileHandle Open(string path, int flags, uint mode = 0)
    {
        var fd = Native.open(path, flags | CloseOnExec, mode);
        if (fd < 0) throw new UnixIOException(Marshal.GetLastPInvokeError(), path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The entry at <paramref name="path"/> (the link itself unless <paramref name="followLinks"/>); null when nothing is there.</summary>
    public static UnixFileStatus? Stat(string path, bool followLinks)
    {
        var buffer = new byte[256];
        if (Native.statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) == 0) return Parse(buffer);
        var errno = Marshal.GetLastPInvokeError();
        if (errno is ENOENT or ENOTDIR) return null;
        throw new UnixIOException(errno, path);
    }

    public static UnixFileStatus Stat(SafeFileHandle handle)
    {
        var buffer = new byte[256];
        if (Native.statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxBasicStats, buffer) != 0)
            throw new UnixIOException(Marshal.GetLastPInvokeError(), "(open file)");
        return Parse(buffer);
    }

    public static uint EffectiveUserId => Native.geteuid();

    /// <summary>
    /// Drops this open file's flock. Closing drops it too, but only once every descriptor of the open file is closed:
    /// a child forked meanwhile (by any thread of this process) holds a copy until it execs, and a reader would see the
    /// file as in use for that long.
    /// </summary>
    public static void Unlock(SafeFileHandle handle)
    {
        const int LockUn = 8;
        _ = Native.flock((int)handle.DangerousGetHandle(), LockUn);
    }

    /// <summary>flock(2) without waiting; false when another process holds a conflicting lock.</summary>
    public static bool TryLock(SafeFileHandle handle, bool exclusive)
    {
        const int LockSh = 1, LockEx = 2, LockNb = 4;
        if (Native.flock((int)handle.DangerousGetHandle(), (exclusive ? LockEx : LockSh) | LockNb) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EWOULDBLOCK) return false;
        throw new UnixIOException(errno, "(open file)");
    }

    /// <summary>Gives an O_TMPFILE file a name (through /proc/self/fd); fails with EEXIST when the name is taken.</summary>
    public static void Link(SafeFileHandle handle, string newPath)
    {
        var fdPath = "/proc/self/fd/" + handle.DangerousGetHandle().ToInt64();
        if (Native.linkat(AtFdCwd, fdPath, AtFdCwd, newPath, AtSymlinkFollow) == 0) return;
        throw new UnixIOException(Marshal.GetLastPInvokeError(), newPath);
    }

    private static UnixFileStatus Parse(byte[] b)
    {
        var mode = BitConverter.ToUInt16(b, 0x1C);
        var type = (mode & 0xF000) switch
        {
            0x8000 => UnixFileType.Regular,
            0x4000 => UnixFileType.Directory,
            0xA000 => UnixFileType.SymbolicLink,
            0x2000 => UnixFileType.CharacterDevice,
            0x6000 => UnixFileType.BlockDevice,
            0x1000 => UnixFileType.Fifo,
            0xC000 => UnixFileType.Socket,
            _ => UnixFileType.Unknown,
        };
        var device = ((ulong)BitConverter.ToUInt32(b, 0x88) << 32) | BitConverter.ToUInt32(b, 0x8C);
        return new UnixFileStatus(type, mode, BitConverter.ToUInt32(b, 0x14), BitConverter.ToUInt32(b, 0x10), device,
            BitConverter.ToUInt64(b, 0x20), BitConverter.ToInt64(b, 0x28), BitConverter.ToInt64(b, 0x70), BitConverter.ToUInt32(b, 0x78));
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

        [DllImport("libc", SetLastError = true)]
        public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

        [DllImport("libc")]
        public static extern uint geteuid();

        [DllImport("libc", SetLastError = true)]
        public static extern int flock(int fd, int operation);

        [DllImport("libc", SetLastError = true)]
        public static extern int linkat(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, int flags);
    }
}
