namespace EncryptionTools.Module;

/// <summary>
/// Where Get-Help -Online goes: each cmdlet's docs/&lt;Verb-Noun&gt;.md page in the project's repository (the manifest's
/// ProjectUri), which GitHub renders. The docs pages' "online version" carry the same address (a test keeps them equal).
/// </summary>
public static class HelpLinks
{
    public const string DocsBase = "https://github.com/encryptiontools/EncryptionTools/blob/main/docs/";
}
