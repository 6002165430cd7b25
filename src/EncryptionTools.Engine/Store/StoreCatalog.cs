using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Store;

/// <summary>A key version, as used by a keyring.</summary>
/// <summary>The read-only listing <see cref="IKeyStoreProvider.PeekCatalog"/> returns.</summary>
public sealed record StoreCatalog(IReadOnlyList<EncKey> Keys, IReadOnlyList<Grant> Grants)
{
    public static readonly StoreCatalog Empty = new([], []);
}
