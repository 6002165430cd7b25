using EncryptionTools.Engine.Format;

namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// A family of keys held outside this process (AWS KMS; a Vault transit engine or another cloud's KMS later), named by
/// identifiers it recognises and writing EDKs under its own provider id. The engine reaches it only through this
/// interface and <see cref="KeyringProviders"/>, so the service's SDK stays in the provider's own assembly (in the
/// module, in its own load context). docs/keyrings.md describes the contract.
/// </summary>
public interface IKeyringProvider
{
    /// <summary>The EDK provider id it writes and reads ("aws-kms").</summary>
    string ProviderId { get; }

    /// <summary>Whether <paramref name="keyIdentifier"/> names one of its keys (for AWS KMS: a key ARN or alias ARN).</summary>
    bool Recognizes(string keyIdentifier);

    /// <summary>
    /// A keyring that wraps the data key under every named key, in order. Its first key generates the data key
    /// (<see cref="IDataKeyGenerator"/>) when the message encryptor asks it to. Unknown or unusable keys throw
    /// before any data is read, with a catalog id of the KMS family.
    /// </summary>
    IExternalKeyring CreateEncryptKeyring(IReadOnlyList<string> keyIdentifiers, IKeyUseSink? sink);

    /// <summary>
    /// A keyring that opens only this provider's EDKs the scope allows (strict: the listed keys; discovery: any key of
    /// the filter's partition and accounts) and reports every other EDK of its provider id as NotAllowed.
    /// </summary>
    IExternalKeyring CreateDecryptKeyring(ExternalDecryptScope scope, IKeyUseSink? sink);

    /// <summary>Encrypts a small secret (a key store's root key) under a key, bound to <paramref name="context"/>.</summary>
    byte[] WrapSecret(string keyIdentifier, ReadOnlySpan<byte> secret, IReadOnlyDictionary<string, string> context, IKeyUseSink? sink);

    /// <summary>Decrypts what <see cref="WrapSecret"/> made; the service must report <paramref name="keyIdentifier"/>'s key as the one used.</summary>
    byte[] UnwrapSecret(string keyIdentifier, byte[] wrapped, IReadOnlyDictionary<string, string> context, IKeyUseSink? sink);

    /// <summary>The key's state as the service reports it (for compliance).</summary>
    ExternalKeyStatus Describe(string keyIdentifier);
}

/// <summary>A keyring of an <see cref="IKeyringProvider"/>: it holds a network client, released on dispose.</summary>
public interface IExternalKeyring : IKeyring, IDisposable
{
    /// <summary>The provider id of the EDKs it writes and reads.</summary>
    string ProviderId { get; }
}

/// <summary>
/// A keyring that can make the data key itself (AWS KMS GenerateDataKey). The message encryptor asks the first
/// keyring of a message that is one; every other keyring then wraps the key it returned.
/// </summary>
public interface IDataKeyGenerator
{
    /// <summary>A new data key of <paramref name="length"/> bytes (the caller zeroes it) and the EDKs this keyring made for it.</summary>
    (byte[] DataKey, IReadOnlyList<EncryptedDataKey> Edks) Generate(int length, byte[] serializedContext);
}

/// <summary>Where an external keyring reports each call it made to its service, for the store's audit log.</summary>
public interface IKeyUseSink
{
    void Record(ExternalKeyUse use);
}

/// <summary>
/// One call to a key service: which key, which operation ("kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"), and
/// the service's request id (to match CloudTrail), or its error code when it failed. Never key material.
/// </summary>
public sealed record ExternalKeyUse(string ProviderId, string KeyIdentifier, string Operation, bool Succeeded, string? RequestId, string? ErrorCode);

/// <summary>
/// Which of a provider's EDKs a decryption may send to the service: strict (<see cref="AllowedKeys"/>, compared with
/// the EDK's key ARN and with the key the service says it used) or, as an explicit opt-in, discovery limited to
/// <see cref="Discovery"/>'s partition and accounts.
/// </summary>
public sealed record ExternalDecryptScope
{
    public IReadOnlyList<string> AllowedKeys { get; init; } = [];
    public DiscoveryFilter? Discovery { get; init; }
}

/// <summary>The ESDK's discovery filter: only keys of this partition ("aws") and these account ids.</summary>
public sealed record DiscoveryFilter(string Partition, IReadOnlyList<string> AccountIds);

/// <summary>What the service says of a key (DescribeKey): its ARN, state ("Enabled", "Disabled", "PendingDeletion", ...) and deletion date.</summary>
public sealed record ExternalKeyStatus(string KeyIdentifier, string KeyArn, string State, DateTimeOffset? DeletionDate);
