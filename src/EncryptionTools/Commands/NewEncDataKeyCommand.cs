using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine.Operations;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// KMS GenerateDataKey: a fresh 256-bit data key for the caller's own encryption, with its CiphertextBlob (the data key
/// encrypted under -KeyId as a message; Unprotect-EncData -AsByteArray gives the same 32 bytes back). -WithoutPlaintext
/// (GenerateDataKeyWithoutPlaintext) returns only the ciphertext. Checked and audited under the matching action.
/// </summary>
[Cmdlet(VerbsCommon.New, "EncDataKey", SupportsShouldProcess = true, HelpUri = HelpLinks.DocsBase + "New-EncDataKey.md")]
[OutputType(typeof(EncDataKey))]
public sealed class NewEncDataKeyCommand : DataCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string KeyId { get; set; } = "";

    [Parameter]
    [ArgumentCompleter(typeof(EncryptionContextCompleter))]
    public Hashtable? EncryptionContext { get; set; }

    [Parameter]
    public SwitchParameter WithoutPlaintext { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(KeyId, WithoutPlaintext ? "Generate a data key without plaintext" : "Generate a data key")) return;
        ForItem(KeyId, () => WriteObject(Data.GenerateDataKey(KeyId, Pairs(EncryptionContext), WithoutPlaintext, CancellationToken)));
    }

    protected override void ProcessItem(object? item, object? original) { }
}
