using System.Collections.Concurrent;
using System.Diagnostics;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;

namespace EncryptionTools.Module;

/// <summary>
/// One batch for a whole pipeline of file input: ProcessRecord adds each record's files and writes whatever results are
/// ready, EndProcessing completes the feed and writes the rest, and Dispose (also after Ctrl+C, when EndProcessing never
/// runs) cancels and waits, so the engine has removed every staged temporary before the cmdlet is gone. The engine
/// works on a worker thread, grouping files as they come; every write to PowerShell happens on the pipeline thread.
/// </summary>
internal sealed class FedBatch : IDisposable
{
    private static readonly TimeSpan ProgressInterval = PipelineRunner.DefaultProgressInterval;

    private readonly FileFeed _feed = new();
    private readonly BlockingCollection<FileOutcome> _outcomes = new();
    private readonly CancellationTokenSource _cancel;
    private readonly Task _worker;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastProgress = -ProgressInterval;
    private FileProgress? _latest;

    /// <summary>
    /// Starts the batch. <paramref name="start"/> runs here, so a request that cannot work (bad suffix, InPlace with a
    /// destination) throws on the pipeline thread before anything is read.
    /// </summary>
    public FedBatch(Func<FileFeed, IProgress<FileProgress>, CancellationToken, IEnumerable<FileOutcome>> start, CancellationToken stopping)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        IEnumerable<FileOutcome> outcomes;
        try
        {
            outcomes = start(_feed, new Reporter(p => Volatile.Write(ref _latest, p)), _cancel.Token);
        }
        catch
        {
            _cancel.Dispose();
            _feed.Dispose();
            throw;
        }
        _worker = Task.Run(() =>
        {
            try
            {
                foreach (var outcome in outcomes) _outcomes.Add(outcome, CancellationToken.None);
            }
            finally
            {
                _outcomes.CompleteAdding();
            }
        }, CancellationToken.None);
    }

    public void Add(IEnumerable<string> paths) => _feed.AddRange(paths);

    /// <summary>What is ready now, without waiting: outcomes in order and, at most every 200 ms, the newest progress.</summary>
    public IEnumerable<RunnerEvent<FileOutcome, FileProgress>> TakeReady()
    {
        if (Progress() is { } progress) yield return progress;
        while (_outcomes.TryTake(out var outcome)) yield return new RunnerEvent<FileOutcome, FileProgress>(outcome, null);
        ThrowIfFailed();
    }

    /// <summary>Completes the feed and returns everything else as it comes; a failure of the batch is rethrown here.</summary>
    public IEnumerable<RunnerEvent<FileOutcome, FileProgress>> Finish()
    {
        _feed.Complete();
        while (!_outcomes.IsCompleted)
        {
            if (_outcomes.TryTake(out var outcome, 100)) yield return new RunnerEvent<FileOutcome, FileProgress>(outcome, null);
            if (Progress() is { } progress) yield return progress;
        }
        try { _worker.Wait(CancellationToken.None); }
        catch (AggregateException) { /* rethrown below */ }
        ThrowIfFailed();
    }

    private RunnerEvent<FileOutcome, FileProgress>? Progress()
    {
        if (_clock.Elapsed - _lastProgress < ProgressInterval) return null;
        var latest = Interlocked.Exchange(ref _latest, null);
        if (latest is null) return null;
        _lastProgress = _clock.Elapsed;
        return new RunnerEvent<FileOutcome, FileProgress>(null, latest);
    }

    private void ThrowIfFailed()
    {
        if (!_worker.IsFaulted) return;
        var failure = _worker.Exception!;
        var inner = failure.InnerExceptions.Count == 1 ? failure.InnerExceptions[0] : failure;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
    }

    /// <summary>Stops the batch if it still runs and waits for it: staged files are dropped, published ones stay whole.</summary>
    public void Dispose()
    {
        if (!_worker.IsCompleted)
        {
            _cancel.Cancel();
            _feed.Complete();
        }
        try { _worker.Wait(CancellationToken.None); }
        catch (AggregateException) { /* cancelled, or already reported */ }
        _cancel.Dispose();
        _feed.Dispose();
        _outcomes.Dispose();
    }

    private sealed class Reporter(Action<FileProgress> report) : IProgress<FileProgress>
    {
        public void Report(FileProgress value) => report(value);
    }
}
