using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine.Operations;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// KMS ReEncrypt for data in memory: the message's data key moves to -DestinationKeyId (header only), so the caller
/// never sees the plaintext. The encryption context, the body and the message id stay. Checked as kms:ReEncryptFrom on
/// the key that opens the message and kms:ReEncryptTo on each destination key, and audited under those actions.
/// </summary>
[Cmdlet(VerbsData.Update, "EncData", SupportsShouldProcess = true, HelpUri = HelpLinks.DocsBase + "Update-EncData.md")]
[OutputType(typeof(string), typeof(byte[]))]
public sealed class UpdateEncDataCommand : DataCmdlet
{
    /// <summary>Base64 text or the bytes of a message.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    /// <summary>The keys the message is encrypted under afterwards (exactly these).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id", "KeyId")]
    [ValidateNotNullOrEmpty]
    public string[] DestinationKeyId { get; set; } = [];

    /// <summary>Strict mode: only these keys may open the message.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? SourceKeyId { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(EncryptionContextCompleter))]
    public Hashtable? ExpectedEncryptionContext { get; set; }

    [Parameter]
    public SwitchParameter AsByteArray { get; set; }

    protected override void ProcessRecord() => Accept(InputObject);

    protected override void ProcessItem(object? item, object? original)
    {
        var message = MessageBytes(item, original);
        if (message is null) return;
        var target = string.Join(", ", DestinationKeyId);
        if (!ShouldProcess($"a message of {message.Length} bytes", $"Re-encrypt under {target}")) return;
        var expected = Pairs(ExpectedEncryptionContext);
        ForItem(target, () => WriteMessage(Data.ReEncrypt(message, new FileKeys { KeyIds = DestinationKeyId }, SourceKeyId, expected), AsByteArray));
    }
}
