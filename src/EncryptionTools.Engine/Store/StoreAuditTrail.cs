using System.Security.Cryptography;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Where a store's events go: the event sink and the store's hash-chained audit log, attributed to the caller. Holds the
/// audit key (from the sealed document) and the newest anchor this process has seen. Store changes are recorded ahead
/// (<see cref="RecordAhead"/>) and key uses before their result is released (<see cref="SendKeyUse"/>), both failing
/// closed; reads, refusals and failures are recorded as well as can be.
/// </summary>
internal sealed class StoreAuditTrail(StoreContext store)
{
    private byte[]? _auditKey;   // guarded by store.Sync
    private string? _auditStoreId;
    private AuditLogEventSink? _auditSink;
    private AuditAnchor? _anchor;
    private readonly List<StoreEvent> _deferred = []; // guarded by store.Sync

    // ------------------------------------------------------------------ reporting

    /// <summary>A read-only operation: a refusal or failure is reported (and audited) before it propagates.</summary>
    public T Read<T>(string operation, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (EncryptionToolsException ex)
        {
            EmitFailure(operation, ex);
            throw;
        }
    }

    public void EmitRead(StoreDocument doc, string operation, string? keyId, string? detail) =>
        Emit(new StoreEvent { Time = store.Now, Operation = operation, StoreLocation = store.Location, StoreId = doc.StoreId, KeyId = keyId, Detail = detail });

    public void EmitFailure(string operation, EncryptionToolsException ex)
    {
        if (ex is AccessDeniedException denied)
        {
            var d = denied.Decision;
            Emit(new StoreEvent
            {
                Time = store.Now, Operation = operation, StoreLocation = store.Location, Succeeded = false, Denied = true, ErrorId = ex.ErrorId,
                Action = d.Action, KeyId = KeyIdOf(d.Key), EncryptionContext = d.EncryptionContext, DecidedBy = d.DecidedBy, Detail = d.Reason,
            });
            return;
        }
        Emit(new StoreEvent { Time = store.Now, Operation = operation, StoreLocation = store.Location, Succeeded = false, ErrorId = ex.ErrorId, Detail = ex.Message,
            KeyId = StoreCall.CurrentScope.Value?.KeyId });
    }

    private static string KeyIdOf(string keyOrArn) => KeyArn.TryParse(keyOrArn, out var arn) ? arn!.KeyId : keyOrArn;

    public void Emit(StoreEvent storeEvent) => Send([Attribute(storeEvent, StoreCall.CurrentScope.Value)]);

    /// <summary>
    /// An event from before the audit log can be written (the KMS call that gave the root key when the store opened: the
    /// log's key is in the document that root key opens). It goes to the event sink now and into the log ahead of the
    /// next records this process writes.
    /// </summary>
    public void Defer(StoreEvent storeEvent)
    {
        var attributed = Attribute(storeEvent, StoreCall.CurrentScope.Value);
        SendToSink([attributed]);
        lock (store.Sync) _deferred.Add(attributed);
    }

    private List<StoreEvent> TakeDeferred()
    {
        lock (store.Sync)
        {
            var taken = _deferred.ToList();
            _deferred.Clear();
            return taken;
        }
    }

    private void PutBack(List<StoreEvent> taken)
    {
        if (taken.Count > 0) lock (store.Sync) _deferred.InsertRange(0, taken);
    }

    /// <summary>The event with the caller's principal, command, action and context where it names none of its own.</summary>
    public static StoreEvent Attribute(StoreEvent storeEvent, StoreCall? call) => call is null ? storeEvent : storeEvent with
    {
        Principal = storeEvent.Principal ?? call.Principal,
        Command = storeEvent.Command ?? call.Command,
        Action = storeEvent.Action ?? call.Action,
        DecidedBy = storeEvent.DecidedBy ?? call.DecidedBy,
        EncryptionContext = storeEvent.EncryptionContext ?? call.EncryptionContext,
    };

    /// <summary>
    /// To the event sink one by one, and to the audit log as one append. Reads, refusals and failures are recorded as
    /// well as can be (the caller's own error is the one to report); key uses go through <see cref="SendKeyUse"/> and
    /// store changes through <see cref="RecordAhead"/>, which fail closed.
    /// </summary>
    public void Send(IReadOnlyList<StoreEvent> events)
    {
        SendToSink(events);
        var audit = Sink();
        if (audit is not null)
        {
            var deferred = TakeDeferred();
            try { audit.OnEvents([.. deferred, .. events]); }
            catch (Exception) { PutBack(deferred); /* best effort: see above */ }
        }
    }

    public void SendToSink(IReadOnlyList<StoreEvent> events)
    {
        var sink = store.Options.EventSink;
        if (sink is null) return;
        var call = StoreCall.CurrentScope.Value;
        foreach (var storeEvent in events)
        {
            try { sink.OnEvent(Attribute(storeEvent, call)); }
            catch (Exception) { /* a sink must not undo or hide a committed change */ }
        }
    }

