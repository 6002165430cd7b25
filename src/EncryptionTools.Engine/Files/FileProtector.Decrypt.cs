using EncryptionTools.Engine.Format;
using System.Security.Cryptography;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>One file's decryption into its temporary output: only authenticated plaintext is ever published.</summary>
internal static partial class FileProtector
{
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
}
