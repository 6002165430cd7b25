using System.Management.Automation;
using EncryptionTools.Engine.Inspection;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Reads the header of encrypted files (no key needed) and describes suite, context and data keys; each data key is
/// resolved to the key store's key id, aliases and version, or marked Unknown.
/// </summary>
[Cmdlet(VerbsCommon.Get, "EncFileInfo", DefaultParameterSetName = PathSet, HelpUri = HelpLinks.DocsBase + "Get-EncFileInfo.md")]
[OutputType(typeof(EncryptedFileInfo))]
public sealed class GetEncFileInfoCommand : FileInputCmdlet
{

    protected override void ProcessRecord()
    {
        var literal = ParameterSetName == LiteralPathSet;
        foreach (var file in ResolveFileSystemPaths(literal ? LiteralPath : Path, literal))
        {
            try
            {
                WriteObject(PSObjects.WithLiteralPath(Session.Describe(file), nameof(EncryptedFileInfo.Path)));
            }
            catch (Exception ex) when (ex is Engine.EncryptionToolsException or IOException or UnauthorizedAccessException)
            {
                WriteEngineError(ex, file);
            }
        }
    }
}
