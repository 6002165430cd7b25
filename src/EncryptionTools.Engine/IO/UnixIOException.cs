using System.Runtime.InteropServices;

namespace EncryptionTools.Engine.IO;

/// <summary>A failed system call, with its errno.</summary>
internal sealed class UnixIOException(int errno, string path)
    : IOException($"'{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno)
{
    public int Errno { get; } = errno;
}
