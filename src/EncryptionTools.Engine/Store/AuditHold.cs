namespace EncryptionTools.Engine.Store;

/// <summary>
/// Audit records held for a batch, shared by a session's keyrings: one append writes them all (one lock, one fsync),
/// in the order they happened.
/// </summary>
public sealed class AuditHold
{
    private readonly object _gate = new(); // a public type: callers could lock on the instance itself
    private List<(StoreEvent Event, Action<IReadOnlyList<StoreEvent>> Send)> _events = [];

    internal void Add(StoreEvent storeEvent, Action<IReadOnlyList<StoreEvent>> send)
    {
        lock (_gate) _events.Add((storeEvent, send));
    }

    /// <summary>Writes the held records: one append per store they belong to (one, in practice).</summary>
    public void Flush()
    {
        List<(StoreEvent Event, Action<IReadOnlyList<StoreEvent>> Send)> events;
        lock (_gate)
        {
            if (_events.Count == 0) return;
            events = _events;
            _events = [];
        }
        for (var start = 0; start < events.Count;)
        {
            var end = start + 1;
            while (end < events.Count && events[end].Send.Equals(events[start].Send)) end++;
            events[start].Send(events[start..end].Select(e => e.Event).ToList());
            start = end;
        }
    }
}
