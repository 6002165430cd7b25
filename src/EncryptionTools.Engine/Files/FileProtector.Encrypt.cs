using EncryptionTools.Engine.Format;
using System.Security.Cryptography;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>One file's encryption into its temporary output, verified before it replaces the original in place.</summary>
internal static partial class FileProtector
{
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
                    Suite = request.Suite,
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
}