    /// <summary>
    /// A key use: its record must be durable before the key's result is released (a file published, a data key
    /// returned), so a failed append throws and the use is refused. Refusals are recorded as well as can be.
    /// </summary>
    public void SendKeyUse(IReadOnlyList<StoreEvent> events)
    {
        if (events.Any(e => e.Succeeded && !e.Denied) && Sink() is { } audit)
        {
            var deferred = TakeDeferred();
            try { audit.OnEvents([.. deferred, .. events]); }
            catch
            {
                PutBack(deferred);
                throw;
            }
            SendToSink(events);
        }
        else Send(events);
    }

    /// <summary>
    /// Write-ahead record of a store change, under the writer lock and before the document is saved: if the records cannot
    /// be made durable the change is refused (AuditLogWriteFailed) and nothing is saved. The records name the revision the
    /// change commits, and the document keeps the last record as its anchor. A crash between the two leaves a record of a
    /// change that never happened, whose revision the next change records again; never a change without its record.
    /// </summary>
    public void RecordAhead(StoreDocument doc, IReadOnlyList<StoreEvent> events, bool changed)
    {
        if (events.Count == 0) return;
        var audit = Sink();
        if (audit is null) return;
        var call = StoreCall.CurrentScope.Value;
        long? revision = changed ? doc.Revision + 1 : null;
        var deferred = TakeDeferred();
        var entries = deferred.Select(AuditLogEventSink.ToEntry)
            .Concat(events.Select(e => AuditLogEventSink.ToEntry(Attribute(e, call)) with { StoreRevision = revision })).ToList();
        AuditAnchor? anchor;
        try { anchor = audit.Log.AppendMany(entries); }
        catch
        {
            PutBack(deferred);
            throw;
        }
        LocalKeyStore.CrashPoint?.Invoke("audit-written");
        if (changed && anchor is not null) doc.AuditAnchor = new AuditAnchorRecord { Sequence = anchor.Sequence, Hash = anchor.Hash };
    }

    // ------------------------------------------------------------------ the audit key and anchor

    /// <summary>The audit log's key comes from the sealed document (it survives a change of root key).</summary>
    public void RememberAuditKey(StoreDocument doc)
    {
        if (!store.Options.Audit || doc.AuditKey is not { Length: 32 } key) return;
        lock (store.Sync)
        {
            if (_auditKey is not null && _auditStoreId == doc.StoreId && CryptographicOperations.FixedTimeEquals(_auditKey, key)) return;
            ForgetAuditKeyLocked();
            _auditKey = key.ToArray();
            _auditStoreId = doc.StoreId;
            _auditSink = new AuditLogEventSink(new AuditLog(store.AuditDirectory, _auditKey, store.Options.AuditLogOptions) { Anchor = KnownAnchor });
        }
    }

    /// <summary>Wipes the audit key, the log's copy included (a write through it after this fails closed).</summary>
    public void ForgetAuditKey()
    {
        lock (store.Sync) ForgetAuditKeyLocked();
    }

    private void ForgetAuditKeyLocked()
    {
        if (_auditKey is not null) CryptographicOperations.ZeroMemory(_auditKey);
        _auditSink?.Log.WipeKey();
        _auditKey = null;
        _auditStoreId = null;
        _auditSink = null;
    }

    public AuditLogEventSink? Sink()
    {
        lock (store.Sync) return _auditSink;
    }

    /// <summary>The audit key buffers held now (tests of wiping: the very arrays, not copies).</summary>
    internal IEnumerable<byte[]> HeldKeyBuffers()
    {
        lock (store.Sync) return _auditKey is null ? [] : [_auditKey, _auditSink!.Log.KeyBuffer];
    }

    /// <summary>Remembers the newest anchor of this store's documents seen by this process (an older one is still a true bound).</summary>
    public void NoteAnchor(StoreDocument doc)
    {
        if (doc.AuditAnchor is not { } a) return;
        lock (store.Sync)
        {
            if (_anchor is null || a.Sequence >= _anchor.Sequence) _anchor = new AuditAnchor(a.Sequence, a.Hash);
        }
    }

    private AuditAnchor? KnownAnchor()
    {
        lock (store.Sync) return _anchor;
    }

    /// <summary>A new store starts a new log: an audit directory already there is renamed aside, never deleted or continued.</summary>
    public void SetAsideForeignAuditLog()
    {
        var directory = store.AuditDirectory;
        if (!Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any()) return;
        var aside = Path.Combine(store.Location, LocalKeyStore.SetAsidePrefix + store.Now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture) + "-" + KeyIds.New()[..8]);
        try { Directory.Move(directory, aside); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyStoreException(StoreErrorIds.StoreWriteFailed, EngineErrorCategory.WriteError,
                $"Cannot set aside the audit directory '{directory}' found where the key store is being created: {ex.Message}", ex) { Target = store.Location };
        }
    }
}
