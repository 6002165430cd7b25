namespace EncryptionTools.Engine.Store;

/// <summary>One change under the writer lock: the fresh document it applies to, its time, and the events it makes.</summary>
internal sealed class MutationContext(StoreDocument doc, DateTimeOffset now, string operation, string location)
{
    public StoreDocument Doc { get; } = doc;
    public DateTimeOffset Now { get; } = now;
    public bool Changed { get; private set; } = true;
    /// <summary>Events of due maintenance (destruction, automatic rotation) are audited under their own names.</summary>
    public bool InMaintenance { get; set; }
    public List<StoreEvent> Events { get; } = [];

    public void Unchanged(KeyRecord? key)
    {
        Changed = Events.Count > 0; // maintenance may already have changed something
        if (key is not null) Event(key.KeyId, null, null, "no change", recordChange: false);
    }

    public void Event(string? keyId, int? version, string? alias, string? detail, string? op = null, bool recordChange = true)
    {
        if (recordChange) Changed = true;
        Events.Add(new StoreEvent { Time = Now, Operation = op ?? operation, StoreLocation = location, StoreId = Doc.StoreId, KeyId = keyId,
            Version = version, AliasName = alias, Detail = detail, Action = InMaintenance ? op ?? operation : MutationActions.For(op ?? operation),
            DecidedBy = InMaintenance ? "the key's deletion date or rotation schedule" : null });
    }
}
