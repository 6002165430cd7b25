using System.Management.Automation;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>
/// Rotates keys on demand: a new version encrypts from now on; every older version still decrypts. With -Rewrap and
/// files (-Path, -LiteralPath or the pipeline), then rewraps every file whose data key was wrapped under an older
/// version of the key, header only.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "EncKeyRotation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = KeySet, HelpUri = HelpLinks.DocsBase + "Invoke-EncKeyRotation.md")]
[OutputType(typeof(EncKey), typeof(RewrapResult))]
public sealed class InvokeEncKeyRotationCommand : FileCmdlet
{
    private const string KeySet = "Key";
    private const string Activity = "Invoke-EncKeyRotation -Rewrap";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = KeySet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = LiteralPathSet)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string[] KeyId { get; set; } = [];

    /// <summary>Files to rewrap after the rotation (wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Rewrap the files that used an older version of the key under its new version.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    public SwitchParameter Rewrap { get; set; }

    private readonly List<string> _files = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName == KeySet)
        {
            foreach (var id in KeyId)
            {
                if (!ShouldProcess(id, "Rotate key (new material encrypts from now on)")) continue;
                ForItem(id, () => WriteObject(Store.RotateKey(id)));
            }
            return;
        }
        // Files come one by one from the pipeline: collect them, rotate once at the end, then rewrap them all.
        var literal = ParameterSetName == LiteralPathSet;
        _files.AddRange(ResolveFileSystemPaths(literal ? LiteralPath : Path, literal).Where(File.Exists));
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName != KeySet)
        {
            foreach (var id in KeyId)
            {
                if (!ShouldProcess(id, $"Rotate key, then rewrap the {_files.Count} file(s) that use an older version")) continue;
                try
                {
                    var rotation = Session.RotateAndRewrap(id, _files);
                    var key = rotation.Key;
                    WriteObject(key);
                    foreach (var outcome in RunBatch<RewrapOutcome, FileCountProgress>(rotation.Rewrap, p => WriteCountProgress(Activity, p)))
                    {
                        foreach (var warning in outcome.Warnings) WriteWarning(warning.ToString());
                        if (outcome.Error is not null) WriteEngineError(outcome.Error, outcome.Path);
                        else if (outcome.Skipped is not null) WriteVerbose($"'{outcome.Path}': no data key under an older version of {key.KeyId}; unchanged");
                        else WriteObject(outcome.Result);
                    }
                }
                catch (EncryptionToolsException ex)
                {
                    WriteEngineError(ex, id);
                }
                finally
                {
                    CompleteProgress(Activity);
                }
            }
        }
        base.EndProcessing();
    }
}
