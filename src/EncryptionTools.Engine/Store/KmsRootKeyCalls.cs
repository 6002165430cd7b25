using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The AWS KMS calls made for a store's root key, gathered as the provider reports them (from any thread), and as the
/// audit records that name each call's request id, to match CloudTrail.
/// </summary>
internal sealed class KmsRootKeyCalls : IKeyUseSink
{
    private readonly List<ExternalKeyUse> _items = [];

    public IReadOnlyList<ExternalKeyUse> Items
    {
        get { lock (_items) return [.. _items]; }
    }

    public void Record(ExternalKeyUse use)
    {
        lock (_items) _items.Add(use);
    }

    public IEnumerable<StoreEvent> Events(StoreContext store, string storeId) => Items.Select(use => new StoreEvent
    {
        Time = store.Now, Operation = use.Operation == "kms:Decrypt" ? "KeyUsedToDecrypt" : "KeyUsedToEncrypt", StoreLocation = store.Location,
        StoreId = storeId, KeyId = use.KeyIdentifier, Action = use.Operation, Succeeded = use.Succeeded, RequestId = use.RequestId,
        Detail = $"{use.ProviderId}: the store's root key",
    });
}
