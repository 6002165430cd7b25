using System.Buffers;
using System.Security.Cryptography;
using System.Runtime.ExceptionServices;

namespace EncryptionTools.Engine.Streaming;

/// <summary>
/// One unit of parallel work: a run of consecutive frames, with its input and output buffers. The buffers come from the
/// shared array pool (fresh 1 MiB arrays for every small file cost more than encrypting it: allocation, zeroing and
/// garbage collection) and go back wiped (<see cref="Release"/>). They may be longer than asked for; callers use the
/// capacities they asked for, never the arrays' lengths.
/// </summary>
internal sealed class Batch
{
    public Batch(int inputCapacity, int outputCapacity, int maxFrames)
    {
        Input = ArrayPool<byte>.Shared.Rent(inputCapacity);
        Output = ArrayPool<byte>.Shared.Rent(outputCapacity);
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

    /// <summary>Wipes the buffers and gives them back to the pool; the batch is not used again.</summary>
    public void Release()
    {
        Wipe();
        ArrayPool<byte>.Shared.Return(Input);
        ArrayPool<byte>.Shared.Return(Output);
        Input = Output = [];
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
/// Reader → parallel frame crypto → ordered writer, on threads of its own. The caller's thread reads and posts
/// batches; <c>degree</c> worker threads run the frame work; one writer thread writes the batches in order and returns
/// them to the pool. A fixed number of batches bounds memory whatever the input size.
/// </summary>
/// <remarks>
/// The threads block on monitors and never spin. The earlier design (thread-pool tasks, a channel, async waits)
/// spun in the thread pool and in every blocking wait for each 1 MiB batch: on a 2-core machine that cost about
/// a third of the CPU time of a file encryption, and far more when the cores were shared (docs/performance.md).
/// </remarks>
internal sealed class FramePipeline : IDisposable
{
    private sealed class Job(Batch batch, Action<Batch> work, Task? gate)
    {
        public readonly Batch Batch = batch;
        public readonly Action<Batch> Work = work;
        public readonly Task? Gate = gate;
        public bool Done;             // guarded by lock (this)
        public Exception? Error;      // written before Done
    }

    private readonly Stream _output;
    private readonly Func<Batch> _factory;
    private readonly IProgress<long>? _progress;
    private readonly Func<Batch, long> _progressBytes;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationTokenRegistration _stopOnCancel;
    private readonly int _maxBatches;

    // Each lock has one kind of waiter: workers wait on _todo, the writer on _ordered (and on a job), the reader on _pool.
    private readonly Queue<Job> _todo = new();
    private bool _todoClosed;
    private readonly Queue<Job> _ordered = new();
    private bool _orderedClosed;
    private readonly Stack<Batch> _pool = new();
    private readonly List<Batch> _all = new();

    private readonly int _degree;
    private bool _started;
    private int _workersRunning;    // guarded by lock (_todo)
    private bool _writerRunning;    // guarded by lock (_ordered)
    private Job? _inline; // the only batch of a one-batch message, run by Complete
    private volatile bool _stopped;
    private Exception? _failure;
    private bool _shutDown;
    private volatile bool _drained; // the writer wrote every posted batch and found the queue closed

    public FramePipeline(Stream output, int degree, int maxInFlight, Func<Batch> factory, IProgress<long>? progress,
        Func<Batch, long> progressBytes, CancellationToken cancellationToken)
    {
        _output = output;
        _factory = factory;
        _progress = progress;
        _progressBytes = progressBytes;
        // In flight: up to maxInFlight posted batches, plus the two the reader may hold (the current one and its look-ahead).
        _maxBatches = Math.Max(1, maxInFlight) + 2;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _stopOnCancel = _cts.Token.UnsafeRegister(static state => ((FramePipeline)state!).Stop(), this);
        _degree = Math.Max(1, degree);
    }

    /// <summary>
    /// The threads start with the first batch that is not the message's last: a message of one batch (most small
    /// files) is done on the caller's thread in <see cref="Complete"/>, without the cost of starting threads.
    /// </summary>
    private void StartThreads()
    {
        _started = true;
        _workersRunning = _degree;
        _writerRunning = true;
        for (var i = 0; i < _degree; i++)
        {
            FrameThreads.Run(() =>
            {
                try { WorkerLoop(); }
                finally
                {
                    lock (_todo)
                    {
                        _workersRunning--;
                        Monitor.PulseAll(_todo);
                    }
                }
            });
        }
        FrameThreads.Run(() =>
        {
            try { WriterLoop(); }
            finally
            {
                lock (_ordered)
                {
                    _writerRunning = false;
                    Monitor.PulseAll(_ordered);
                }
            }
        });
    }

    /// <summary>Waits until the writer loop has returned (it records any failure first).</summary>
    private void JoinWriter()
    {
        if (!_started) return;
        lock (_ordered)
        {
            while (_writerRunning) Monitor.Wait(_ordered);
        }
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>A free batch; blocks while every batch is in flight (that is the pipeline's back-pressure).</summary>
    public Batch Rent()
    {
        lock (_pool)
        {
            while (true)
            {
                if (_stopped) break;
                if (_pool.Count > 0) return _pool.Pop();
                if (_all.Count < _maxBatches)
                {
                    var batch = _factory();
                    _all.Add(batch);
                    return batch;
                }
                Monitor.Wait(_pool);
            }
        }
        ThrowIfStopped();
        throw new InvalidOperationException("unreachable");
    }

    public void Return(Batch batch)
    {
        batch.Reset();
        lock (_pool)
        {
            _pool.Push(batch);
            Monitor.Pulse(_pool);
        }
    }

    /// <summary>Queues the batch's work for a worker and the batch for the writer; the writer waits for <paramref name="gate"/> before writing it.</summary>
    public void Post(Batch batch, Action<Batch> work, Task? gate = null)
    {
        ThrowIfStopped();
        var job = new Job(batch, work, gate);
        if (!_started)
        {
            if (batch.ContainsFinal)
            {
                _inline = job;
                return;
            }
            StartThreads();
        }
        lock (_ordered)
        {
            _ordered.Enqueue(job);
            Monitor.Pulse(_ordered);
        }
        lock (_todo)
        {
            _todo.Enqueue(job);
            Monitor.Pulse(_todo);
        }
    }

    /// <summary>
    /// For the reader's loop: throws once the pipeline has stopped, with the writer's or a worker's failure when that
    /// is what stopped it, so a tampered frame is reported as such and not as the cancellation it triggered.
    /// </summary>
    public void ThrowIfStopped()
    {
        if (!_stopped) return;
        JoinWriter(); // the writer records the failure that stopped it before it exits
        ThrowFailure();
    }

    /// <summary>Waits for every posted batch to be written; rethrows the first real failure.</summary>
    public void Complete()
    {
        if (!_started)
        {
            _shutDown = true;
            if (_inline is { } job) RunInline(job);
            return;
        }
        ShutDown();
        ThrowFailure();
    }

    /// <summary>A one-batch message: the work, the gate and the write, on the caller's thread.</summary>
    private void RunInline(Job job)
    {
        ThrowIfStopped();
        job.Work(job.Batch);
        job.Gate?.GetAwaiter().GetResult();
        ThrowIfStopped();
        _output.Write(job.Batch.Output, 0, job.Batch.OutputLength);
        _progress?.Report(_progressBytes(job.Batch));
        Return(job.Batch);
    }

    /// <summary>Stops the pipeline after a reader-side failure and waits until no thread touches a batch or the output.</summary>
    public void Abort()
    {
        _cts.Cancel();
        ShutDown();
    }

    private void ThrowFailure()
    {
        if (Volatile.Read(ref _failure) is { } failure) ExceptionDispatchInfo.Capture(failure).Throw();
        if (!_drained) throw new OperationCanceledException(_cts.Token);
    }

    private void WorkerLoop()
    {
        while (true)
        {
            Job job;
            lock (_todo)
            {
                while (_todo.Count == 0)
                {
                    if (_todoClosed) return;
                    Monitor.Wait(_todo);
                }
                job = _todo.Dequeue();
            }
            if (!_stopped)
            {
                try { job.Work(job.Batch); }
                catch (Exception ex) { job.Error = ex; }
            }
            lock (job)
            {
                job.Done = true;
                Monitor.Pulse(job);
            }
        }
    }

    private void WriterLoop()
    {
        long done = 0;
        try
        {
            while (true)
            {
                Job job;
                lock (_ordered)
                {
                    while (_ordered.Count == 0 && !_orderedClosed && !_stopped) Monitor.Wait(_ordered);
                    if (_stopped) return;
                    if (_ordered.Count == 0)
                    {
                        _drained = true;
                        return;
                    }
                    job = _ordered.Dequeue();
                }
                lock (job)
                {
                    while (!job.Done) Monitor.Wait(job);
                }
                if (job.Error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
                if (_stopped) return;
                // The reader completes the gate (or fails it) after checking the end of the message; it always does one.
                job.Gate?.GetAwaiter().GetResult();
                if (_stopped) return;
                _output.Write(job.Batch.Output, 0, job.Batch.OutputLength);
                done += _progressBytes(job.Batch);
                _progress?.Report(done);
                Return(job.Batch);
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private void Fail(Exception ex)
    {
        Interlocked.CompareExchange(ref _failure, ex, null);
        _cts.Cancel();
    }

    /// <summary>Wakes every waiting thread; each sees <see cref="_stopped"/> and lets go.</summary>
    private void Stop()
    {
        _stopped = true;
        lock (_todo) Monitor.PulseAll(_todo);
        lock (_ordered) Monitor.PulseAll(_ordered);
        lock (_pool) Monitor.PulseAll(_pool);
    }

    /// <summary>Lets the writer finish what was posted (or stop), then the workers; joins them all.</summary>
    private void ShutDown()
    {
        if (_shutDown) return;
        _shutDown = true;
        if (!_started) return;
        lock (_ordered)
        {
            _orderedClosed = true;
            Monitor.PulseAll(_ordered);
        }
        JoinWriter();
        lock (_todo)
        {
            _todoClosed = true;
            Monitor.PulseAll(_todo);
            while (_workersRunning > 0) Monitor.Wait(_todo);
        }
    }

    public void Dispose()
    {
        if (!_shutDown) Abort();
        _stopOnCancel.Dispose();
        _cts.Dispose();
        lock (_pool)
        {
            foreach (var batch in _all) batch.Release();
            _all.Clear();
        }
    }
}

/// <summary>
/// Long-lived background threads for the pipelines' loops, reused from one operation to the next: starting threads
/// costs more than encrypting a small file. A loop owns its thread until it returns. Threads wait on monitors and never
/// spin; one that stays idle for 30 seconds exits.
/// </summary>
internal static class FrameThreads
{
    private sealed class Slot
    {
        public Action? Job; // guarded by lock (this)
    }

    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);
    private static readonly List<Slot> Idle = new(); // guarded by lock (Idle)

    public static void Run(Action job)
    {
        Slot? slot = null;
        lock (Idle)
        {
            if (Idle.Count > 0)
            {
                slot = Idle[^1];
                Idle.RemoveAt(Idle.Count - 1);
            }
        }
        if (slot is null)
        {
            new Thread(static state => ThreadMain((Action)state!)) { IsBackground = true, Name = "EncryptionTools frame thread" }.Start(job);
            return;
        }
        lock (slot)
        {
            slot.Job = job;
            Monitor.Pulse(slot);
        }
    }

    private static void ThreadMain(Action job)
    {
        var slot = new Slot();
        while (true)
        {
            job(); // the pipeline's loops catch their own failures
            lock (Idle) Idle.Add(slot);
            if (WaitForJob(slot) is not { } next) return;
            job = next;
        }
    }

    /// <summary>The next job handed to this idle thread, or null once it has been idle too long (and is no longer listed).</summary>
    private static Action? WaitForJob(Slot slot)
    {
        lock (slot)
        {
            if (slot.Job is null) Monitor.Wait(slot, IdleTimeout);
            if (TakeJob(slot) is { } job) return job;
        }
        lock (Idle)
        {
            if (Idle.Remove(slot)) return null;
        }
        // Run took this slot off the idle list just now: its job is on the way.
        lock (slot)
        {
            while (slot.Job is null) Monitor.Wait(slot);
            return TakeJob(slot);
        }
    }

    private static Action? TakeJob(Slot slot)
    {
        var job = slot.Job;
        slot.Job = null;
        return job;
    }
}
