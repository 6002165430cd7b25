using System.Security.Cryptography;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>Group publishing: files are staged into temporaries, made durable together, audited, then renamed into place.</summary>
internal static partial class FileProtector
{
    // A batch publishes its results in groups: each file's output is written to its temporary file, then a whole group
    // is made durable at once, its audit records are written, and only then are its files renamed into place and their
    // directories synced. Per file that costs a fraction of an fsync; the guarantees per file are unchanged.
    private const int GroupFiles = 128;           // bounded: each staged file holds an open, locked temporary file
    private const long GroupBytes = 64L << 20;    // a large file makes its own group: its flush dwarfs any saving
    private static readonly TimeSpan GroupTime = TimeSpan.FromSeconds(1); // results keep flowing to an interactive user

    private delegate Staged FileWork(FilePlanItem item, BatchState state, Action<FileProgressPhase, long> report, CancellationToken cancellationToken);

    /// <summary>Directories a batch already made or swept of dead writers' temporaries: once each, not once per file.</summary>
    private sealed class BatchState
    {
        private readonly HashSet<string> _created = new(PathComparer);
        private readonly HashSet<string> _swept = new(PathComparer);

        public void CreateDirectory(string directory)
        {
            if (_created.Contains(directory)) return;
            Directory.CreateDirectory(directory);
            _created.Add(directory);
        }

        public AtomicFile CreateOutput(string destination, bool overwrite) =>
            AtomicFile.Create(destination, overwrite, sweep: _swept.Add(Path.GetDirectoryName(Path.GetFullPath(destination))!), unnamed: true);
    }

    /// <summary>One file done but not yet published: its result, and the written temporary file waiting for the group's commit.</summary>
    private sealed record Staged(FileOperationResult Result, AtomicFile? Output = null, UnixFileMode? Mode = null, SourceSnapshot? Original = null);

    /// <summary>A file of the current group: staged, or already an outcome (an error or nothing to publish).</summary>
    private sealed record GroupEntry(FilePlanItem Item, Staged? Staged, FileOutcome? Outcome);

    private static IEnumerable<FileOutcome> Run(IReadOnlyList<FilePlanItem> plan, Action? beforePublish, IProgress<FileProgress>? progress,
        CancellationToken cancellationToken, FileWork work)
    {
        var overallTotal = plan.Where(i => i.Error is null).Sum(i => i.Length);
        long overallDone = 0;
        var state = new BatchState();
        var group = new List<GroupEntry>();
        long groupBytes = 0;
        var groupStarted = DateTime.UtcNow;
        // A group is published on another thread while the next one is staged: its wait for the disk overlaps with work.
        Task<List<FileOutcome>>? publishing = null;
        Exception? stopped = null;
        try
        {
            for (var index = 0; index < plan.Count; index++)
            {
                var item = plan[index];
                var number = index + 1;
                Action<FileProgressPhase, long> report = progress is null
                    ? (_, _) => { }
                    : (phase, done) => progress.Report(new FileProgress(item.Source, phase, done, item.Length, number, plan.Count,
                        overallDone + (phase == FileProgressPhase.Verifying ? item.Length : Math.Min(done, item.Length)), overallTotal));
                if (group.Count == 0) groupStarted = DateTime.UtcNow;
                try
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    group.Add(Stage(item, state, report, cancellationToken, work));
                }
                catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
                {
                    stopped = ex; // the files already published are still reported; the staged ones are dropped
                    break;
                }
                overallDone += item.Error is null ? item.Length : 0;
                groupBytes += item.Length;
                if (index < plan.Count - 1 && group.Count < GroupFiles && groupBytes < GroupBytes && DateTime.UtcNow - groupStarted < GroupTime)
                    continue;
                if (publishing is not null)
                {
                    foreach (var outcome in publishing.GetAwaiter().GetResult()) yield return outcome;
                    publishing = null;
                }
                if (cancellationToken.IsCancellationRequested)
                {
                    stopped = new OperationCanceledException(cancellationToken);
                    break;
                }
                var ready = group.ToList();
                group.Clear();
                groupBytes = 0;
                publishing = Task.Run(() => Publish(ready, beforePublish));
            }
            if (publishing is not null)
            {
                foreach (var outcome in publishing.GetAwaiter().GetResult()) yield return outcome;
                publishing = null;
            }
        }
        finally
        {
            // Stopped, or the caller stopped enumerating: what is being published completes (its files are whole); nothing
            // staged is published and no temporary file remains.
            publishing?.GetAwaiter().GetResult();
            foreach (var entry in group) entry.Staged?.Output?.Dispose();
        }
        if (stopped is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(stopped);
    }

