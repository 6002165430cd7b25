using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Files;

/// <summary>
/// Who can open a message, as its header says: one encrypted data key's provider id (key namespace, or "aws-kms")
/// and key name (the raw keyrings' key name, or the KMS-style key id). Results and rewrap requests use it.
/// </summary>
public sealed record FileKeyIdentity(string ProviderId, string KeyName)
{
    public static FileKeyIdentity Of(EncryptedDataKey edk) => new(edk.ProviderId, EdkNames.KeyName(edk));

    /// <summary>The identities of a header's real data keys (padding is not a key).</summary>
    public static IReadOnlyList<FileKeyIdentity> OfKeys(IEnumerable<EncryptedDataKey> edks) =>
        edks.Where(e => !HeaderReserve.IsPadding(e)).Select(Of).ToList();

    /// <summary>True when <paramref name="edk"/> is wrapped under this identity.</summary>
    public bool Matches(EncryptedDataKey edk) =>
        edk.ProviderId == ProviderId && EdkNames.KeyName(edk) == KeyName;

    public override string ToString() => ProviderId + "/" + KeyName;
}
