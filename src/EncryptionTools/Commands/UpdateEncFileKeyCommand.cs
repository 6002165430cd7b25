using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Changes who can decrypt encrypted files by rewriting only their headers (header-only rewrap): re-wrap under other
/// keys (-KeyId), add or remove recipients, and always move data keys wrapped under an older version of an enabled
/// store key to its newest version. The body is never read or moved; signed messages are refused.
/// </summary>
[Cmdlet(VerbsData.Update, "EncFileKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PathSet, HelpUri = HelpLinks.DocsBase + "Update-EncFileKey.md")]
[OutputType(typeof(RewrapResult))]
public sealed class UpdateEncFileKeyCommand : FileInputCmdlet
{
    private const string Activity = "Update-EncFileKey";


    /// <summary>The file's recipients become exactly these keys (and -RecipientPublicKey): every other EDK is dropped.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [ValidateNotNullOrEmpty]
    [Alias("Id")]
    public string[]? KeyId { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? AddKeyId { get; set; }

    /// <summary>Store keys whose EDKs (any version) are removed.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? RemoveKeyId { get; set; }

    /// <summary>RSA public keys to add as recipients (PEM files, Export-EncKey -PublicKeyOnly output, RSA EncKey objects).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? RecipientPublicKey { get; set; }

    /// <summary>PEM public keys whose recipient EDKs are removed.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RemoveRecipientPublicKey { get; set; }

    [Parameter]
    public Hashtable? ExpectedEncryptionContext { get; set; }

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

    private RewrapSettings? _settings;

    protected override void ProcessRecord()
    {
        var literal = ParameterSetName == LiteralPathSet;
        var files = ResolveFileSystemPaths(literal ? LiteralPath : Path, literal).ToList();
        if (files.Count == 0) return;
        try
        {
            _settings ??= Settings();
        }
        catch (PSArgumentException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, Engine.ErrorCatalog.InvalidRecipientPublicKey.Id, ErrorRecordFactory.Map(Engine.ErrorCatalog.InvalidRecipientPublicKey.Category), RecipientPublicKey));
        }
        var accepted = files.Where(f => ShouldProcess(f, "Rewrap the data key (header only)")).ToList();
        if (accepted.Count == 0) return;
        try
        {
            foreach (var outcome in RunBatch<RewrapOutcome, FileCountProgress>((p, ct) => Session.Rewrap(accepted, _settings!, p, ct), p => WriteCountProgress(Activity, p)))
            {
                foreach (var warning in outcome.Warnings) WriteWarning(warning.ToString());
                if (outcome.Error is not null) WriteEngineError(outcome.Error, outcome.Path);
                else if (outcome.Skipped is not null) WriteVerbose($"'{outcome.Path}': {outcome.Skipped}");
                else WriteObject(outcome.Result);
            }
        }
        catch (Exception ex) when (ex is EncryptionToolsException or ArgumentException)
        {
            Terminate(ex, files[0]);
        }
        finally
        {
            CompleteProgress(Activity);
        }
    }

    private RewrapSettings Settings()
    {
        var (pemFiles, pems, rsaKeys) = Recipients(RecipientPublicKey);
        return new RewrapSettings
        {
            ReplaceWithKeyIds = KeyId is null ? null : [.. KeyId, .. rsaKeys],
            AddKeyIds = KeyId is null ? [.. AddKeyId ?? [], .. rsaKeys] : [.. AddKeyId ?? []],
            RemoveKeyIds = RemoveKeyId ?? [],
            AddRecipientPemFiles = pemFiles,
            AddRecipientPems = pems,
            RemoveRecipientPemFiles = (RemoveRecipientPublicKey ?? []).Select(ResolveOutputPath).ToList(),
            RequiredEncryptionContext = Pairs(ExpectedEncryptionContext),
        };
    }
}
