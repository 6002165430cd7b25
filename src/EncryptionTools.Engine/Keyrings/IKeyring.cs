using EncryptionTools.Engine.Format;

namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// Wraps and unwraps data keys, as the ESDK's keyring interface does. The key store supplies its own keyring;
/// the raw keyrings below are the byte layouts the official SDKs read.
/// </summary>
public interface IKeyring
{
    /// <summary>Wraps the data key; one EDK per wrapping key this keyring holds.</summary>
    IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext);

    /// <summary>Null when this keyring does not recognise the EDK; otherwise the data key or the reason it failed.</summary>
    UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext);
}
