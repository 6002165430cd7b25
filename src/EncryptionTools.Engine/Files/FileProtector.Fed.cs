using System.Collections.Concurrent;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// Paths given to a batch while it runs (a PowerShell pipeline hands files over one by one): the caller adds them
/// and completes the feed; the batch groups them as they come. Thread-safe; <see cref="Add"/> never blocks.
/// </summary>
public sealed class FileFeed : IDisposable
{
    private readonly BlockingCollection<string> _paths = new();

    public void Add(string path) => _paths.Add(path ?? throw new ArgumentNullException(nameof(path)));

    public void AddRange(IEnumerable<string> paths)
    {
        foreach (var path in paths) Add(path);
    }

    /// <summary>No more paths: the batch publishes what it holds and ends.</summary>
    public void Complete() => _paths.CompleteAdding();

    internal bool IsCompleted => _paths.IsCompleted;

    /// <summary>The next path, waiting at most <paramref name="wait"/> (infinite: until one comes or the feed completes).</summary>
    internal bool TryTake(out string path, TimeSpan wait, CancellationToken cancellationToken)
    {
        var ms = wait == Timeout.InfiniteTimeSpan ? Timeout.Infinite : (int)Math.Clamp(wait.TotalMilliseconds, 0, int.MaxValue);
        return _paths.TryTake(out path!, ms, cancellationToken);
    }

    public void Dispose() => _paths.Dispose();
}

