using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Exports a key created -Exportable: its material with the raw-keyring namespace and key name the official SDK
/// needs. With -PublicKeyOnly, exports only the public key (PEM) of an RSA key, which any RSA key allows.
/// </summary>
[Cmdlet(VerbsData.Export, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = HelpLinks.DocsBase + "Export-EncKey.md")]
[OutputType(typeof(EncKeyExport))]
public sealed class ExportEncKeyCommand : KeyStoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    /// <summary>The version to export; the current one by default.</summary>
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
            var action = PublicKeyOnly ? "Export the public key" : "Export the key material (it leaves the key store)";
            if (!ShouldProcess(id, action)) continue;
            ForItem(id, () => WriteObject(Store.ExportKey(id, Version, PublicKeyOnly)));
        }
    }
}
