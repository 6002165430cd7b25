using System.Diagnostics;
using System.Security.Cryptography;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Files;

/// <summary>What a rewrap should do to a message's encrypted data keys.</summary>
internal sealed record RewrapRequest
{
    /// <summary>Keyrings that can unwrap the message's data key (any one EDK suffices).</summary>
    public required IReadOnlyList<IKeyring> UnwrapKeyrings { get; init; }

    /// <summary>
    /// Keyrings to wrap the data key under (new recipients). An existing EDK of the same provider id and key name is
    /// replaced by the fresh one, so adding a key twice never duplicates it.
    /// </summary>
    public IReadOnlyList<IKeyring> AddKeyrings { get; init; } = [];

    /// <summary>EDKs to drop (e.g. <c>edk => identity.Matches(edk)</c>). Padding never reaches this predicate.</summary>
    public Func<EncryptedDataKey, bool>? Remove { get; init; }

    /// <summary>Drop every existing EDK: the message's recipients become exactly <see cref="AddKeyrings"/>.</summary>
    public bool RemoveAllExisting { get; init; }

    /// <summary>Pairs the message's encryption context must hold; checked before anything is written.</summary>
    public IReadOnlyDictionary<string, string>? RequiredEncryptionContext { get; init; }

    public MessageLimits Limits { get; init; } = MessageLimits.Default;

    /// <summary>When the new header does not fit in the old one's length: rewrite the whole file (true) or fail with RewrapNoRoom.</summary>
    public bool AllowFullRewrite { get; init; } = true;

    /// <summary>Reserve for the header written by a full rewrite; null applies <see cref="HeaderReserve.ForPlaintextLength"/> to the body length.</summary>
    public int? FullRewriteReserve { get; init; }

    /// <summary>
    /// The key store's key that authenticates the redo journal of an in-place rewrite (and any journal found beside
    /// the file). Null: no journal can be written or trusted, so a header that does not fit is rewritten whole
    /// (atomically) instead, and a leftover journal is reported, never applied.
    /// </summary>
    public SidecarKey? SidecarKey { get; init; }

    /// <summary>Runs after the key uses and before the file is first written (the store records the key uses here: a failure leaves the file untouched).</summary>
    public Action? BeforeWrite { get; init; }

    /// <summary>Tests only: runs after the journal is durable and before the header is overwritten (throw to simulate a crash).</summary>
    internal Action<string>? AfterJournalWritten { get; init; }
}

/// <summary>How a rewrap changed the file.</summary>
public enum RewrapMethod
{
    /// <summary>The header bytes were overwritten in place (journaled); the body was not read or moved.</summary>
    InPlace,
    /// <summary>The new header did not fit: a new file (new header, body bytes copied unchanged) replaced the old one atomically.</summary>
    FullRewrite,
    /// <summary>The request asked for no change; nothing was written.</summary>
    Unchanged,
}

/// <summary>One rewrap's outcome: what was done, and the recipients before and after.</summary>
public sealed record RewrapResult(
    string Path,
    RewrapMethod Method,
    string? FallbackReason,
    int HeaderLengthBefore,
    int HeaderLengthAfter,
    int ReserveBefore,
    int ReserveAfter,
    IReadOnlyList<FileKeyIdentity> KeysBefore,
    IReadOnlyList<FileKeyIdentity> KeysAfter,
    long FileLength)
{
    /// <summary>Warnings with stable ids (e.g. a journal beside the file that was not ours and was ignored).</summary>
    public IReadOnlyList<EngineWarning> Warnings { get; init; } = [];
    /// <summary><see cref="KeysBefore"/> as a person names them (alias and version for store keys); empty when not resolved.</summary>
    public IReadOnlyList<string> KeyLabelsBefore { get; init; } = [];
    /// <summary><see cref="KeysAfter"/> as a person names them (alias and version for store keys); empty when not resolved.</summary>
    public IReadOnlyList<string> KeyLabelsAfter { get; init; } = [];
}

/// <summary>What recovery did with one leftover journal.</summary>
internal enum JournalOutcome
{
    /// <summary>The header (old, or torn mid-write) was completed to the journal's new header.</summary>
    RolledForward,
    /// <summary>The new header was already in place; the journal was only left behind.</summary>
    AlreadyApplied,
    /// <summary>The journal was torn while being written, so the header was never touched; the journal was removed.</summary>
    DiscardedTornJournal,
    /// <summary>The file no longer holds the old (or new) header, or has another length: something else changed it; the journal was removed, the file left as is.</summary>
    DiscardedStale,
    /// <summary>
    /// No file has the journal's target name (deleted, or renamed after a crash). The journal is kept, as it may be
    /// the only copy of a torn header: rename the file back and recover, or delete the journal if the file is gone for good.
    /// </summary>
    TargetMissing,
    /// <summary>Another process holds the file (a rewrap in progress); the journal was left for it.</summary>
    InUse,
    /// <summary>
    /// Not this user's own journal (a link, a device, another user's file, open to others), or there was no key to
    /// verify it: reported, never applied, and left where it is.
    /// </summary>
    Ignored,
    /// <summary>This user's file, but its MAC does not verify under the store's key (forged, or from before the root key changed): reported, never applied, removed.</summary>
    Rejected,
}

/// <summary>What recovery did with one journal; <paramref name="Warning"/> says why one was not applied.</summary>
internal sealed record JournalRecovery(string JournalPath, string TargetPath, JournalOutcome Outcome, EngineWarning? Warning = null);
