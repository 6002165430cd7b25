using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// BYOK: creates a key from external AES-256 material under the raw-keyring namespace and key name it was used
/// with, so files made by the official SDK's raw AES keyring with that material decrypt. With -Package (the output
/// of Export-EncKey without -Version, or its ToJson() text): recreates that key whole, same key id and every version.
/// </summary>
[Cmdlet(VerbsData.Import, "EncKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BytesSet, HelpUri = HelpLinks.DocsBase + "Import-EncKey.md")]
[OutputType(typeof(EncKey))]
public sealed class ImportEncKeyCommand : KeyStoreCmdlet
{
    private const string BytesSet = "Bytes";
    private const string Base64Set = "Base64";
    private const string PackageSet = "Package";

    /// <summary>A key that moves whole: Export-EncKey's output without -Version, or its ToJson() text.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PackageSet, ValueFromPipeline = true)]
    public EncKeyPackage? Package { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = BytesSet, ValueFromPipelineByPropertyName = true)]
    [ValidateCount(32, 32)]
    public byte[] KeyMaterial { get; set; } = [];

    /// <summary>Not bound from the pipeline: an Export-EncKey object carries both forms, and binds -KeyMaterial.</summary>
    [Parameter(Mandatory = true, ParameterSetName = Base64Set)]
    [ValidateNotNullOrEmpty]
    public string KeyMaterialBase64 { get; set; } = "";

    /// <summary>The raw-keyring key namespace (provider id) the material was used under.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BytesSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Base64Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string KeyNamespace { get; set; } = "";

    /// <summary>The raw-keyring key name the material was used under.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BytesSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Base64Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string KeyName { get; set; } = "";

    [Parameter(ParameterSetName = BytesSet)]
    [Parameter(ParameterSetName = Base64Set)]
    [ValidateLength(0, 8192)]
    public string? Description { get; set; }

    [Parameter(ParameterSetName = BytesSet)]
    [Parameter(ParameterSetName = Base64Set)]
    public Hashtable? Tag { get; set; }

    [Parameter(ParameterSetName = BytesSet)]
    [Parameter(ParameterSetName = Base64Set)]
    [ValidateNotNullOrEmpty]
    public string? Alias { get; set; }

    [Parameter(ParameterSetName = BytesSet)]
    [Parameter(ParameterSetName = Base64Set)]
    public SwitchParameter Exportable { get; set; }

    [Parameter(ParameterSetName = BytesSet)]
    [Parameter(ParameterSetName = Base64Set)]
    [ValidateNotNullOrEmpty]
    public string? Policy { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PackageSet)
        {
            var package = Package!;
            if (!ShouldProcess(Store.Location, $"Import key {package.KeyId} whole ({package.Versions.Count} version(s)) from key store {package.SourceStoreId}")) return;
            ForItem(package.KeyId, () => WriteObject(((IKeyTransfer)Store).ImportKeyPackage(package)));
            return;
        }
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
