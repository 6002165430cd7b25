using System.Collections;
using System.Management.Automation;
using System.Security;
using EncryptionTools.Engine;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// KMS Decrypt for data in memory: a message as base64 text or bytes (Protect-EncData's output, or any AWS Encryption
/// SDK message of a supported suite); the keys are found from its encrypted data keys in the store, or only -KeyId's.
/// Nothing is output unless the whole message authenticates and its context holds every -ExpectedEncryptionContext
/// pair. Output: the UTF-8 text, a SecureString (-AsSecureString: decoded through pinned, wiped buffers, never a
/// managed string) or the bytes (-AsByteArray). Checked and audited as kms:Decrypt.
/// </summary>
[Cmdlet(VerbsSecurity.Unprotect, "EncData", SupportsShouldProcess = true, DefaultParameterSetName = AsStringSet,
    HelpUri = HelpLinks.DocsBase + "Unprotect-EncData.md")]
[OutputType(typeof(string), ParameterSetName = [AsStringSet])]
[OutputType(typeof(SecureString), ParameterSetName = [AsSecureStringSet])]
[OutputType(typeof(byte[]), ParameterSetName = [AsByteArraySet])]
public sealed class UnprotectEncDataCommand : DataCmdlet
{
    private const string AsStringSet = "AsString";
    private const string AsSecureStringSet = "AsSecureString";
    private const string AsByteArraySet = "AsByteArray";

    /// <summary>Base64 text or the bytes of a message; New-EncDataKey's output (its CiphertextBlob) too.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    /// <summary>Strict mode: only these keys may decrypt (ids, aliases, ARNs).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string[]? KeyId { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(EncryptionContextCompleter))]
    public Hashtable? ExpectedEncryptionContext { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = AsSecureStringSet)]
    public SwitchParameter AsSecureString { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = AsByteArraySet)]
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
        if (!ShouldProcess($"a message of {message.Length} bytes", "Decrypt")) return;
        var expected = Pairs(ExpectedEncryptionContext);
        ForItem(KeyId, () =>
        {
            using var plaintext = Data.Decrypt(message, KeyId, expected, CancellationToken);
            if (AsSecureString) WriteObject(Engine.Operations.DataOperations.ToSecureString(plaintext.Span));
            else if (AsByteArray) WriteObject(plaintext.ToArray(), enumerateCollection: false);
            else WriteObject(Engine.Operations.DataOperations.ToText(plaintext.Span));
        });
    }
}
