using EncryptionTools.Engine.Operations;

namespace EncryptionTools.Tests.Operations;

/// <summary>The runner the cmdlets use to keep every pipeline write on the calling thread.</summary>
public class PipelineRunnerTests
{
    [Fact]
    public void ItemsArriveInOrderOnTheCallingThreadWithProgress()
    {
        var caller = Environment.CurrentManagedThreadId;
        var seen = new List<int>();
        var progressThreads = new List<int>();
        foreach (var e in PipelineRunner.Run<int, string>((p, ct) => Work(p), progressInterval: TimeSpan.FromMilliseconds(1)))
        {
            Assert.Equal(caller, Environment.CurrentManagedThreadId);
            if (e.IsProgress) progressThreads.Add(Environment.CurrentManagedThreadId);
            else seen.Add(e.Item);
        }
        Assert.Equal(Enumerable.Range(0, 20), seen);
        Assert.NotEmpty(progressThreads);

        static IEnumerable<int> Work(IProgress<string> progress)
        {
            for (var i = 0; i < 20; i++)
            {
                progress.Report("item " + i);
                Thread.Sleep(2);
                yield return i;
            }
        }
    }

    [Fact]
    public void AnExceptionOfTheWorkIsRethrownOnTheCaller()
    {
        var items = new List<int>();
        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var e in PipelineRunner.Run<int, string>((_, _) => Failing())) items.Add(e.Item);
        });
        Assert.Equal("boom", ex.Message);
        Assert.Equal([1], items);

        static IEnumerable<int> Failing()
        {
            yield return 1;
            throw new InvalidOperationException("boom");
        }
    }

    [Fact]
    public void CancellingWaitsForTheWorkToStopThenThrows()
    {
        using var cts = new CancellationTokenSource();
        var finished = false;
        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (var e in PipelineRunner.Run<int, string>((_, ct) => Endless(ct), cts.Token))
                if (e.Item == 3) cts.Cancel();
        });
        Assert.True(finished, "the work had not finished cleaning up when the runner returned");

        IEnumerable<int> Endless(CancellationToken ct)
        {
            try
            {
                for (var i = 0; ; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    Thread.Sleep(1);
                    yield return i;
                }
            }
            finally
            {
                Thread.Sleep(50);
                finished = true;
            }
        }
    }
}
