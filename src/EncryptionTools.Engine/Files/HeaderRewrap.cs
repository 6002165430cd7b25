using System.Diagnostics;
using System.Security.Cryptography;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// Changes who can open an encrypted file (re-wraps its data key under other keys, adds or removes recipients)
/// by rewriting only the header, so the cost does not grow with the file size.
/// <para>
/// The data key and message id stay the same, so the key commitment, the derived data encryption key and every frame
/// stay valid; only the EDK list changes and the header authentication tag is recomputed. Before anything is written
/// the data key is unwrapped with the caller's keyrings and the commitment and the old header tag are verified, so a
/// tampered file is refused untouched. The header keeps its length by resizing the padding EDK that encryption
/// reserved (<see cref="HeaderReserve"/>); the rewrite in place is crash-safe through a redo journal beside the file
/// (".NAME.etjournal": new header, old header, file identity; synced before the header is overwritten, removed after
/// the header is synced). When the new header does not fit, the file is rewritten whole through
/// <see cref="AtomicFile"/> with the body bytes copied unchanged.
/// </para>
/// Signed messages (0x0578) are re-signed instead (<see cref="Resign"/>): their signature covers the header.
/// </summary>
internal static class HeaderRewrap
{
    /// <summary>Journal files end with this; see <see cref="JournalPath"/>.</summary>
    public const string JournalSuffix = RewrapJournal.Suffix;

    private const int CopyBuffer = 1024 * 1024;

    /// <summary>Where the journal of <paramref name="path"/> lives: ".NAME.etjournal" in the same directory.</summary>
    public static string JournalPath(string path) => RewrapJournal.PathFor(path);

