using System.Collections;
using System.Management.Automation;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module;

/// <summary>
/// Base of the file cmdlets (Protect-File, Unprotect-File, Update-EncFileKey, Get-EncFileInfo, Invoke-EncKeyRotation
/// -Rewrap): one <see cref="FileOperations"/> per invocation, the one route of the file operations (keyrings made once, zeroed at the end), the engine
/// run through <see cref="PipelineRunner"/> so every write happens on the pipeline thread, and progress records.
/// </summary>
public abstract class FileCmdlet : KeyStoreCmdlet, IDisposable
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";
    private const int OverallActivity = 1;
    private const int FileActivity = 2;

    private FileOperations? _session;
    private bool _progressShown;

    protected FileOperations Session => _session ??= CreateSession();

    /// <summary>AWS KMS discovery for this invocation (set by the cmdlets that decrypt, from their parameters); null: strict only.</summary>
    private Engine.Keyrings.DiscoveryFilter? _kmsDiscovery;

    private FileOperations CreateSession()
    {
        var session = new FileOperations(Store);
        if (_kmsDiscovery is not null) session.ExternalKeys = ExternalKeyOptions.FromEnvironment() with { Discovery = _kmsDiscovery };
        return session;
    }

    /// <summary>
    /// Validates -KmsDiscoveryAccountId and -KmsDiscoveryPartition (BeginProcessing: before any input is read) and makes
    /// the invocation's decryptions use discovery; a bad filter stops the cmdlet with KmsInvalidKeyIdentifier.
    /// </summary>
    protected void UseKmsDiscovery(string[]? accountIds, string? partition)
    {
        try
        {
            _kmsDiscovery = KmsDiscovery.From(accountIds, partition, IsBound("KmsDiscoveryPartition"));
        }
        catch (EncryptionToolsException ex)
        {
            Terminate(ex, ex.Target);
        }
    }

    /// <summary>Runs a batch on a worker thread, writing progress here; returns the items as they come.</summary>
    protected IEnumerable<TItem> RunBatch<TItem, TProgress>(Func<IProgress<TProgress>, CancellationToken, IEnumerable<TItem>> work,
        Action<TProgress> writeProgress) where TProgress : class
    {
        foreach (var e in PipelineRunner.Run(work, CancellationToken))
        {
            if (e.IsProgress) writeProgress(e.Progress!);
            else yield return e.Item!;
        }
    }

    /// <summary>
    /// Two progress bars: the whole call by bytes, and the current file by bytes. Pipeline input has no known total
    /// (FileCount 0): the overall bar counts files without a percentage.
    /// </summary>
    protected void WriteFileProgress(string activity, FileProgress p)
    {
        if (!ProgressDue()) return;
        var overall = p.FileCount > 0
            ? new ProgressRecord(OverallActivity, activity, $"File {p.FileNumber} of {p.FileCount}") { PercentComplete = Percent(p.OverallBytesDone, p.OverallBytesTotal) }
            : new ProgressRecord(OverallActivity, activity, $"File {p.FileNumber}, {p.OverallBytesDone:N0} bytes");
        WriteProgress(overall);
        WriteProgress(new ProgressRecord(FileActivity, $"{p.Phase} {System.IO.Path.GetFileName(p.Source)}", $"{p.FileBytesDone:N0} of {p.FileBytesTotal:N0} bytes")
        {
            ParentActivityId = OverallActivity,
            PercentComplete = Percent(p.FileBytesDone, p.FileBytesTotal),
            CurrentOperation = p.Source,
        });
    }

    /// <summary>Header-only batches: progress by files.</summary>
    protected void WriteCountProgress(string activity, FileCountProgress p)
    {
        if (!ProgressDue()) return;
        WriteProgress(new ProgressRecord(OverallActivity, activity, $"File {p.FileNumber} of {p.FileCount}")
        {
            PercentComplete = Percent(p.FileNumber - 1, p.FileCount),
            CurrentOperation = p.Path,
        });
    }

    /// <summary>
    /// At most one progress update per <see cref="ProgressInterval"/>: a record per small file costs more than the file
    /// itself (thousands of 4 KiB files a second), while a person sees no difference.
    /// </summary>
    private bool ProgressDue()
    {
        var now = Environment.TickCount64;
        if (_progressShown && now - _lastProgress < ProgressInterval) return false;
        _progressShown = true;
        _lastProgress = now;
        return true;
    }

    private const long ProgressInterval = 200;
    private long _lastProgress;

    protected void CompleteProgress(string activity)
    {
        if (!_progressShown) return;
        WriteProgress(new ProgressRecord(FileActivity, activity, "Done") { ParentActivityId = OverallActivity, RecordType = ProgressRecordType.Completed });
        WriteProgress(new ProgressRecord(OverallActivity, activity, "Done") { RecordType = ProgressRecordType.Completed });
        _progressShown = false;
    }

    private static int Percent(long done, long total) => total <= 0 ? 100 : (int)Math.Clamp(done * 100 / total, 0, 100);

    /// <summary>A request-level problem (no such key, store locked, bad destination) stops the cmdlet: no file could succeed.</summary>
    protected void Terminate(Exception ex, object? target) => ThrowTerminatingError(ErrorRecordFactory.Create(ex, target));

    /// <summary>A hashtable of strings to an ordinal dictionary (keys and values converted with ToString).</summary>
    protected static Dictionary<string, string>? Pairs(Hashtable? table)
    {
        if (table is null) return null;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
            result[PSObjects.Unwrap(entry.Key)?.ToString() ?? ""] = PSObjects.Unwrap(entry.Value)?.ToString() ?? "";
        return result;
    }

    /// <summary>A path argument resolved against PowerShell's location (never the process's working directory).</summary>
    protected string ResolveOutputPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>
    /// Sorts -RecipientPublicKey values: PEM file paths (strings and FileInfo, resolved against the PowerShell location),
    /// Export-EncKey output (its PublicKeyPem), and EncKey objects of RSA specs (used as store keys).
    /// </summary>
    protected (List<string> PemFiles, List<string> Pems, List<string> KeyIds) Recipients(object[]? values)
    {
        var (files, pems, keys) = (new List<string>(), new List<string>(), new List<string>());
        foreach (var raw in values ?? [])
        {
            switch (PSObjects.Unwrap(raw))
            {
                case null:
                    break;
                case EncKey key when key.KeySpec != KeySpec.SYMMETRIC_DEFAULT:
                    keys.Add(key.KeyId);
                    break;
                case EncKey key:
                    throw new PSArgumentException($"The key {key.KeyId} is symmetric ({key.KeySpec}); -RecipientPublicKey takes RSA keys. Use -KeyId for symmetric keys.", "RecipientPublicKey");
                case EncKeyExport { PublicKeyPem: { } pem }:
                    pems.Add(pem);
                    break;
                case EncKeyExport export:
                    throw new PSArgumentException($"The export of key {export.KeyId} holds no RSA public key.", "RecipientPublicKey");
                case EncKeyPackage { PublicKeyPem: { } packagePem }: // Export-EncKey without -Version: its current version
                    pems.Add(packagePem);
                    break;
                case FileInfo file:
                    files.Add(file.FullName);
                    break;
                case string text when text.Contains("-----BEGIN", StringComparison.Ordinal):
                    pems.Add(text);
                    break;
                case string text:
                    files.Add(ResolveOutputPath(text));
                    break;
                default:
                    throw new PSArgumentException($"-RecipientPublicKey does not take a {raw!.GetType().Name}: give PEM file paths, Export-EncKey -PublicKeyOnly output or RSA EncKey objects.", "RecipientPublicKey");
            }
        }
        return (files, pems, keys);
    }


    /// <summary>One file's outcome of a Protect/Unprotect batch: an object (result or FileInfo), a warning, or an error.</summary>
    protected void WriteOutcome(FileOutcome outcome, bool passThru)
    {
        if (outcome.Error is { } error)
        {
            WriteEngineError(error, outcome.Source);
            return;
        }
        var result = outcome.Result!;
        foreach (var warning in result.Warnings) WriteWarning(warning.ToString());
        if (result.Action == FileAction.Skipped)
        {
            WriteWarning(result.Warning ?? $"'{result.Source}' was skipped.");
            return;
        }
        if (passThru) WriteObject(new FileInfo(result.Destination!));
        else WriteObject(PSObjects.WithLiteralPath(result with { KeyLabels = Session.KeyLabels(result.Keys) }, nameof(FileOperationResult.Destination)));
    }

    private FedBatch? _fed;
    private int _fedGroup;
    private int _fedGroupFiles;

    /// <summary>
    /// Pipeline input: every record's files go into one batch that groups them as they come (so a pipeline publishes
    /// in groups like one call with all the paths), and the results ready so far are written now.
    /// <paramref name="start"/> runs once, at the first record.
    /// </summary>
    protected void Feed(IReadOnlyList<string> files, Func<FileFeed, IProgress<FileProgress>, CancellationToken, IEnumerable<FileOutcome>> start,
        string activity, bool passThru)
    {
        _fed ??= new FedBatch(start, CancellationToken);
        _fed.Add(files);
        WriteFed(_fed.TakeReady(), activity, passThru);
    }

    /// <summary>The rest of a pipeline's batch, in EndProcessing: waits for its last group and writes every result.</summary>
    protected void FinishFeed(string activity, bool passThru)
    {
        if (_fed is null) return;
        try
        {
            WriteFed(_fed.Finish(), activity, passThru);
            EndFedGroup(0);
        }
        catch (Exception ex) when (ex is EncryptionToolsException or ArgumentException)
        {
            Terminate(ex, null);
        }
        finally
        {
            CompleteProgress(activity);
        }
    }

    private void WriteFed(IEnumerable<RunnerEvent<FileOutcome, FileProgress>> events, string activity, bool passThru)
    {
        foreach (var e in events)
        {
            if (e.IsProgress)
            {
                WriteFileProgress(activity, e.Progress!);
                continue;
            }
            var outcome = e.Item!;
            if (outcome.Group != _fedGroup) EndFedGroup(outcome.Group);
            _fedGroupFiles++;
            WriteOutcome(outcome, passThru);
        }
    }

    private void EndFedGroup(int next)
    {
        if (_fedGroup > 0 && _fedGroupFiles > 0)
            WriteVerbose($"Group {_fedGroup}: {_fedGroupFiles} file(s) published together (one flush to disk, one audit append).");
        _fedGroup = next;
        _fedGroupFiles = 0;
    }

    protected override void EndProcessing()
    {
        Dispose();
        base.EndProcessing();
    }

    public void Dispose()
    {
        // The batch first: its worker uses the session's keyrings until it has stopped.
        _fed?.Dispose();
        _fed = null;
        _session?.Dispose();
        _session = null;
        GC.SuppressFinalize(this);
    }
}

/// <summary>A file cmdlet whose input is files: the wildcard and literal path parameters behave the same in each.</summary>
public abstract class FileInputCmdlet : FileCmdlet
{
    // The file cmdlets share their input parameters, so the wildcard and literal forms behave the same everywhere.
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];
}

/// <summary>Protect-File and Unprotect-File: files in, files out, with the same output and overwrite rules.</summary>
public abstract class FileTransformCmdlet : FileInputCmdlet
{
    /// <summary>A file (one input) or a directory (several inputs, pipeline input, or a directory input).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Suffix { get; set; } = FileOperations.DefaultSuffix;

    [Parameter]
    public SwitchParameter Recurse { get; set; }

    [Parameter]
    public SwitchParameter InPlace { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }
}
