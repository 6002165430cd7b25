using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Exports a key created -Exportable. Without -Version the key moves whole: every version with its key id, aliases,
/// description, tags, rotation settings and policy (an EncKeyPackage that Import-EncKey recreates elsewhere). With
/// -Version, that version's material with the raw-keyring namespace and key name the official SDK needs. With
/// -PublicKeyOnly, only the public key (PEM) of an RSA key, which any RSA key allows.
/// </summary>
[Cmdlet(VerbsData.Export, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = HelpLinks.DocsBase + "Export-EncKey.md")]
[OutputType(typeof(EncKeyPackage), typeof(EncKeyExport))]
public sealed class ExportEncKeyCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    /// <summary>One version to export (its material, for the official SDKs); without it, the whole key.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Version { get; set; }

    /// <summary>Only the public key (RSA keys), as PEM.</summary>
    [Parameter]
    [Alias("PublicKey")]
    public SwitchParameter PublicKeyOnly { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in KeyId)
        {
            var action = PublicKeyOnly ? "Export the public key"
                : Version is null ? "Export the whole key, every version's material (it leaves the key store)" : "Export the key material (it leaves the key store)";
            if (!ShouldProcess(id, action)) continue;
            ForItem(id, () =>
            {
                if (Version is null && !PublicKeyOnly) WriteObject(((IKeyTransfer)Store).ExportKeyPackage(id));
                else WriteObject(Store.ExportKey(id, Version, PublicKeyOnly));
            });
        }
    }
}
