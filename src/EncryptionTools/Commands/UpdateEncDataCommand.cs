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

    /// <summary>
    /// AWS KMS discovery: a data key wrapped by any KMS key of these AWS accounts may be sent to KMS, not only those of
    /// the KMS keys named with -KeyId or listed in ENCTOOLS_KMS_KEY_IDS (strict, the default).
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? KmsDiscoveryAccountId { get; set; }

    /// <summary>The AWS partition of the discovery filter (aws, aws-cn, aws-us-gov); needs -KmsDiscoveryAccountId.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string KmsDiscoveryPartition { get; set; } = KmsDiscovery.DefaultPartition;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        UseKmsDiscovery(KmsDiscoveryAccountId, KmsDiscoveryPartition);
    }

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
