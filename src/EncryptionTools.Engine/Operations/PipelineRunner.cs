using System.Collections.Concurrent;
using System.Diagnostics;

namespace EncryptionTools.Engine.Operations;

/// <summary>One thing for the caller's thread to emit: an item (a file's outcome) or the latest progress.</summary>
public readonly record struct RunnerEvent<TItem, TProgress>(TItem? Item, TProgress? Progress) where TProgress : class
{
    public bool IsProgress => Progress is not null;
}

/// <summary>
/// Runs a batch on a worker thread and hands its items and progress back to the calling thread, in order. PowerShell
/// allows WriteObject, WriteError and WriteProgress only on the pipeline thread, while the engine reports progress
/// from its worker threads: the cmdlets enumerate this on the pipeline thread and write each event. Progress is
/// coalesced (only the newest report within an interval is delivered). <c>work</c> itself is called on the caller's
/// thread, at the first MoveNext, so what it does before its items are enumerated (request checks, key resolution,
/// which may warn through the host) happens there; its items are enumerated on the worker. An exception of the work is
/// rethrown on the caller's thread; when the caller stops enumerating (Ctrl+C) the work is cancelled and awaited, so no partial
/// output is left when this returns.
/// </summary>
public static class PipelineRunner
{
    public static readonly TimeSpan DefaultProgressInterval = TimeSpan.FromMilliseconds(200);

    public static IEnumerable<RunnerEvent<TItem, TProgress>> Run<TItem, TProgress>(
        Func<IProgress<TProgress>, CancellationToken, IEnumerable<TItem>> work,
        CancellationToken cancellationToken = default,
        TimeSpan? progressInterval = null) where TProgress : class
    {
        ArgumentNullException.ThrowIfNull(work);
        var interval = progressInterval ?? DefaultProgressInterval;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var queue = new BlockingCollection<TItem>();
        TProgress? latest = null;
        var reporter = new Reporter<TProgress>(p => Volatile.Write(ref latest, p));
        var items = work(reporter, linked.Token);
        var worker = Task.Run(() =>
        {
            try
            {
                foreach (var item in items) queue.Add(item, CancellationToken.None);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero - interval;
        try
        {
            while (true)
            {
                var took = queue.TryTake(out var item, (int)Math.Max(10, interval.TotalMilliseconds / 2));
                var progress = Interlocked.Exchange(ref latest, null);
                if (progress is not null && (took || clock.Elapsed - lastProgress >= interval))
                {
                    lastProgress = clock.Elapsed;
                    yield return new RunnerEvent<TItem, TProgress>(default, progress);
                }
                else if (progress is not null)
                {
                    Interlocked.CompareExchange(ref latest, progress, null); // keep it for the next turn
                }
                if (took)
                {
                    yield return new RunnerEvent<TItem, TProgress>(item, null);
                    continue;
                }
                if (queue.IsCompleted) break;
            }
        }
        finally
        {
            // Stopped early (Ctrl+C, or the caller stopped enumerating): cancel and wait, so the engine removes its partial output first.
            if (!worker.IsCompleted) linked.Cancel();
            try { worker.Wait(CancellationToken.None); }
            catch (AggregateException) when (linked.IsCancellationRequested && !cancellationToken.IsCancellationRequested) { }
            catch (AggregateException) { /* rethrown below when it matters */ }
        }
        if (worker.Exception is { } failure)
        {
            var inner = failure.InnerExceptions.Count == 1 ? failure.InnerExceptions[0] : failure;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
