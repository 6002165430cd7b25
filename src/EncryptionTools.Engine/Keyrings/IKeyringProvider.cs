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
