using System.Runtime.InteropServices;
using System.Security;

namespace EncryptionTools.Engine.Store;

/// <summary>Passwords arrive as SecureString (PowerShell) and leave as a char array the caller clears.</summary>
public static class Passwords
{
    public static char[] ToChars(SecureString secure)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            var chars = new char[secure.Length];
            Marshal.Copy(pointer, chars, 0, chars.Length);
            return chars;
        }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(pointer); }
    }

    public static SecureString FromText(string text)
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    public static void Clear(char[]? chars)
    {
        if (chars is not null) Array.Clear(chars);
    }
}
