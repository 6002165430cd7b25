using System.Security.Cryptography;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>One file to a named destination, published alone.</summary>
internal static partial class FileProtector
{
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
}
