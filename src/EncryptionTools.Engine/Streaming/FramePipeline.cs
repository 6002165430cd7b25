using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace EncryptionTools.Engine.Streaming;

/// <summary>One unit of parallel work: a run of consecutive frames, with its input and output buffers.</summary>
internal sealed class Batch
{
    public Batch(int inputCapacity, int outputCapacity, int maxFrames)
    {
        Input = new byte[inputCapacity];
        Output = new byte[outputCapacity];
        Frames = new FrameSlot[maxFrames];
    }

    public byte[] Input;
    public byte[] Output;
    public int InputLength;
    public int OutputLength;
    public uint FirstSequence;
    public bool ContainsFinal;
    /// <summary>Decryption only: where each frame's parts lie in <see cref="Input"/>.</summary>
    public FrameSlot[] Frames;
    public int FrameCount;

    /// <summary>How far each buffer has ever been filled: <see cref="Wipe"/> clears up to here.</summary>
    private int _inputHighWater, _outputHighWater;

    /// <summary>
    /// Readies the batch for reuse. The buffers are not wiped here: the next batch overwrites them, and
    /// <see cref="Wipe"/> clears everything they ever held when the operation ends (a wipe per reuse cost about
    /// 2 bytes of memset per byte of plaintext; see docs/performance.md).
    /// </summary>
    public void Reset()
    {
        _inputHighWater = Math.Max(_inputHighWater, InputLength);
        _outputHighWater = Math.Max(_outputHighWater, OutputLength);
        InputLength = OutputLength = FrameCount = 0;
        ContainsFinal = false;
    }

    /// <summary>Plaintext passed through these buffers: wipe all of it before the buffers are released.</summary>
    public void Wipe()
    {
        Reset();
        CryptographicOperations.ZeroMemory(Input.AsSpan(0, _inputHighWater));
        CryptographicOperations.ZeroMemory(Output.AsSpan(0, _outputHighWater));
        _inputHighWater = _outputHighWater = 0;
    }
}

internal struct FrameSlot
{
    public uint Sequence;
    public bool Final;
    public int IvOffset;
    public int ContentOffset;
    public int ContentLength;
    public int TagOffset;
}

/// <summary>
/// Reader → parallel frame crypto → ordered writer. The caller's thread reads and posts batch tasks into a
/// bounded channel; one writer task awaits them in order. The channel's bound and the batch pool keep memory
/// constant whatever the input size.
/// </summary>
internal sealed class FramePipeline : IDisposable
{
    private readonly Channel<(Task<Batch> Work, Task? Gate)> _channel;
    private readonly ConcurrentBag<Batch> _pool = new();
    private readonly Func<Batch> _factory;
    private readonly CancellationTokenSource _cts;
    private readonly Task _writer;
    private readonly List<Batch> _all = new();
    private readonly List<Task> _posted = new();

    public FramePipeline(Stream output, int maxInFlight, Func<Batch> factory, IProgress<long>? progress, Func<Batch, long> progressBytes, CancellationToken cancellationToken)
    {
        _factory = factory;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _channel = Channel.CreateBounded<(Task<Batch>, Task?)>(new BoundedChannelOptions(Math.Max(1, maxInFlight))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var token = _cts.Token;
        _writer = Task.Run(async () =>
        {
            long done = 0;
            try
            {
                await foreach (var (work, gate) in _channel.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    var batch = await work.ConfigureAwait(false);
                    if (gate is not null) await gate.ConfigureAwait(false);
                    await output.WriteAsync(batch.Output.AsMemory(0, batch.OutputLength), token).ConfigureAwait(false);
                    done += progressBytes(batch);
                    progress?.Report(done);
                    Return(batch);
                }
            }
            catch
            {
                _cts.Cancel(); // stops the reader promptly
                throw;
            }
        }, token);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>
    /// For the reader's loop: throws once the pipeline has stopped, with the writer's or a worker's failure when that
    /// is what stopped it, so a tampered frame is reported as such and not as the cancellation it triggered.
    /// </summary>
    public void ThrowIfStopped()
    {
        if (!_cts.IsCancellationRequested) return;
        ThrowWriterFailure();
        _cts.Token.ThrowIfCancellationRequested();
    }

    public Batch Rent()
    {
        if (_pool.TryTake(out var batch)) return batch;
        batch = _factory();
        lock (_all) _all.Add(batch);
        return batch;
    }

    public void Return(Batch batch)
    {
        batch.Reset();
        _pool.Add(batch);
    }

    /// <summary>Starts the work on the thread pool and queues it for the writer; blocks while the pipeline is full.</summary>
    public void Post(Batch batch, Action<Batch> work, Task? gate = null)
    {
        var task = Task.Run(() => { work(batch); return batch; }, _cts.Token);
        _posted.RemoveAll(t => t.IsCompleted);
        _posted.Add(task);
        try
        {
            _channel.Writer.WriteAsync((task, gate), _cts.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            ThrowWriterFailure();
            throw;
        }
    }

    /// <summary>Waits for every posted batch to be written; rethrows the first real failure.</summary>
    public void Complete()
    {
        _channel.Writer.TryComplete();
        try
        {
            _writer.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            ThrowWriterFailure();
            throw;
        }
    }

    /// <summary>Stops the pipeline after a reader-side failure and waits for the writer to let go of the output.</summary>
    public void Abort()
    {
        _cts.Cancel();
        _channel.Writer.TryComplete();
        try { _writer.Wait(); } catch { /* the reader's own error is the one reported */ }
        // Workers may still hold batches; let them finish before the buffers are wiped.
        try { Task.WaitAll(_posted.ToArray()); } catch { /* already reported or cancelled */ }
    }

    private void ThrowWriterFailure()
    {
        // A cancelled channel usually means the writer or a worker failed: report that cause, not the cancellation.
        if (_writer.IsFaulted || (_writer.IsCompleted && !_writer.IsCanceled))
            _writer.GetAwaiter().GetResult();
        try { _writer.Wait(); }
        catch (AggregateException ex)
        {
            var real = ex.Flatten().InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException);
            if (real is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(real).Throw();
        }
    }

    public void Dispose()
    {
        _cts.Dispose();
        lock (_all)
        {
            foreach (var batch in _all) batch.Wipe();
        }
    }
}
