using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Files;

/// <summary>
/// One file to a named destination through the product's own route (<see cref="FileOperations"/>, the route of
/// Protect-File, Unprotect-File and the CLI, without a store: the given keyrings only), with its error thrown. Tests
/// of file output use this, so they test what users run: planning, staging, group publishing and the audit hook.
/// </summary>
internal static class FileRoute
{
    /// <summary>Encrypts <paramref name="source"/> to <paramref name="destination"/> (the same path: in place) under the request's keyrings.</summary>
    public static FileOperationResult Protect(string source, string destination, ProtectRequest request,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Protect(source, destination, request, SamePath(source, destination), progress, cancellationToken);

    private static FileOperationResult Protect(string source, string destination, ProtectRequest request, bool inPlace,
        IProgress<FileProgress>? progress, CancellationToken cancellationToken)
    {
        using var route = new FileOperations(null);
        return Single(route.Protect([source], new FileKeys { ExtraKeyrings = request.Keyrings },
            request with { Keyrings = [], InPlace = inPlace, Destination = inPlace ? null : destination }, progress, cancellationToken));
    }

    /// <summary>Decrypts <paramref name="source"/> to <paramref name="destination"/> (the same path: in place) with the request's keyrings.</summary>
    public static FileOperationResult Unprotect(string source, string destination, UnprotectRequest request,
        IProgress<FileProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Unprotect(source, destination, request, SamePath(source, destination), progress, cancellationToken);

    private static FileOperationResult Unprotect(string source, string destination, UnprotectRequest request, bool inPlace,
        IProgress<FileProgress>? progress, CancellationToken cancellationToken)
    {
        using var route = new FileOperations(null);
        return Single(route.Unprotect([source], null, request with { InPlace = inPlace, Destination = inPlace ? null : destination }, progress, cancellationToken));
    }

    /// <summary>
    /// What the engine's stream API takes, through the file route: the same options, one file to another (never in
    /// place: a destination equal to the source is refused, as the route refuses it).
    /// </summary>
    public static FileOperationResult EncryptFile(string source, string destination, IReadOnlyList<IKeyring> keyrings, EncryptOptions? options = null,
        bool overwrite = false, CancellationToken cancellationToken = default)
    {
        options ??= new EncryptOptions();
        return Protect(source, destination, new ProtectRequest
        {
            Keyrings = keyrings,
            Force = overwrite,
            EncryptionContext = options.EncryptionContext,
            FrameLength = options.FrameLength,
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
            HeaderReserve = options.HeaderReserve, // exactly as asked (0: none), not sized to the file
            Suite = options.Suite,
        }, inPlace: false, Bytes(options.Progress), cancellationToken);
    }

    public static FileOperationResult DecryptFile(string source, string destination, IReadOnlyList<IKeyring> keyrings, DecryptOptions? options = null,
        bool overwrite = false, CancellationToken cancellationToken = default)
    {
        options ??= new DecryptOptions();
        return Unprotect(source, destination, new UnprotectRequest
        {
            Keyrings = keyrings,
            Force = overwrite,
            RequiredEncryptionContext = options.RequiredEncryptionContext,
            Limits = options.Limits,
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
        }, inPlace: false, Bytes(options.Progress), cancellationToken);
    }

    private static bool SamePath(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    private static FileOperationResult Single(IEnumerable<FileOutcome> outcomes)
    {
        var outcome = Assert.Single(outcomes.ToList());
        if (outcome.Error is { } error) throw error;
        var result = outcome.Result!;
        if (result.Action == FileAction.Skipped) throw new InvalidOperationException("The route skipped the file: " + result.Warning);
        return result;
    }

    /// <summary>The route's per-file progress as the byte counts of the encryption or decryption pass (not the in-place check).</summary>
    private static IProgress<FileProgress>? Bytes(IProgress<long>? progress) =>
        progress is null ? null : new Adapter(p =>
        {
            if (p.Phase != FileProgressPhase.Verifying) progress.Report(p.FileBytesDone);
        });

    private sealed class Adapter(Action<FileProgress> report) : IProgress<FileProgress>
    {
        public void Report(FileProgress value) => report(value);
    }
}
