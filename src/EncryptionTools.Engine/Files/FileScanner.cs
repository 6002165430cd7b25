using System.IO.Enumeration;
using EncryptionTools.Engine.Format;

namespace EncryptionTools.Engine.Files;

/// <summary>What to scan.</summary>
internal sealed record ScanRequest
{
    /// <summary>Directories (or single files) to scan.</summary>
    public required IReadOnlyList<string> Roots { get; init; }

    /// <summary>Globs a file must match (any of them; see <see cref="GlobPattern"/>); empty means every file.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Globs that exclude a file, or a whole directory (not descended into).</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    public bool Recurse { get; init; } = true;

    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    public MessageLimits Limits { get; init; } = MessageLimits.Default;

    /// <summary>Also list the engine's own temporary and journal files (".NAME.etpart", ".NAME.etjournal").</summary>
    public bool IncludeEngineTemporaries { get; init; }
}

/// <summary>One scanned file and what its header says.</summary>
internal sealed record ScanEntry(string Path, string Root, string RelativePath, long Length, SniffResult Sniff)
{
    public MessageKind Kind => Sniff.Kind;
    public ushort? SuiteId => Sniff.SuiteId;
    public string? SuiteName => Sniff.SuiteName;
    /// <summary>The parsed header, for committing v2 messages.</summary>
    public MessageHeader? Header => Sniff.Header;
    /// <summary>The real data keys' identities (committing messages only; empty otherwise).</summary>
    public IReadOnlyList<FileKeyIdentity> Keys => Sniff.Header is { } h ? FileKeyIdentity.OfKeys(h.EncryptedDataKeys) : [];
}

/// <summary>
/// Enumerates files under roots with include/exclude globs and classifies each by a header sniff
/// (<see cref="MessageSniffer"/>), in parallel, keeping enumeration order in the output. Memory stays bounded: files
/// are classified in chunks as the enumeration produces them. Symbolic links to directories are not followed.
/// </summary>
internal static class FileScanner
{
    private const int ChunkSize = 2048;

    public static IEnumerable<ScanEntry> Scan(ScanRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var include = request.Include.Select(p => new GlobPattern(p)).ToArray();
        var exclude = request.Exclude.Select(p => new GlobPattern(p)).ToArray();
        return Iterate(request, include, exclude, cancellationToken);
    }

    private static IEnumerable<ScanEntry> Iterate(ScanRequest request, GlobPattern[] include, GlobPattern[] exclude, CancellationToken cancellationToken)
    {
        // The caller's thread enumerates the next chunk while the previous one is classified in parallel.
        Task<ScanEntry[]>? pending = null;
        var chunk = new List<Found>(ChunkSize);
        foreach (var root in request.Roots)
        {
            foreach (var found in Enumerate(Path.GetFullPath(root), request, include, exclude))
            {
                chunk.Add(found);
                if (chunk.Count < ChunkSize) continue;
                if (pending is not null)
                {
                    foreach (var entry in pending.GetAwaiter().GetResult()) yield return entry;
                }
                var full = chunk;
                pending = Task.Run(() => Classify(full, request, cancellationToken), cancellationToken);
                chunk = new List<Found>(ChunkSize);
            }
        }
        if (pending is not null)
        {
            foreach (var entry in pending.GetAwaiter().GetResult()) yield return entry;
        }
        foreach (var entry in Classify(chunk, request, cancellationToken)) yield return entry;
    }

    private static ScanEntry[] Classify(List<Found> chunk, ScanRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var results = new ScanEntry[chunk.Count];
        Parallel.For(0, chunk.Count, new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, request.MaxDegreeOfParallelism),
            CancellationToken = cancellationToken,
        }, i =>
        {
            var f = chunk[i];
            results[i] = new ScanEntry(f.Path, f.Root, f.Relative, f.Length, MessageSniffer.SniffFile(f.Path, f.Length, request.Limits));
        });
        return results;
    }

    private readonly record struct Found(string Path, string Root, string Relative, long Length);

    private static IEnumerable<Found> Enumerate(string root, ScanRequest request, GlobPattern[] include, GlobPattern[] exclude)
    {
        if (File.Exists(root))
        {
            var name = Path.GetFileName(root);
            if (Wanted(name, include, exclude, request)) yield return new Found(root, Path.GetDirectoryName(root)!, name, new FileInfo(root).Length);
            yield break;
        }
        if (!Directory.Exists(root))
            throw new EncryptionToolsException(ErrorCatalog.SourceNotFound, $"The scan root '{root}' does not exist.") { Target = root };

        var trimmed = Path.TrimEndingDirectorySeparator(root);
        var rootLength = trimmed.EndsWith(Path.DirectorySeparatorChar) ? trimmed.Length - 1 : trimmed.Length; // "/" and "C:\" keep their separator
        var options = new EnumerationOptions { RecurseSubdirectories = request.Recurse, AttributesToSkip = 0, IgnoreInaccessible = true };
        var files = new FileSystemEnumerable<Found>(root,
            (ref FileSystemEntry e) => new Found(e.ToFullPath(), root, Relative(e.Directory, e.FileName, rootLength), e.Length),
            options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory,
            ShouldRecursePredicate = (ref FileSystemEntry e) =>
                (e.Attributes & FileAttributes.ReparsePoint) == 0 &&
                (exclude.Length == 0 || !Excluded(Relative(e.Directory, e.FileName, rootLength), exclude)),
        };
        foreach (var found in files)
        {
            if (Wanted(found.Relative, include, exclude, request)) yield return found;
        }
    }

    private static bool Wanted(string relative, GlobPattern[] include, GlobPattern[] exclude, ScanRequest request)
    {
        if (!request.IncludeEngineTemporaries && FileProtector.IsEngineTemporary(Path.GetFileName(relative))) return false;
        if (include.Length > 0 && !include.Any(g => g.IsMatch(relative))) return false;
        return !Excluded(relative, exclude);
    }

    private static bool Excluded(string relative, GlobPattern[] exclude)
    {
        foreach (var g in exclude)
        {
            if (g.IsMatch(relative)) return true;
        }
        return false;
    }

    private static string Relative(ReadOnlySpan<char> directory, ReadOnlySpan<char> name, int rootLength)
    {
        var dir = directory.Length > rootLength ? directory[(rootLength + 1)..] : [];
        var relative = dir.IsEmpty ? name.ToString() : string.Concat(dir, "/", name);
        return Path.DirectorySeparatorChar == '/' ? relative : relative.Replace(Path.DirectorySeparatorChar, '/');
    }
}
