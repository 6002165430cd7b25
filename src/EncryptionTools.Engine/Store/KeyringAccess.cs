using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Store;

/// <summary>Evaluation and reporting of a store keyring's uses.</summary>
internal sealed class KeyringAccess
{
    public required Func<string, string, IReadOnlyDictionary<string, string>, AccessDecision> Evaluate { get; init; }
    /// <summary>Completes an event as it happens (time, store, caller).</summary>
    public required Func<StoreEvent, StoreEvent> Stamp { get; init; }
    /// <summary>Records completed events (event sink and audit log).</summary>
    public required Action<IReadOnlyList<StoreEvent>> Send { get; init; }
    public StoreFileContext? FileContext { get; set; }

    private AuditHold? _hold; // guarded by lock (this)

    /// <summary>Records a key use now, or puts it in the hold after <see cref="Hold"/>.</summary>
    public void Emit(StoreEvent storeEvent)
    {
        storeEvent = Stamp(storeEvent);
        AuditHold? hold;
        lock (this) hold = _hold;
        if (hold is not null) hold.Add(storeEvent, Send);
        else Send([storeEvent]);
    }

    /// <summary>From now on key uses wait in <paramref name="hold"/>: a batch of files records them once per group.</summary>
    public void Hold(AuditHold hold)
    {
        lock (this) _hold = hold;
    }

    /// <summary>Records what the hold has (for this keyring and any other sharing it).</summary>
    public void FlushHeld()
    {
        AuditHold? hold;
        lock (this) hold = _hold;
        hold?.Flush();
    }

    /// <summary>A store event for one use of a key, with the file and the decision.</summary>
    public StoreEvent Event(string operation, KeyVersionRef key, AccessDecision decision) => new()
    {
        Time = default,
        Operation = operation,
        StoreLocation = "",
        KeyId = key.KeyId,
        Version = key.Version,
        Action = decision.Action,
        EncryptionContext = decision.EncryptionContext,
        FilePath = FileContext?.FilePath,
        DecidedBy = decision.DecidedBy,
        Succeeded = decision.IsAllowed,
        Denied = !decision.IsAllowed,
        ErrorId = decision.IsAllowed ? null : ErrorCatalog.AccessDenied.Id,
        Detail = decision.IsAllowed ? null : decision.Reason,
    };
}
