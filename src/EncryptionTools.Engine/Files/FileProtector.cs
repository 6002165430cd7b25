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
internal static partial class FileProtector
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
                    items.Add(Failed(input, new EncryptionToolsException(ErrorCatalog.SourceIsDirectory,
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
                items.Add(Failed(input, new EncryptionToolsException(ErrorCatalog.SourceNotFound,
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
                return new FilePlanItem(file, target, length, foundByRecursion, new EncryptionToolsException(ErrorCatalog.SourceIsDestination,
                    $"The source and the destination are the same file '{file}'; use InPlace to replace it.") { Target = file });
            if (!targets.Add(target))
                return new FilePlanItem(file, target, length, foundByRecursion, new DestinationClashException(file, target) { Target = file });
            return new FilePlanItem(file, target, length, foundByRecursion, null);
        }

        static FilePlanItem Failed(string input, EncryptionToolsException error) => new(input, null, 0, false, error);
    }

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
