using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Encrypts files with envelope encryption in the AWS Encryption SDK message format: each file gets a fresh data key,
/// wrapped once per master key (-KeyId) and per RSA public key (-RecipientPublicKey); with neither, the
/// module-managed default key. Output: one <see cref="FileOperationResult"/> per file, or its FileInfo with -PassThru.
/// </summary>
[Cmdlet(VerbsSecurity.Protect, "File", SupportsShouldProcess = true, DefaultParameterSetName = PathSet, HelpUri = HelpLinks.DocsBase + "Protect-File.md")]
[OutputType(typeof(FileOperationResult), typeof(FileInfo))]
public sealed class ProtectFileCommand : FileTransformCmdlet
{
    private const string Activity = "Protect-File";

    /// <summary>Master keys of the store (ids, aliases, ARNs or key objects); each one gets its own EDK.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [ValidateNotNullOrEmpty]
    [Alias("Id")]
    public string[]? KeyId { get; set; }

    /// <summary>RSA public keys: PEM file paths, Export-EncKey -PublicKeyOnly output, or RSA EncKey objects.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? RecipientPublicKey { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(EncryptionContextCompleter))]
    public Hashtable? EncryptionContext { get; set; }

    [Parameter]
    [ValidateRange(1, EncryptOptions.MaxFrameLength)]
    public int FrameSize { get; set; } = EncryptOptions.DefaultFrameLength;

    /// <summary>Write signed messages (suite 0x0578, ECDSA P-384): readers can tell the file was not forged by another reader.</summary>
    [Parameter]
    public SwitchParameter Signed { get; set; }

    private FileKeys? _keys;

    protected override void ProcessRecord()
    {
        var literal = ParameterSetName == LiteralPathSet;
        var inputs = ResolveFileSystemPaths(literal ? LiteralPath : Path, literal).ToList();
        if (inputs.Count == 0) return;
        try
        {
            _keys ??= Keys();
        }
        catch (PSArgumentException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, Engine.ErrorCatalog.InvalidRecipientPublicKey.Id, ErrorRecordFactory.Map(Engine.ErrorCatalog.InvalidRecipientPublicKey.Category), RecipientPublicKey));
        }
        var destination = Destination is null ? null : ResolveOutputPath(Destination);
        // In a pipeline each file comes alone: a destination is then a directory, or the second file would collide.
        if (destination is not null && (MyInvocation.ExpectingInput || inputs.Count > 1) && !destination.EndsWith(System.IO.Path.DirectorySeparatorChar))
            destination += System.IO.Path.DirectorySeparatorChar;
        var options = new ProtectRequest
        {
            Keyrings = [],
            EncryptionContext = Pairs(EncryptionContext) ?? Engine.Format.EncryptionContext.Empty,
            FrameLength = FrameSize,
            Signed = Signed,
            Destination = destination,
            Suffix = Suffix,
            InPlace = InPlace,
            Recurse = Recurse,
            Force = Force,
        };
        var accepted = inputs.Where(i => ShouldProcess(i, InPlace ? "Encrypt in place" : $"Encrypt to {Describe(i, destination)}")).ToList();
        if (accepted.Count == 0) return;
        if (MyInvocation.ExpectingInput)
        {
            // Pipeline input: one batch for the whole pipeline, grouped as records come, not one batch per record.
            try
            {
                Feed(accepted, (feed, p, ct) => Session.Protect(feed, _keys!, options, p, ct), Activity, PassThru);
            }
            catch (Exception ex) when (ex is EncryptionToolsException or ArgumentException)
            {
                Terminate(ex, inputs[0]);
            }
            return;
        }
        try
        {
            foreach (var outcome in RunBatch<FileOutcome, FileProgress>((p, ct) => Session.Protect(accepted, _keys!, options, p, ct), p => WriteFileProgress(Activity, p)))
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

    private string Describe(string input, string? destination) =>
        destination ?? (Directory.Exists(input) ? $"'*{Suffix}' files beside each file under '{input}'" : $"'{input}{Suffix}'");

    private FileKeys Keys()
    {
        var (files, pems, rsaKeys) = Recipients(RecipientPublicKey);
        return new FileKeys
        {
            KeyIds = [.. KeyId ?? [], .. rsaKeys],
            RecipientPemFiles = files,
            RecipientPems = pems,
        };
    }
}
