using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.Format;

namespace EncryptionTools.Engine.Keyrings;

/// <summary>Reads the key name out of an EDK for error messages, whatever keyring wrote it.</summary>
internal static class EdkNames
{
    public static string KeyName(EncryptedDataKey edk)
    {
        var info = edk.ProviderInfo;
        var name = RawAesKeyring.TryParseInfo(info, out var keyName, out _) ? keyName : info;
        try { return new UTF8Encoding(false, true).GetString(name); }
        catch (DecoderFallbackException) { return Convert.ToHexString(name); }
    }
}