internal static partial class FileProtector
{
    /// <summary>
    /// Encrypts the files of a feed as they come, in groups (the same publishing as a batch of known paths): a group is
    /// published when it is full, when it has waited <see cref="GroupTime"/> since its first file, or when the feed
    /// completes, so results keep coming while the feed is slow. A source added twice is processed once; two sources
    /// that map to the same destination: the second is refused (<see cref="DestinationClashException"/>). Request-level
    /// mistakes throw here, before any file is read. Progress reports a FileCount and OverallBytesTotal of 0 (unknown).
    /// </summary>
    public static IEnumerable<FileOutcome> ProtectFeed(FileFeed feed, ProtectRequest request,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feed);
        ValidateProtectRequest(request);
        Plan([], request, encrypting: true); // the request-level checks (suffix, InPlace with Destination)
        return RunFed(feed, request, encrypting: true, request.BeforePublish, progress, cancellationToken, (item, state, p, ct) =>
        {
            request.BeforeEachFile?.Invoke(item.Source);
            return ProtectItem(item, request, state, p, ct);
        });
    }

    /// <summary>Decrypts the files of a feed as they come; see <see cref="ProtectFeed"/>.</summary>
    public static IEnumerable<FileOutcome> UnprotectFeed(FileFeed feed, UnprotectRequest request,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Keyrings is null) throw new ArgumentException("Keyrings are needed to decrypt.", nameof(request));
        Plan([], request, encrypting: false);
        return RunFed(feed, request, encrypting: false, request.BeforePublish, progress, cancellationToken, (item, state, p, ct) =>
        {
            request.BeforeEachFile?.Invoke(item.Source);
            return UnprotectItem(item, request, state, p, ct);
        });
    }

    /// <summary>
    /// <see cref="Run"/> for a feed: each path is planned when it arrives (against the sources and destinations planned
    /// before it), staged into the current group, and the group is published on the same rules plus a deadline, so a
    /// group never waits for input longer than <see cref="GroupTime"/>. Outcomes carry their group's number.
    /// </summary>
    private static IEnumerable<FileOutcome> RunFed(FileFeed feed, FileOperationOptions options, bool encrypting, Action? beforePublish,
        IProgress<FileProgress>? progress, CancellationToken cancellationToken, FileWork work)
    {
        var seen = new HashSet<string>(PathComparer);
        var targets = new HashSet<string>(PathComparer);
        var state = new BatchState();
        var group = new List<GroupEntry>();
        var pending = new Queue<FilePlanItem>();
        long groupBytes = 0, overallDone = 0;
        var number = 0;
        var groupNumber = 0;
        var groupStarted = DateTime.UtcNow;
        Task<List<FileOutcome>>? publishing = null;
        var publishingNumber = 0;
        Exception? stopped = null;
        try
        {
            while (true)
            {
                // Publishing done meanwhile: its results go out now, not when the next group is ready.
                if (publishing is { IsCompleted: true })
                {
                    foreach (var outcome in publishing.GetAwaiter().GetResult()) yield return outcome with { Group = publishingNumber };
                    publishing = null;
                }
                var ended = false;
                if (pending.Count == 0)
                {
                    var wait = group.Count > 0 ? groupStarted + GroupTime - DateTime.UtcNow
                        : publishing is not null ? TimeSpan.FromMilliseconds(50)
                        : Timeout.InfiniteTimeSpan;
                    if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero) wait = TimeSpan.Zero;
                    bool took;
                    string path = "";
                    try
                    {
                        took = feed.TryTake(out path, wait, cancellationToken);
                    }
                    catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
                    {
                        stopped = ex;
                        break;
                    }
                    if (took)
                    {
                        try
                        {
                            foreach (var planned in Plan([path], options, encrypting, seen, targets)) pending.Enqueue(planned);
                        }
                        catch (InvalidDestinationException ex)
                        {
                            pending.Enqueue(new FilePlanItem(Path.GetFullPath(path), null, 0, false, ex.Target is null ? WithTargetOf(ex, path) : ex));
                        }
                    }
                    else if (feed.IsCompleted) ended = true;
                    else if (group.Count == 0) continue; // nothing staged: keep waiting (and emitting published results)
                }

                if (pending.Count > 0)
                {
                    var item = pending.Dequeue();
                    var n = ++number;
                    var doneBefore = overallDone;
                    Action<FileProgressPhase, long> report = progress is null
                        ? (_, _) => { }
                        : (phase, done) => progress.Report(new FileProgress(item.Source, phase, done, item.Length, n, 0,
                            doneBefore + (phase == FileProgressPhase.Verifying ? item.Length : Math.Min(done, item.Length)), 0));
                    if (group.Count == 0) groupStarted = DateTime.UtcNow;
                    try
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        group.Add(Stage(item, state, report, cancellationToken, work));
                    }
                    catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
                    {
                        stopped = ex;
                        break;
                    }
                    overallDone += item.Error is null ? item.Length : 0;
                    groupBytes += item.Length;
                    if (group.Count < GroupFiles && groupBytes < GroupBytes && DateTime.UtcNow - groupStarted < GroupTime) continue;
                }
                else if (!ended && (group.Count == 0 || DateTime.UtcNow - groupStarted < GroupTime))
                {
                    continue;
                }

                // Publish the group (full, out of time, or the feed ended), after the one before it.
                if (publishing is not null)
                {
                    foreach (var outcome in publishing.GetAwaiter().GetResult()) yield return outcome with { Group = publishingNumber };
                    publishing = null;
                }
                if (cancellationToken.IsCancellationRequested)
                {
                    stopped = new OperationCanceledException(cancellationToken);
                    break;
                }
                if (group.Count > 0)
                {
                    var ready = group.ToList();
                    group.Clear();
                    groupBytes = 0;
                    publishingNumber = ++groupNumber;
                    publishing = Task.Run(() => Publish(ready, beforePublish));
                }
                if (ended) break;
            }
            if (publishing is not null)
            {
                foreach (var outcome in publishing.GetAwaiter().GetResult()) yield return outcome with { Group = publishingNumber };
                publishing = null;
            }
        }
        finally
        {
            // As in Run: what is being published completes (its files are whole); nothing staged is published, and no
            // temporary file remains.
            publishing?.GetAwaiter().GetResult();
            foreach (var entry in group) entry.Staged?.Output?.Dispose();
        }
        if (stopped is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(stopped);
    }

    private static InvalidDestinationException WithTargetOf(InvalidDestinationException ex, string path) => new(ex.Message) { Target = path };
}
