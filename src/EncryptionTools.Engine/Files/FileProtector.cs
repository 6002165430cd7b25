using System.Security.Cryptography;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// The file operations behind Protect-File, Unprotect-File and the CLI: destination rules, recursion, skipping
/// files already encrypted, verified in-place replacement, source-change detection, progress, cancellation, and one
/// result or typed error per file. Callers stay thin: resolve paths, build a request, emit the outcomes.
/// <para>
/// Guarantees per file: the output appears under its final name whole or not at all (<see cref="AtomicFile"/>); a
/// source that changes while read fails with <see cref="SourceChangedException"/> and leaves nothing; in place, the
/// original is replaced only after the temporary result is synced and verified, keeping the original's Unix mode;
/// on any error or cancellation no temporary file remains.
/// </para>
/// </summary>
public static partial class FileProtector
{
    /// <summary>
    /// ".enc": what the CLI already writes, short, and not claimed by another common tool (aws-encryption-cli's own
    /// default ".encrypted" is wordy, and it also appends on decryption, which we do not).
    /// </summary>
    public const string DefaultSuffix = ".enc";

    private const int ReadBuffer = 128 * 1024;

    // ----------------------------------------------------------------------------------------------------------
    // Batches

    /// <summary>The request-level checks every encryption makes before any file is touched.</summary>
    private static void ValidateProtectRequest(ProtectRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Keyrings is not { Count: > 0 }) throw new ArgumentException("At least one keyring is needed to encrypt.", nameof(request));
        if (request.FrameLength is < 1 or > EncryptOptions.MaxFrameLength)
            throw new ArgumentOutOfRangeException(nameof(request), $"The frame length must be between 1 and {EncryptOptions.MaxFrameLength} bytes.");
        Format.EncryptionContext.ValidateForEncrypt(request.EncryptionContext);
        if (request.HeaderReserve is { } reserve) HeaderReserve.Normalize(reserve);
    }

    /// <summary>
    /// Encrypts every file the paths name (directories with <see cref="FileOperationOptions.Recurse"/>), one outcome per
    /// file, in order, lazily so a caller can emit each as it comes. Request-level mistakes (e.g. InPlace with a
    /// Destination) throw before any file is touched; cancellation throws <see cref="OperationCanceledException"/>
    /// after the current file's partial output is removed.
    /// </summary>
    public static IEnumerable<FileOutcome> Protect(IEnumerable<string> paths, ProtectRequest request,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ValidateProtectRequest(request);
        var plan = Plan(paths, request, encrypting: true);
        return Run(plan, request.BeforePublish, progress, cancellationToken, (item, state, p, ct) =>
        {
            request.BeforeEachFile?.Invoke(item.Source);
            return ProtectItem(item, request, state, p, ct);
        });
    }

    /// <summary>Decrypts every file the paths name; see <see cref="Protect"/> for the batch rules.</summary>
    public static IEnumerable<FileOutcome> Unprotect(IEnumerable<string> paths, UnprotectRequest request,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Keyrings is null) throw new ArgumentException("Keyrings are needed to decrypt.", nameof(request));
        var plan = Plan(paths, request, encrypting: false);
        return Run(plan, request.BeforePublish, progress, cancellationToken, (item, state, p, ct) =>
        {
            request.BeforeEachFile?.Invoke(item.Source);
            return UnprotectItem(item, request, state, p, ct);
        });
    }

    /// <summary>
    /// Expands the inputs into per-file sources and destinations under the destination rules, without touching any
    /// file. Per-file problems (a missing input, a directory without Recurse, a name without the suffix) become items
    /// with <see cref="FilePlanItem.Error"/>; a request that cannot work at all throws <see cref="InvalidDestinationException"/>.
    /// </summary>
    public static IReadOnlyList<FilePlanItem> Plan(IEnumerable<string> paths, FileOperationOptions options, bool encrypting) =>
        Plan(paths, options, encrypting, new HashSet<string>(PathComparer), new HashSet<string>(PathComparer));

    /// <summary>
    /// <see cref="Plan(IEnumerable{string}, FileOperationOptions, bool)"/> with the sources and destinations already
    /// planned by this batch: a source is planned once, and a destination that another source of the batch already
    /// maps to is refused (even with Force: two results, one file, would lose the first).
    /// </summary>
    private static IReadOnlyList<FilePlanItem> Plan(IEnumerable<string> paths, FileOperationOptions options, bool encrypting,
        HashSet<string> seen, HashSet<string> targets)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var inputs = paths.Select(p => Path.GetFullPath(p)).ToList();
        var suffix = options.Suffix;
        if (string.IsNullOrEmpty(suffix) || suffix.IndexOfAny(['/', '\\', '\0']) >= 0 || suffix.Trim('.').Length == 0)
            throw new InvalidDestinationException($"The suffix '{suffix}' is not usable: it must be a non-empty file-name ending such as '.enc'.");
        if (options.InPlace && options.Destination is not null)
            throw new InvalidDestinationException("InPlace replaces each file under its own name; it cannot be combined with a Destination.");

        string? destination = options.Destination is null ? null : Path.GetFullPath(options.Destination);
        var destinationIsDirectory = false;
        if (destination is not null)
        {
            var several = inputs.Count > 1 || inputs.Any(Directory.Exists);
            destinationIsDirectory = Directory.Exists(destination) || EndsInSeparator(options.Destination!) || several;
            if (destinationIsDirectory && File.Exists(destination))
                throw new InvalidDestinationException(
                    $"The destination '{destination}' is a file, but the inputs need a directory (there are several, or a directory among them).");
        }

        var items = new List<FilePlanItem>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                if (!options.Recurse)
                {
                    items.Add(Failed(input, new EncryptionToolsException("SourceIsDirectory", EngineErrorCategory.InvalidArgument,
                        $"'{input}' is a directory; use -Recurse to process the files under it.") { Target = input }));
                    continue;
                }
                foreach (var (file, relative, length) in EnumerateTree(input, destinationIsDirectory ? destination : null))
                {
                    if (seen.Add(file)) items.Add(PlanFile(file, relative, length, foundByRecursion: true));
                }
            }
            else if (File.Exists(input))
            {
                if (seen.Add(input)) items.Add(PlanFile(input, Path.GetFileName(input), new FileInfo(input).Length, foundByRecursion: false));
            }
            else
            {
                items.Add(Failed(input, new EncryptionToolsException("SourceNotFound", EngineErrorCategory.ObjectNotFound,
                    $"The file '{input}' does not exist.") { Target = input }));
            }
        }
        return items;

        FilePlanItem PlanFile(string file, string relative, long length, bool foundByRecursion)
        {
            if (options.InPlace) return new FilePlanItem(file, file, length, foundByRecursion, null);
            var name = Path.GetFileName(relative);
            var mapped = encrypting ? name + suffix : StripSuffix(name, suffix);
            string target;
            if (destination is not null && destinationIsDirectory)
                target = Path.Combine(destination, Path.GetDirectoryName(relative) ?? "", mapped ?? name);
            else if (destination is not null)
                target = destination;
            else if (mapped is null)
                // Found by recursion it may simply not be a message (skipped then); named by the caller it is an error now.
                return new FilePlanItem(file, null, length, foundByRecursion, foundByRecursion ? null : CannotName(file, suffix));
            else
                target = Path.Combine(Path.GetDirectoryName(file)!, mapped);
            if (PathComparer.Equals(target, file))
                return new FilePlanItem(file, target, length, foundByRecursion, new EncryptionToolsException("SourceIsDestination", EngineErrorCategory.InvalidArgument,
                    $"The source and the destination are the same file '{file}'; use InPlace to replace it.") { Target = file });
            if (!targets.Add(target))
                return new FilePlanItem(file, target, length, foundByRecursion, new DestinationClashException(file, target) { Target = file });
            return new FilePlanItem(file, target, length, foundByRecursion, null);
        }

        static FilePlanItem Failed(string input, EncryptionToolsException error) => new(input, null, 0, false, error);
    }

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
            IOException e => new EncryptionToolsException("FileOperationFailed", EngineErrorCategory.WriteError,
                $"Processing '{item.Source}' failed: {e.Message}", e) { Target = item.Source },
            UnauthorizedAccessException e => new EncryptionToolsException("AccessDenied", EngineErrorCategory.PermissionDenied,
                $"Processing '{item.Source}' was refused: {e.Message}", e) { Target = item.Source },
            _ => null,
        };
    }

    // ----------------------------------------------------------------------------------------------------------
    // One file

    /// <summary>
    /// Encrypts one file to <paramref name="destination"/> (equal to <paramref name="source"/>: in place). Throws typed
    /// errors; the batch method <see cref="Protect"/> turns them into outcomes.
    /// </summary>
    public static FileOperationResult ProtectFile(string source, string destination, ProtectRequest request,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        source = Path.GetFullPath(source);
        destination = Path.GetFullPath(destination);
        var item = new FilePlanItem(source, destination, SourceSnapshot.Take(source).Length, false, null);
        return PublishOne(ProtectItem(item, request with { InPlace = PathComparer.Equals(source, destination) }, new BatchState(),
            (phase, done) => progress?.Report(new FileProgress(source, phase, done, item.Length, 1, 1, done, item.Length)), cancellationToken),
            source, request.BeforePublish);
    }

    /// <summary>Decrypts one file to <paramref name="destination"/> (equal to <paramref name="source"/>: in place).</summary>
    public static FileOperationResult UnprotectFile(string source, string destination, UnprotectRequest request,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        source = Path.GetFullPath(source);
        destination = Path.GetFullPath(destination);
        var item = new FilePlanItem(source, destination, SourceSnapshot.Take(source).Length, false, null);
        return PublishOne(UnprotectItem(item, request with { InPlace = PathComparer.Equals(source, destination) }, new BatchState(),
            (phase, done) => progress?.Report(new FileProgress(source, phase, done, item.Length, 1, 1, done, item.Length)), cancellationToken),
            source, request.BeforePublish);
    }

    /// <summary>Publishes a single file's staged output now: a group of one, with the same order of steps.</summary>
    private static FileOperationResult PublishOne(Staged staged, string source, Action? beforePublish)
    {
        var (result, output, mode, original) = staged;
        if (output is null) return result;
        using (output)
        {
            output.Stream.Flush(flushToDisk: true);
            beforePublish?.Invoke();
            original?.Verify(source);
            output.Commit(mode);
        }
        return result;
    }

    /// <summary>Encrypts one file into its temporary output; the caller publishes it. Throws typed errors.</summary>
    private static Staged ProtectItem(FilePlanItem item, ProtectRequest request, BatchState state, Action<FileProgressPhase, long> report,
        CancellationToken cancellationToken)
    {
        var source = item.Source;
        var destination = item.Destination!;
        var inPlace = request.InPlace;
        if (TakeSnapshot(item, inPlace, out var skipped) is not { } before) return skipped!;

        var sniff = MessageSniffer.SniffFile(source);
        if (sniff.IsEncryptedMessage && !request.Force)
        {
            return new Staged(new FileOperationResult
            {
                Source = source,
                Destination = destination,
                Action = FileAction.Skipped,
                InPlace = inPlace,
                BytesIn = before.Length,
                AlgorithmSuite = sniff.SuiteName,
                Warning = $"'{source}' is already an encrypted message ({Describe(sniff)}); it was skipped. Use -Force to encrypt it again.",
            });
        }
        var warnings = PreflightDestination(source, destination, inPlace, request.Force, state, before, encrypting: true);

        var reserve = HeaderReserve.Normalize(request.HeaderReserve ?? HeaderReserve.ForPlaintextLength(before.Length));
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : inPlace ? File.GetUnixFileMode(source) : CiphertextMode(File.GetUnixFileMode(source));
        using var plaintextHash = inPlace ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var output = state.CreateOutput(destination, overwrite: inPlace || request.Force);
        try
        {
            EncryptResult result;
            using (var input = FileCrypto.OpenSource(source))
            {
                var guarded = new GuardedReadStream(input, source, before.Length, plaintextHash);
                result = MessageEncryptor.Encrypt(guarded, output.Stream, request.Keyrings, new EncryptOptions
                {
                    EncryptionContext = request.EncryptionContext,
                    FrameLength = request.FrameLength,
                    MaxDegreeOfParallelism = request.MaxDegreeOfParallelism,
                    HeaderReserve = reserve,
                    Progress = new SyncProgress<long>(done => report(FileProgressPhase.Encrypting, done)),
                }, cancellationToken);
                guarded.Finish();
            }
            before.Verify(source);

            if (inPlace)
            {
                VerifyEncrypted(output.Stream, source, request, plaintextHash!.GetHashAndReset(), before.Length, report, cancellationToken);
                before.Verify(source); // nothing wrote to the original while we verified
            }

            return new Staged(new FileOperationResult
            {
                Source = source,
                Destination = destination,
                Action = FileAction.Encrypted,
                InPlace = inPlace,
                Keys = FileKeyIdentity.OfKeys(result.EncryptedDataKeys),
                EncryptionContext = Format.EncryptionContext.UserVisible(result.EncryptionContext),
                BytesIn = result.PlaintextLength,
                BytesOut = result.CiphertextLength,
                FrameLength = result.FrameLength,
                HeaderReserve = reserve,
                AlgorithmSuite = result.Suite.Name,
                Warnings = warnings,
            }, output, mode, inPlace ? before : null);
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The source's snapshot; a device, FIFO or socket is an error when the caller named it, and skipped with a warning
    /// when a directory walk found it (null returned, <paramref name="skipped"/> set).
    /// </summary>
    private static SourceSnapshot? TakeSnapshot(FilePlanItem item, bool inPlace, out Staged? skipped)
    {
        skipped = null;
        try
        {
            return SourceSnapshot.Take(item.Source);
        }
        catch (SourceNotRegularFileException ex) when (item.FoundByRecursion)
        {
            skipped = new Staged(new FileOperationResult
            {
                Source = item.Source,
                Destination = item.Destination,
                Action = FileAction.Skipped,
                InPlace = inPlace,
                Warning = ex.Message,
            });
            return null;
        }
    }

    /// <summary>
    /// A new ciphertext is never readable or writable by more people than its source: the owner reads and writes it,
    /// group and others keep at most the source's read and write bits; execute and special bits never carry over. A
    /// new plaintext stays owner-only (the temporary's 0600): who may read a ciphertext says nothing about its plaintext.
    /// </summary>
    internal static UnixFileMode CiphertextMode(UnixFileMode source) =>
        UnixFileMode.UserRead | UnixFileMode.UserWrite |
        (source & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite));

    /// <summary>Decrypts the whole temporary file to a hashing null sink and compares with the hash taken while encrypting.</summary>
    private static void VerifyEncrypted(FileStream temp, string source, ProtectRequest request, byte[] expected, long expectedLength,
        Action<FileProgressPhase, long> report, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var sink = new HashingNullStream(hash);
        temp.Position = 0;
        try
        {
            using var reader = new BufferedStream(new NonClosingReadStream(temp), ReadBuffer);
            MessageDecryptor.Decrypt(reader, sink, request.VerifyKeyrings ?? request.Keyrings, new DecryptOptions
            {
                MaxDegreeOfParallelism = request.MaxDegreeOfParallelism,
                Progress = new SyncProgress<long>(done => report(FileProgressPhase.Verifying, done)),
            }, cancellationToken);
        }
        catch (NoDecryptableKeyException ex)
        {
            throw new InPlaceVerificationException(source,
                "the keys it was encrypted under cannot decrypt it here, so it could not be checked; give keys that can decrypt (VerifyKeyrings), or encrypt to another file", ex) { Target = source };
        }
        catch (EncryptionToolsException ex) when (ex is MessageTamperedException or MessageTruncatedException)
        {
            throw new InPlaceVerificationException(source, "it does not decrypt: " + ex.Message, ex) { Target = source };
        }
        var actual = hash.GetHashAndReset();
        if (sink.BytesWritten != expectedLength || !CryptographicOperations.FixedTimeEquals(actual, expected))
            throw new InPlaceVerificationException(source, "it decrypts to different bytes than were read") { Target = source };
    }

    /// <summary>Decrypts one file into its temporary output; the caller publishes it. Throws typed errors.</summary>
    private static Staged UnprotectItem(FilePlanItem item, UnprotectRequest request, BatchState state, Action<FileProgressPhase, long> report,
        CancellationToken cancellationToken)
    {
        var source = item.Source;
        var inPlace = request.InPlace;
        // A device or FIFO is refused before anything opens it (skipped when a directory walk found it).
        if (TakeSnapshot(item, inPlace, out var skipped) is not { } before) return skipped!;
        // A rewrap interrupted by a crash is completed before the header is read, if its journal proves it is ours.
        var recovery = HeaderRewrap.RecoverFile(source, request.SidecarKey);
        if (recovery?.Outcome is JournalOutcome.RolledForward) before = SourceSnapshot.Take(source);

        // Only files found by recursion are skipped when they are not messages, and for that the first bytes suffice:
        // the header itself is read once, by the decryptor, so a hostile one costs its limit once.
        if (item.FoundByRecursion && !MessageSniffer.StartsLikeAMessage(source))
        {
            return new Staged(new FileOperationResult
            {
                Source = source,
                Destination = item.Destination,
                Action = FileAction.Skipped,
                InPlace = inPlace,
                BytesIn = item.Length,
                Warning = $"'{source}' is not an encrypted message; it was skipped.",
            });
        }
        var destination = item.Destination ?? throw CannotName(source, request.Suffix);
        var warnings = PreflightDestination(source, destination, inPlace, request.Force, state, before, encrypting: false);
        if (recovery?.Warning is { } journalWarning) warnings = [journalWarning, .. warnings];

        UnixFileMode? mode = inPlace && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(source) : null;
        var output = state.CreateOutput(destination, overwrite: inPlace || request.Force);
        try
        {
            DecryptResult result;
            using (var input = FileCrypto.OpenSource(source))
            {
                var guarded = new GuardedReadStream(input, source, before.Length, null);
                try
                {
                    result = MessageDecryptor.Decrypt(guarded, output.Stream, request.Keyrings, new DecryptOptions
                    {
                        RequiredEncryptionContext = request.RequiredEncryptionContext,
                        Limits = request.Limits,
                        MaxDegreeOfParallelism = request.MaxDegreeOfParallelism,
                        Progress = new SyncProgress<long>(done => report(FileProgressPhase.Decrypting, done)),
                    }, cancellationToken);
                }
                catch (EncryptionToolsException ex) when (ex.Target is null)
                {
                    throw WithTarget(ex, source);
                }
                guarded.Finish();
            }
            before.Verify(source);
            // Decryption authenticated every frame, the final-frame marker, the end of input and any signature:
            // the temporary file is verified plaintext. Only now may it be published, once durable.

            var header = result.Header;
            return new Staged(new FileOperationResult
            {
                Source = source,
                Destination = destination,
                Action = FileAction.Decrypted,
                InPlace = inPlace,
                Keys = [FileKeyIdentity.Of(result.DecryptedWith)],
                EncryptionContext = Format.EncryptionContext.UserVisible(header.EncryptionContext),
                BytesIn = before.Length,
                BytesOut = result.PlaintextLength,
                FrameLength = header.FrameLength,
                HeaderReserve = HeaderReserve.ReservedBytes(header),
                AlgorithmSuite = header.Suite.Name,
                Warnings = warnings,
            }, output, mode, inPlace ? before : null);
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The checks that must pass before anything is created: the file survives a refusal untouched. Returns the
    /// warnings of a forced exception (in-place encryption of a hard-linked file).
    /// </summary>
    private static IReadOnlyList<EngineWarning> PreflightDestination(string source, string destination, bool inPlace, bool force, BatchState state,
        SourceSnapshot before, bool encrypting)
    {
        if (inPlace)
        {
            if (new FileInfo(source).LinkTarget is not null)
                throw new EncryptionToolsException("SourceIsLink", EngineErrorCategory.InvalidArgument,
                    $"'{source}' is a symbolic link: replacing it in place would replace the link and leave the file it points to as it was. Give the target's path.") { Target = source };
            if (IsReadOnly(source)) throw new SourceReadOnlyException(source) { Target = source };
            // The new file replaces this name only: every other hard link keeps the plaintext.
            if (encrypting && before.Links > 1)
            {
                if (!force) throw new SourceHasHardLinksException(source, before.Links) { Target = source };
                return [new EngineWarning(FileWarningIds.SourceHardLinksRemain,
                    $"'{source}' had {before.Links - 1} other hard link(s); they still name the plaintext. Remove them, or encrypt them too.", source)];
            }
            return [];
        }
        if (PathComparer.Equals(source, destination))
            throw new EncryptionToolsException("SourceIsDestination", EngineErrorCategory.InvalidArgument,
                $"The source and the destination are the same file '{source}'; use InPlace to replace it.") { Target = source };
        if (Directory.Exists(destination))
            throw new InvalidDestinationException($"The destination '{destination}' is a directory.") { Target = destination };
        SpecialFiles.CheckDestination(destination); // a device or FIFO is never replaced, even forced
        if (!force && Path.Exists(destination)) throw new DestinationExistsException(destination) { Target = destination };
        var directory = Path.GetDirectoryName(destination)!;
        try { state.CreateDirectory(directory); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OutputWriteException($"Cannot create the directory '{directory}': {ex.Message}", ex) { Target = destination };
        }
        return [];
    }

    /// <summary>
    /// Read-only: the read-only attribute, or (Unix) no write permission bit at all, or a write open refused. Checked
    /// by mode bits too because root may open anything for writing, and replacing a file its owner marked read-only
    /// must still be refused.
    /// </summary>
    internal static bool IsReadOnly(string path)
    {
        if (File.GetAttributes(path).HasFlag(FileAttributes.ReadOnly)) return true;
        if (!OperatingSystem.IsWindows() &&
            (File.GetUnixFileMode(path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0)
            return true;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
        catch (IOException)
        {
            return false; // locked or busy: not a permission question; the operation itself reports what happens
        }
    }

    private static string Describe(SniffResult sniff) => sniff.Kind switch
    {
        MessageKind.Committing => $"suite 0x{sniff.SuiteId:X4}",
        MessageKind.EsdkV1 => $"format version 1, suite 0x{sniff.SuiteId:X4}",
        _ => $"suite 0x{sniff.SuiteId:X4}",
    };

    private static EncryptionToolsException WithTarget(EncryptionToolsException ex, string path) => ex switch
    {
        NotAnEncryptedMessageException => new NotAnEncryptedMessageException($"'{path}': {ex.Message}") { Target = path },
        UnsupportedMessageFormatException => new UnsupportedMessageFormatException($"'{path}': {ex.Message}") { Target = path },
        MessageTruncatedException => new MessageTruncatedException($"'{path}': {ex.Message}") { Target = path },
        MessageTamperedException => new MessageTamperedException($"'{path}': {ex.Message}", ex) { Target = path },
        MessageLimitExceededException => new MessageLimitExceededException($"'{path}': {ex.Message}") { Target = path },
        NoDecryptableKeyException nk => new NoDecryptableKeyException(nk.Failures) { Target = path },
        EncryptionContextMismatchException => new EncryptionContextMismatchException($"'{path}': {ex.Message}") { Target = path },
        _ => ex,
    };

    private static InvalidDestinationException CannotName(string file, string suffix) =>
        new($"Cannot name the decrypted file for '{file}': its name does not end with '{suffix}'. Give a Destination, or the Suffix it uses.") { Target = file };

    private static bool EndsInSeparator(string path) =>
        path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar);

    private static string? StripSuffix(string name, string suffix) =>
        name.Length > suffix.Length && name.EndsWith(suffix, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)
            ? name[..^suffix.Length]
            : null;

    internal static StringComparer PathComparer => OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>Files under a directory, depth first in name order, with paths relative to it; skips symlinked directories, the engine's own temporaries and the destination tree.</summary>
    private static IEnumerable<(string Path, string Relative, long Length)> EnumerateTree(string root, string? excludeTree)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = true, ReturnSpecialDirectories = false };
        var stack = new Stack<string>();
        stack.Push(root);
        var found = new List<(string, string, long)>();
        while (stack.Count > 0)
        {
            var dir = stack.Pop();
            if (excludeTree is not null && IsUnder(dir, excludeTree)) continue;
            var entries = new DirectoryInfo(dir).EnumerateFileSystemInfos("*", options).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            foreach (var entry in entries)
            {
                if (entry is DirectoryInfo sub)
                {
                    if (!sub.Attributes.HasFlag(FileAttributes.ReparsePoint)) stack.Push(sub.FullName);
                }
                else if (entry is FileInfo file && !IsEngineTemporary(file.Name) && !file.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    found.Add((file.FullName, Path.GetRelativePath(root, file.FullName), file.Length));
                }
            }
        }
        return found.OrderBy(f => f.Item2, StringComparer.Ordinal);
    }

    private static bool IsUnder(string path, string tree) =>
        PathComparer.Equals(path, tree) ||
        path.StartsWith(Path.TrimEndingDirectorySeparator(tree) + Path.DirectorySeparatorChar, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    internal static bool IsEngineTemporary(string name) =>
        name.StartsWith('.') && (name.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal) || name.EndsWith(HeaderRewrap.JournalSuffix, StringComparison.Ordinal));
}
