namespace EncryptionTools.Engine.IO;

/// <summary>Recognises an open refused because another handle holds a conflicting lock or share mode.</summary>
internal static class SharingViolation
{
    private const int WinSharingViolation = 0x20, WinLockViolation = 0x21, Eagain = 11;

    public static bool Is(IOException ex)
    {
        var code = ex.HResult & 0xFFFF;
        return OperatingSystem.IsWindows() ? code is WinSharingViolation or WinLockViolation : code == Eagain;
    }
}
