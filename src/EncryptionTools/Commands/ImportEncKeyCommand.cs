using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// BYOK: creates a key from external AES-256 material under the raw-keyring namespace and key name it was used
/// with, so files made by the official SDK's raw AES keyring with that material decrypt.
/// </summary>
[Cmdlet(VerbsData.Import, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BytesSet, HelpUri = HelpLinks.DocsBase + "Import-EncKey.md")]
[OutputType(typeof(EncKey))]
public sealed class ImportEncKeyCommand : KeyStoreCmdlet
{
    private const string BytesSet = "Bytes";
    private const string Base64Set = "Base64";

    [Parameter(Mandatory = true, ParameterSetName = BytesSet, ValueFromPipelineByPropertyName = true)]
    [ValidateCount(32, 32)]
    public byte[] KeyMaterial { get; set; } = [];

    /// <summary>Not bound from the pipeline: an Export-EncKey object carries both forms, and binds -KeyMaterial.</summary>
    [Parameter(Mandatory = true, ParameterSetName = Base64Set)]
    [ValidateNotNullOrEmpty]
    public string KeyMaterialBase64 { get; set; } = "";

    /// <summary>The raw-keyring key namespace (provider id) the material was used under.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string KeyNamespace { get; set; } = "";

    /// <summary>The raw-keyring key name the material was used under.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string KeyName { get; set; } = "";

    [Parameter]
    [ValidateLength(0, 8192)]
    public string? Description { get; set; }

    [Parameter]
    public Hashtable? Tag { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Alias { get; set; }

    [Parameter]
    public SwitchParameter Exportable { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Policy { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(Store.Location, $"Import an AES-256 key as namespace '{KeyNamespace}', key name '{KeyName}'")) return;
        ForItem(KeyName, () =>
        {
            byte[] material;
            try
            {
                material = ParameterSetName == Base64Set ? Convert.FromBase64String(KeyMaterialBase64) : KeyMaterial.ToArray();
            }
            catch (FormatException)
            {
                throw new KeyStoreException(Engine.ErrorCatalog.KeyInvalidArgument, "-KeyMaterialBase64 is not valid base64.");
            }
            try
            {
                WriteObject(Store.ImportKey(new ImportKeyRequest
                {
                    KeyMaterial = material,
                    KeyNamespace = KeyNamespace,
                    KeyName = KeyName,
                    Description = Description,
                    Tags = Tags(Tag),
                    Alias = Alias,
                    Exportable = Exportable,
                    Policy = Policy,
                }));
            }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(material); }
        });
    }
}