    private static GroupEntry Stage(FilePlanItem item, BatchState state, Action<FileProgressPhase, long> report, CancellationToken cancellationToken, FileWork work)
    {
        if (item.Error is not null) return new GroupEntry(item, null, new FileOutcome(item.Source, item.Destination, null, item.Error));
        try
        {
            return new GroupEntry(item, work(item, state, report, cancellationToken), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // stopping is not one file's error: the batch ends
        }
        catch (Exception ex) when (ToTyped(ex, item) is { } typed)
        {
            return new GroupEntry(item, null, new FileOutcome(item.Source, item.Destination, null, typed));
        }
    }

    /// <summary>
    /// Publishes a group, in order: its outputs made durable together, then <paramref name="beforePublish"/> (the audit
    /// records), then each renamed into place (in place, only if the original is still as it was read), then each
    /// directory synced once. A file that fails any step becomes an error outcome and leaves nothing behind.
    /// </summary>
    private static List<FileOutcome> Publish(List<GroupEntry> group, Action? beforePublish)
    {
        var staged = group.Where(e => e.Staged?.Output is not null).ToList();
        var flushErrors = AtomicFile.FlushToDisk(staged.Select(e => e.Staged!.Output!).ToList());
        EncryptionToolsException? refused = null;
        try
        {
            if (staged.Count > 0) beforePublish?.Invoke();
        }
        catch (EncryptionToolsException ex)
        {
            refused = ex; // the key uses could not be recorded: no output of the group may appear
        }
        var outcomes = new List<FileOutcome>(group.Count);
        var directories = new HashSet<string>(PathComparer);
        var next = 0;
        foreach (var entry in group)
        {
            if (entry.Outcome is not null)
            {
                outcomes.Add(entry.Outcome);
                continue;
            }
            var (result, output, mode, original) = entry.Staged!;
            if (output is null)
            {
                outcomes.Add(new FileOutcome(entry.Item.Source, result.Destination, result, null));
                continue;
            }
            var flushError = flushErrors[next++];
            if (refused is not null)
            {
                output.Dispose();
                var target = result.Destination ?? entry.Item.Source;
                outcomes.Add(new FileOutcome(entry.Item.Source, entry.Item.Destination, null, new EncryptionToolsException(refused.ErrorId, refused.Category,
                    $"'{target}' was not written: {refused.Message}", refused) { Target = target }));
                continue;
            }
            try
            {
                if (flushError is not null) throw flushError is IOException io
                    ? new OutputWriteException($"Cannot write '{result.Destination}': {io.Message}", io) { Target = result.Destination }
                    : flushError;
                original?.Verify(entry.Item.Source); // nothing wrote to the original since it was read and verified
                output.Publish(mode);
                directories.Add(Path.GetDirectoryName(result.Destination!)!);
                outcomes.Add(new FileOutcome(entry.Item.Source, result.Destination, result, null));
            }
            catch (Exception ex) when (ToTyped(ex, entry.Item) is { } typed)
            {
                output.Dispose();
                outcomes.Add(new FileOutcome(entry.Item.Source, entry.Item.Destination, null, typed));
            }
        }
        foreach (var directory in directories) AtomicFile.FsyncDirectory(directory);
        return outcomes;
    }

    /// <summary>Every failure of one file becomes a typed engine error; only programming errors escape.</summary>
    private static EncryptionToolsException? ToTyped(Exception ex, FilePlanItem item)
    {
        var target = item.Destination ?? item.Source;
        return ex switch
        {
            EncryptionToolsException e when IoErrors.IsDiskFull(e) && e is not OutputDiskFullException => new OutputDiskFullException(target, e) { Target = target },
            EncryptionToolsException e => e,
            IOException e when IoErrors.IsDiskFull(e) => new OutputDiskFullException(target, e) { Target = target },
            IOException e => new EncryptionToolsException(ErrorCatalog.FileOperationFailed,
                $"Processing '{item.Source}' failed: {e.Message}", e) { Target = item.Source },
            UnauthorizedAccessException e => new EncryptionToolsException(ErrorCatalog.FileAccessDenied,
                $"Processing '{item.Source}' was refused: {e.Message}", e) { Target = item.Source },
            _ => null,
        };
    }
}
