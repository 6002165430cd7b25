namespace EncryptionTools.Engine.Format;

/// <summary>
/// The committing algorithm suites of message format v2 that we accept. Every other suite is refused by name,
/// so a user learns why (non-committing, v1) rather than seeing a parse error.
/// </summary>
public sealed class AlgorithmSuite
{
    public const ushort CommitKeyId = 0x0478;
    public const ushort CommitKeyEcdsaP384Id = 0x0578;

    public static readonly AlgorithmSuite CommitKey = new(CommitKeyId, "AES_256_GCM_HKDF_SHA512_COMMIT_KEY", signed: false);
    public static readonly AlgorithmSuite CommitKeyEcdsaP384 = new(CommitKeyEcdsaP384Id, "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", signed: true);

    private AlgorithmSuite(ushort id, string name, bool signed)
    {
        Id = id;
        Name = name;
        IsSigned = signed;
    }

    public ushort Id { get; }
    public string Name { get; }
    public bool IsSigned { get; }
    public int KeyLength => 32;
    public int IvLength => 12;
    public int TagLength => 16;
    public int SuiteDataLength => 32;
    public int MessageIdLength => 32;

    public override string ToString() => $"0x{Id:X4} {Name}";

    /// <summary>Known suites that are real ESDK suites but that we refuse to read, with the reason.</summary>
    private static readonly Dictionary<ushort, string> Refused = new()
    {
        [0x0014] = "AES_128_GCM_IV12_TAG16_NO_KDF",
        [0x0046] = "AES_192_GCM_IV12_TAG16_NO_KDF",
        [0x0078] = "AES_256_GCM_IV12_TAG16_NO_KDF",
        [0x0114] = "AES_128_GCM_IV12_TAG16_HKDF_SHA256",
        [0x0146] = "AES_192_GCM_IV12_TAG16_HKDF_SHA256",
        [0x0178] = "AES_256_GCM_IV12_TAG16_HKDF_SHA256",
        [0x0214] = "AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256",
        [0x0346] = "AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384",
        [0x0378] = "AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384",
    };

    public static AlgorithmSuite FromId(ushort id) => id switch
    {
        CommitKeyId => CommitKey,
        CommitKeyEcdsaP384Id => CommitKeyEcdsaP384,
        _ when Refused.TryGetValue(id, out var name) => throw new UnsupportedMessageFormatException(
            $"The message uses algorithm suite 0x{id:X4} ({name}), which does not commit to its key. " +
            "Only the committing suites 0x0478 and 0x0578 are accepted; re-encrypt the data with a current AWS Encryption SDK or with Protect-File."),
        _ => throw new NotAnEncryptedMessageException($"Unknown algorithm suite 0x{id:X4}: this is not an AWS Encryption SDK message we can read."),
    };

    /// <summary>Names a suite id for reporting, without throwing (used by inspection and compliance).</summary>
    public static string Describe(ushort id) => id switch
    {
        CommitKeyId => CommitKey.Name,
        CommitKeyEcdsaP384Id => CommitKeyEcdsaP384.Name,
        _ => Refused.TryGetValue(id, out var name) ? name : "unknown",
    };

    public static bool IsCommitting(ushort id) => id is CommitKeyId or CommitKeyEcdsaP384Id;
}