    public static RewrapResult Rewrap(string path, RewrapRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        path = ResolveLinks(Path.GetFullPath(path)); // rewrite the file a link points to, never replace the link
        foreach (var keyring in request.AddKeyrings) ArgumentNullException.ThrowIfNull(keyring);
        if (request.FullRewriteReserve is { } asked) HeaderReserve.Normalize(asked); // a bad value fails before any work
        // A leftover journal first: the header we read must be the one that stands.
        var warnings = RecoverFile(path, request.SidecarKey)?.Warning is { } w ? new List<EngineWarning> { w } : [];

        using var file = OpenExclusive(path);
        var fileLength = file.Length;
        var (header, oldHeader) = ReadHeader(file, request.Limits, path);

        var suite = header.Suite;
        var serializedContext = EncryptionContext.Serialize(header.EncryptionContext);
        var (dataKey, _) = MessageDecryptor.UnwrapDataKey(header, request.UnwrapKeyrings, serializedContext);
        byte[]? key = null;
        try
        {
            key = MessageCrypto.DeriveEncryptionKey(suite, dataKey, header.MessageId);
            var commitKey = MessageCrypto.DeriveCommitKey(suite, dataKey, header.MessageId);
            if (!CryptographicOperations.FixedTimeEquals(commitKey, header.CommitKey))
                throw new MessageTamperedException($"The key commitment of '{path}' does not match its data key: the file was altered; nothing was changed.") { Target = path };
            if (!MessageCrypto.VerifyHeader(suite, key, header.BodyBytes, header.AuthTag))
                throw new MessageTamperedException($"The header of '{path}' failed authentication: the file was altered; nothing was changed.") { Target = path };
            EncryptionContext.RequirePairs(header.EncryptionContext, request.RequiredEncryptionContext);

            var keysBefore = FileKeyIdentity.OfKeys(header.EncryptedDataKeys);
            var reserveBefore = HeaderReserve.ReservedBytes(header);
            if (suite.IsSigned)
                return Resign(file, path, header, oldHeader, request, dataKey, key, keysBefore, reserveBefore, warnings, cancellationToken);
            var edks = NewKeyList(header, request, dataKey, serializedContext, path, out var changed);
            if (!changed)
                return new RewrapResult(path, RewrapMethod.Unchanged, null, oldHeader.Length, oldHeader.Length, reserveBefore, reserveBefore,
                    keysBefore, keysBefore, fileLength) { Warnings = warnings };
            var keysAfter = FileKeyIdentity.OfKeys(edks);

            // The header without padding, then the padding that brings it back to the old length.
            var bare = MessageHeader.SerializeBody(suite, header.MessageId, header.EncryptionContext, edks, header.FrameLength, header.CommitKey);
            var slack = oldHeader.Length - (bare.Length + suite.TagLength);
            var padding = slack >= 0 && HeaderReserve.CanFill(slack) ? HeaderReserve.CreatePadding(slack) : null;
            var fits = padding is not null && edks.Count + padding.Count <= request.Limits.MaxEncryptedDataKeys;
            string? noJournal = null;
            if (fits && request.SidecarKey is null)
                noJournal = "no key store key to authenticate a redo journal, so the header was not rewritten in place";
            else if (fits)
            {
                var newHeader = BuildHeader(suite, header, edks, padding!, key);
                Debug.Assert(newHeader.Length == oldHeader.Length);
                cancellationToken.ThrowIfCancellationRequested(); // the last point where stopping leaves nothing to undo
                var identity = UnixFile.IsSupported ? UnixFile.Stat(file.SafeFileHandle) : default;
                var journal = new RewrapJournal(Path.GetFileName(path), header.MessageId, fileLength, oldHeader, newHeader, identity.Device, identity.Inode);
                request.BeforeWrite?.Invoke();
                if (WriteInPlace(file, path, journal, request, request.SidecarKey!))
                    return new RewrapResult(path, RewrapMethod.InPlace, null, oldHeader.Length, newHeader.Length, reserveBefore, slack,
                        keysBefore, keysAfter, fileLength) { Warnings = warnings };
                noJournal = $"the journal's name '{JournalPath(path)}' is taken by something this process did not write, so the header was not rewritten in place";
            }

            var reason = noJournal ?? (slack < 0
                ? $"the new header needs {-slack} bytes more than the {oldHeader.Length} the file's header has (reserve {reserveBefore} bytes)"
                : padding is null
                    ? $"{slack} bytes would be left over, fewer than the {HeaderReserve.MinimumBytes} a padding key takes"
                    : $"filling {slack} bytes would need more encrypted data keys than the {request.Limits.MaxEncryptedDataKeys} a reader accepts");
            if (!request.AllowFullRewrite && noJournal is not null)
                throw new EncryptionToolsException(ErrorCatalog.RewrapJournalUnavailable,
                    $"'{path}' was not rewrapped: {noJournal}, and a full rewrite was not allowed. Nothing was changed.") { Target = path };
            if (!request.AllowFullRewrite)
                throw new RewrapNoRoomException(path, bare.Length + suite.TagLength, oldHeader.Length) { Target = path };
            var bodyLength = fileLength - oldHeader.Length;
            var reserve = HeaderReserve.Normalize(request.FullRewriteReserve ?? HeaderReserve.ForPlaintextLength(bodyLength));
            var rewritten = BuildHeader(suite, header, edks, HeaderReserve.CreatePadding(reserve), key);
            request.BeforeWrite?.Invoke();
            FullRewrite(file, path, oldHeader.Length, rewritten, cancellationToken);
            return new RewrapResult(path, RewrapMethod.FullRewrite, reason, oldHeader.Length, rewritten.Length, reserveBefore, reserve,
                keysBefore, keysAfter, bodyLength + rewritten.Length) { Warnings = warnings };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            if (key is not null) CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Completes or discards leftover journals: for a file, its own journal; for a directory, every journal in it
    /// (and below it with <paramref name="recurse"/>). Only a journal that is this user's own file and verifies under
    /// <paramref name="key"/> for this very file (device, inode, length, message id) is applied; any other is reported
    /// and ignored. Safe to run at any time: a journal whose file is held by a live rewrap is left alone.
    /// </summary>
    public static IReadOnlyList<JournalRecovery> Recover(string path, SidecarKey? key, bool recurse = false)
    {
        path = Path.GetFullPath(path);
        if (!Directory.Exists(path))
            return RecoverFile(path, key) is { } one ? [one] : [];
        var results = new List<JournalRecovery>();
        var options = new EnumerationOptions { RecurseSubdirectories = recurse, AttributesToSkip = 0, IgnoreInaccessible = true, MatchType = MatchType.Simple };
        foreach (var journal in Directory.EnumerateFiles(path, "." + "*" + JournalSuffix, options))
        {
            var target = RewrapJournal.TargetFor(journal);
            if (target is not null) results.Add(RecoverJournal(journal, target, key));
        }
        return results;
    }

    /// <summary>The recovery of one file's journal; null when it has none (the common case, one stat).</summary>
    public static JournalRecovery? RecoverFile(string path, SidecarKey? key)
    {
        var journal = JournalPath(path);
        return EntryExists(journal) ? RecoverJournal(journal, Path.GetFullPath(path), key) : null;
    }

    /// <summary>Anything under the name, a dangling link included.</summary>
    private static bool EntryExists(string path)
    {
        if (!UnixFile.IsSupported) return File.Exists(path) || new FileInfo(path).LinkTarget is not null;
        try { return UnixFile.Stat(path, followLinks: false) is not null; }
        catch (UnixIOException) { return true; } // there, but unreadable: recovery reports it
    }

    private static JournalRecovery RecoverJournal(string journalPath, string target, SidecarKey? key)
    {
        long targetLength;
        try { targetLength = File.Exists(target) ? new FileInfo(target).Length : RewrapJournal.MaxHeaderLength; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { targetLength = RewrapJournal.MaxHeaderLength; }

        byte[]? data;
        string? distrust;
        try { (data, distrust) = RewrapJournal.ReadOwn(journalPath, RewrapJournal.MaxJournalLength(targetLength)); }
        catch (FileNotFoundException) { return new JournalRecovery(journalPath, target, JournalOutcome.AlreadyApplied); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { (data, distrust) = (null, "it cannot be read: " + ex.Message); }
        if (distrust is not null)
            return Warn(JournalOutcome.Ignored, FileWarningIds.RewrapJournalNotTrusted,
                $"The rewrap journal '{journalPath}' was ignored, not applied, and left in place: {distrust}. This product writes journals only as its user's own private files.");

        var journal = RewrapJournal.TryParse(data);
        if (journal is null) return Discard(JournalOutcome.DiscardedTornJournal); // torn while being written: the header was never touched
        if (key is null)
            return Warn(JournalOutcome.Ignored, FileWarningIds.RewrapJournalUnauthenticated,
                $"The rewrap journal '{journalPath}' was ignored, not applied, and left in place: there is no key store key here to verify it. Run the rewrap or decryption with the key store that made it.");
        bool authentic;
        try { authentic = RewrapJournal.IsAuthentic(data, key); }
        catch (EncryptionToolsException ex)
        {
            return Warn(JournalOutcome.Ignored, FileWarningIds.RewrapJournalUnauthenticated,
                $"The rewrap journal '{journalPath}' was ignored, not applied, and left in place: the key store's key to verify it is not available ({ex.Message}).");
        }
        if (!authentic)
            return Discard(JournalOutcome.Rejected, new EngineWarning(FileWarningIds.RewrapJournalUnauthenticated,
                $"The rewrap journal '{journalPath}' was removed, not applied: it does not verify under this key store's key (forged, damaged, or written before the store's root key changed).", target));

        if (journal.TargetName != Path.GetFileName(target)) return Stale("it names another file");
        FileStream file;
        try { file = OpenExclusive(target); }
        catch (EncryptionToolsException ex) when (ex.ErrorId == ErrorCatalog.SourceNotFound.Id) { return new JournalRecovery(journalPath, target, JournalOutcome.TargetMissing); }
        catch (EncryptionToolsException ex) when (ex.ErrorId == ErrorCatalog.FileInUse.Id) { return new JournalRecovery(journalPath, target, JournalOutcome.InUse); }
        using (file)
        {
            var length = journal.OldHeader.Length;
            if (UnixFile.IsSupported)
            {
                var identity = UnixFile.Stat(file.SafeFileHandle);
                if (!identity.IsRegular || identity.Device != journal.Device || identity.Inode != journal.Inode)
                    return Stale("the file under that name is another file than the one it was written for");
            }
            if (file.Length != journal.FileLength || length > file.Length) return Stale("the file's length changed");
            if (length < 35 || !journal.OldHeader.AsSpan(3, 32).SequenceEqual(journal.MessageId) || !journal.NewHeader.AsSpan(3, 32).SequenceEqual(journal.MessageId))
                return Stale("its headers are not of its message");
            var region = new byte[length];
            file.Position = 0;
            file.ReadExactly(region);
            if (region.AsSpan().SequenceEqual(journal.NewHeader)) return Discard(JournalOutcome.AlreadyApplied);
            // The old header, or a write torn part way: every byte is the old one or the new one.
            for (var i = 0; i < length; i++)
            {
                if (region[i] != journal.OldHeader[i] && region[i] != journal.NewHeader[i])
                    return Stale("the file's header is neither the old nor the new one");
            }
            file.Position = 0;
            file.Write(journal.NewHeader);
            file.Flush(flushToDisk: true);
        }
        return Discard(JournalOutcome.RolledForward);

        JournalRecovery Warn(JournalOutcome outcome, string id, string message) =>
            new(journalPath, target, outcome, new EngineWarning(id, message, target));

        JournalRecovery Stale(string why) => Discard(JournalOutcome.DiscardedStale, new EngineWarning(FileWarningIds.RewrapJournalStale,
            $"The rewrap journal '{journalPath}' was removed, not applied: {why} since it was written; the file was left as it is.", target));

        JournalRecovery Discard(JournalOutcome outcome, EngineWarning? warning = null)
        {
            File.Delete(journalPath);
            AtomicFile.FsyncDirectory(Path.GetDirectoryName(journalPath)!);
            return new JournalRecovery(journalPath, target, outcome, warning);
        }
    }

    /// <summary>
    /// The rewrap of a signed message. The original signing key was discarded when the message was written, so no one
    /// can sign a changed header with it: the message gets a fresh signing key instead. Its public key replaces the old
    /// one in the encryption context, which changes the context that data keys wrapped under AES keys are bound to, so
    /// every such data key the result keeps must be wrapped afresh (<see cref="RewrapRequest.AddKeyrings"/>); data keys
    /// under RSA keys (RSA-OAEP binds no context) are kept as they are. The data key, message id and every frame stay;
    /// the whole message (every frame and the old signature) is verified before anything is written, the new file is
    /// the new header, the body copied unchanged (checked again against the old signature as it is copied) and a new
    /// signature, and it replaces the old one atomically. The cost is one decryption pass and one copy of the file.
    /// </summary>
    private static RewrapResult Resign(FileStream file, string path, MessageHeader header, byte[] oldHeader, RewrapRequest request,
        byte[] dataKey, byte[] key, IReadOnlyList<FileKeyIdentity> keysBefore, int reserveBefore, List<EngineWarning> warnings,
        CancellationToken cancellationToken)
    {
        var suite = header.Suite;
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var context = new Dictionary<string, string>(header.EncryptionContext, StringComparer.Ordinal)
        {
            [EncryptionContext.PublicKeyField] = EcPoint.CompressedPublicKeyBase64(signer),
        };
        var edks = NewKeyList(header, request, dataKey, EncryptionContext.Serialize(context), path, out var changed);
        if (!changed)
            return new RewrapResult(path, RewrapMethod.Unchanged, null, oldHeader.Length, oldHeader.Length, reserveBefore, reserveBefore,
                keysBefore, keysBefore, file.Length) { Warnings = warnings };
        var kept = header.EncryptedDataKeys.Where(e => !HeaderReserve.IsPadding(e)).ToHashSet();
        var unbindable = edks.Where(e => kept.Contains(e) && IsContextBound(e)).Select(FileKeyIdentity.Of).ToList();
        if (unbindable.Count > 0)
            throw new SignedMessageRewrapException(path,
                "its signature covers the header, so a rewrap must have it re-signed with a fresh signing key, which goes into its " +
                "encryption context; the data key wrapped under " +
                string.Join(", ", unbindable.Select(k => UntrustedText.Neutralize(k.ToString()))) +
                " is bound to that context, and this rewrap cannot wrap the data key under that key again (it is not a key the rewrap adds). " +
                "Add that key in the same rewrap, or remove it.") { Target = path };
        if (!request.AllowFullRewrite)
            throw new SignedMessageRewrapException(path, "re-signing rewrites the whole file, and a full rewrite was not allowed.") { Target = path };

        // Everything the signer wrote must verify before we sign it anew: every frame, the end, the old signature.
        long lengthBeforeFooter;
        try
        {
            file.Position = oldHeader.Length;
            (_, lengthBeforeFooter) = MessageDecryptor.DecryptWithDataKey(file, Stream.Null, header, dataKey,
                new DecryptOptions { Limits = request.Limits }, cancellationToken);
        }
        catch (EncryptionToolsException ex) when (ex.Target is null)
        {
            throw Retarget(ex, path);
        }
        var fileLength = file.Length;

        var bodyLength = lengthBeforeFooter - oldHeader.Length;
        var reserve = HeaderReserve.Normalize(request.FullRewriteReserve ?? HeaderReserve.ForPlaintextLength(bodyLength));
        var newBody = MessageHeader.SerializeBody(suite, header.MessageId, context, [.. edks, .. HeaderReserve.CreatePadding(reserve)],
            header.FrameLength, header.CommitKey);
        byte[] newHeader = [.. newBody, .. MessageCrypto.HeaderAuthTag(suite, key, newBody)];

        request.BeforeWrite?.Invoke();
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path);
        using var output = AtomicFile.Create(path, overwrite: true);
        using var oldSignature = SignatureVerifier.Create(header);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA384);
        try
        {
            output.Stream.Write(newHeader);
            hash.AppendData(newHeader);
            file.Position = oldHeader.Length;
            var buffer = new byte[CopyBuffer];
            var left = bodyLength;
            while (left > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0) break;
                var chunk = buffer.AsSpan(0, read);
                oldSignature.Append(chunk);
                hash.AppendData(chunk);
                output.Stream.Write(chunk);
                left -= read;
            }
            var footer = new byte[fileLength - lengthBeforeFooter];
            if (left != 0 || file.Length != fileLength || footer.Length < 2 || file.ReadAtLeast(footer, footer.Length, throwOnEndOfStream: false) != footer.Length)
                throw new SourceChangedException(path, "it changed while it was re-signed") { Target = path };
            try { oldSignature.Verify(footer[2..]); }
            catch (MessageTamperedException ex) { throw new SourceChangedException(path, "its body no longer matches its signature: " + ex.Message) { Target = path }; }

            var signature = signer.SignHash(hash.GetHashAndReset(), DSASignatureFormat.Rfc3279DerSequence);
            Span<byte> length = stackalloc byte[2];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)signature.Length);
            output.Stream.Write(length);
            output.Stream.Write(signature);
            var newLength = newHeader.Length + bodyLength + 2 + signature.Length;
            file.Dispose(); // Windows cannot rename over an open file; elsewhere this only ends our lock a moment early
            output.Commit(mode);
            return new RewrapResult(path, RewrapMethod.FullRewrite,
                "the file is signed: it was re-signed with a fresh signing key, which rewrites the whole file",
                oldHeader.Length, newHeader.Length, reserveBefore, reserve, keysBefore, FileKeyIdentity.OfKeys(edks), newLength) { Warnings = warnings };
        }
        catch (IOException ex)
        {
            throw IoErrors.Write(path, ex);
        }
    }

    /// <summary>
    /// Whether an EDK's wrapping is bound to the encryption context. Raw AES wrapping (our store keys, the SDK's raw AES
    /// keyring) uses the context as AAD and AWS KMS as its encryption context; raw RSA (RSA-OAEP) binds nothing. What
    /// we cannot tell, we treat as bound.
    /// </summary>
    internal static bool IsContextBound(EncryptedDataKey edk) =>
        RawAesKeyring.TryParseInfo(edk.ProviderInfo, out _, out _) || edk.ProviderId.StartsWith("aws-kms", StringComparison.Ordinal)
        || !LooksLikeRsa(edk);

    private static bool LooksLikeRsa(EncryptedDataKey edk) => edk.Ciphertext.Length is 128 or 256 or 384 or 512 or 1024;

    private static List<EncryptedDataKey> NewKeyList(MessageHeader header, RewrapRequest request, byte[] dataKey, byte[] serializedContext,
        string path, out bool changed)
    {
        var added = new List<EncryptedDataKey>();
        foreach (var keyring in request.AddKeyrings) added.AddRange(keyring.Wrap(dataKey, serializedContext));
        if (added.Any(HeaderReserve.IsPadding))
            throw new ArgumentException($"A keyring to add uses the provider id '{HeaderReserve.ProviderId}', which is reserved for header padding.");
        var addedIds = added.Select(FileKeyIdentity.Of).ToHashSet();
        var result = new List<EncryptedDataKey>();
        var removed = 0;
        foreach (var edk in header.EncryptedDataKeys)
        {
            if (HeaderReserve.IsPadding(edk)) continue;
            if (request.RemoveAllExisting || addedIds.Contains(FileKeyIdentity.Of(edk)) || request.Remove?.Invoke(edk) == true)
            {
                removed++;
                continue;
            }
            result.Add(edk);
        }
        result.AddRange(added);
        changed = removed > 0 || added.Count > 0;
        if (result.Count == 0) throw new RewrapNoRecipientsException(path) { Target = path };
        if (result.Count > request.Limits.MaxEncryptedDataKeys)
            throw new MessageLimitExceededException(
                $"Rewrapping '{path}' would give it {result.Count} encrypted data keys; at most {request.Limits.MaxEncryptedDataKeys} are accepted.");
        return result;
    }

    private static byte[] BuildHeader(AlgorithmSuite suite, MessageHeader header, List<EncryptedDataKey> edks, IReadOnlyList<EncryptedDataKey> padding, byte[] key)
    {
        var body = MessageHeader.SerializeBody(suite, header.MessageId, header.EncryptionContext, [.. edks, .. padding], header.FrameLength, header.CommitKey);
        var tag = MessageCrypto.HeaderAuthTag(suite, key, body);
        return [.. body, .. tag];
    }

    /// <summary>False, with nothing written, when the journal's name is taken (a planted link or file is never written through).</summary>
    private static bool WriteInPlace(FileStream file, string path, RewrapJournal journal, RewrapRequest request, SidecarKey key)
    {
        var journalPath = JournalPath(path);
        try
        {
            if (!journal.TryWriteDurably(journalPath, key)) return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(journalPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw IoErrors.Write(journalPath, ex);
        }
        request.AfterJournalWritten?.Invoke(journalPath);
        try
        {
            file.Position = 0;
            file.Write(journal.NewHeader);
            file.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The journal stays: the next open or Recover completes the header from it.
            throw new OutputWriteException(
                $"Writing the new header of '{path}' failed ({ex.Message}); the journal '{journalPath}' completes it on the next rewrap or recovery.", ex) { Target = path };
        }
        try
        {
            // Not synced: a journal that a crash brings back is found already applied and removed then.
            File.Delete(journalPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The header is complete and durable; a journal left behind is found to be applied and removed later.
        }
        return true;
    }

    private static void FullRewrite(FileStream file, string path, int oldHeaderLength, byte[] newHeader, CancellationToken cancellationToken)
    {
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path);
        using var output = AtomicFile.Create(path, overwrite: true);
        var buffer = new byte[CopyBuffer];
        try
        {
            output.Stream.Write(newHeader);
            file.Position = oldHeaderLength;
            var expected = file.Length - oldHeaderLength;
            long copied = 0;
            int read;
            while ((read = file.Read(buffer)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                output.Stream.Write(buffer, 0, read);
                copied += read;
            }
            if (copied != expected)
                throw new SourceChangedException(path, $"its body was {expected} bytes but {copied} were read") { Target = path };
        }
        catch (IOException ex)
        {
            throw IoErrors.Write(path, ex);
        }
        file.Dispose(); // Windows cannot rename over an open file; elsewhere this only ends our lock a moment early
        output.Commit(mode);
    }

    /// <summary>Reads the header at the start of the file; grows the read until the header is whole.</summary>
    internal static (MessageHeader Header, byte[] Bytes) ReadHeader(FileStream file, MessageLimits limits, string path)
    {
        file.Position = 0;
        try
        {
            var header = MessageHeader.Read(file, limits);
            return (header, [.. header.BodyBytes, .. header.AuthTag]);
        }
        catch (EncryptionToolsException ex) when (ex.Target is null)
        {
            // Name the file in the message a user sees.
            throw Retarget(ex, path);
        }
    }

    private static EncryptionToolsException Retarget(EncryptionToolsException ex, string path) => ex switch
    {
        NotAnEncryptedMessageException => new NotAnEncryptedMessageException($"'{path}': {ex.Message}") { Target = path },
        UnsupportedMessageFormatException => new UnsupportedMessageFormatException($"'{path}': {ex.Message}") { Target = path },
        MessageTruncatedException => new MessageTruncatedException($"'{path}': {ex.Message}") { Target = path },
        MessageTamperedException => new MessageTamperedException($"'{path}': {ex.Message}", ex) { Target = path },
        MessageLimitExceededException => new MessageLimitExceededException($"'{path}': {ex.Message}") { Target = path },
        _ => ex,
    };

    internal static string ResolveLinks(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path; // a dangling or looping link: the open reports it
        }
    }

    /// <summary>Read-write with an exclusive lock (advisory flock on Unix), so two rewraps or a rewrap and a recovery never interleave.</summary>
    internal static FileStream OpenExclusive(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 4096);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new EncryptionToolsException(ErrorCatalog.SourceNotFound, $"The file '{path}' does not exist.", ex) { Target = path };
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new EncryptionToolsException(ErrorCatalog.SourceAccessDenied,
                $"The file '{path}' cannot be opened for writing: {ex.Message}", ex) { Target = path };
        }
        catch (IOException ex) when (IoErrors.IsSharingViolation(ex))
        {
            throw new EncryptionToolsException(ErrorCatalog.FileInUse,
                $"The file '{path}' is in use by another process: {ex.Message}", ex) { Target = path };
        }
        catch (IOException ex)
        {
            throw new EncryptionToolsException(ErrorCatalog.SourceOpenFailed,
                $"The file '{path}' cannot be opened: {ex.Message}", ex) { Target = path };
        }
    }
}
