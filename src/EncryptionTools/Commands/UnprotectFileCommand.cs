using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Decrypts files: the keys are found from each file's encrypted data keys in the key store (symmetric keys and RSA
/// private keys alike), so no -KeyId is needed; -KeyId restricts decryption to those keys. Nothing is written unless
/// the whole message authenticates and its encryption context holds every -ExpectedEncryptionContext pair.
/// </summary>
[Cmdlet(VerbsSecurity.Unprotect, "File", SupportsShouldProcess = true, DefaultParameterSetName = PathSet, HelpUri = HelpLinks.DocsBase + "Unprotect-File.md")]
[OutputType(typeof(FileOperationResult), typeof(FileInfo))]
public sealed class UnprotectFileCommand : FileTransformCmdlet
{
    private const string Activity = "Unprotect-File";

    /// <summary>Strict mode: only these keys may decrypt (ids, aliases, ARNs or key objects).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [ValidateNotNullOrEmpty]
    [Alias("Id")]
    public string[]? KeyId { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(EncryptionContextCompleter))]
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

    protected override void ProcessRecord()
    {
        var literal = ParameterSetName == LiteralPathSet;
        var inputs = ResolveFileSystemPaths(literal ? LiteralPath : Path, literal).ToList();
        if (inputs.Count == 0) return;
        var destination = Destination is null ? null : ResolveOutputPath(Destination);
        if (destination is not null && (MyInvocation.ExpectingInput || inputs.Count > 1) && !destination.EndsWith(System.IO.Path.DirectorySeparatorChar))
            destination += System.IO.Path.DirectorySeparatorChar;
        var options = new UnprotectRequest
        {
            Keyrings = [],
            RequiredEncryptionContext = Pairs(ExpectedEncryptionContext),
            Destination = destination,
            Suffix = Suffix,
            InPlace = InPlace,
            Recurse = Recurse,
            Force = Force,
        };
        var accepted = inputs.Where(i => ShouldProcess(i, InPlace ? "Decrypt in place" : destination is null ? "Decrypt" : $"Decrypt to {destination}")).ToList();
        if (accepted.Count == 0) return;
        if (MyInvocation.ExpectingInput)
        {
            // Pipeline input: one batch for the whole pipeline, grouped as records come, not one batch per record.
            try
            {
                Feed(accepted, (feed, p, ct) => Session.Unprotect(feed, KeyId, options, p, ct), Activity, PassThru);
            }
            catch (Exception ex) when (ex is EncryptionToolsException or ArgumentException)
            {
                Terminate(ex, inputs[0]);
            }
            return;
        }
        try
        {
            foreach (var outcome in RunBatch<FileOutcome, FileProgress>((p, ct) => Session.Unprotect(accepted, KeyId, options, p, ct), p => WriteFileProgress(Activity, p)))
                WriteOutcome(outcome, PassThru);
        }
        catch (Exception ex) when (ex is EncryptionToolsException or ArgumentException)
        {
            Terminate(ex, inputs[0]);
        }
        finally
        {
            CompleteProgress(Activity);
        }
    }

    protected override void EndProcessing()
    {
        FinishFeed(Activity, PassThru);
        base.EndProcessing();
    }
}
