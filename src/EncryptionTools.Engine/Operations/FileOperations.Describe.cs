using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Engine.Operations;

public sealed partial class FileOperations
{
    // ---------------------------------------------------------------- inspection

    /// <summary>Reads only the header and resolves each EDK to the store's key id, aliases and version, or Unknown.</summary>
    public EncryptedFileInfo Describe(string path, MessageLimits? limits = null)
    {
        IStoreKeyring? keyring;
        string? unavailable = null;
        try
        {
            keyring = HasStore ? DecryptKeyring() : null;
            if (keyring is null) unavailable = "no key store was consulted";
        }
        catch (EncryptionToolsException ex) when (ex.ErrorId != StoreErrorIds.StoreNotFound)
        {
            // A locked store still lets the header be described; a named store that does not exist is a mistake to report.
            keyring = null;
            unavailable = $"the key store could not be read: {ex.Message}";
        }
        return EncryptedFileInfo.Read(path, limits, (edk, info) => Resolve(keyring, unavailable, edk, info));
    }

    private EncryptedDataKeyInfo Resolve(IStoreKeyring? keyring, string? unavailable, EncryptedDataKey edk, EncryptedDataKeyInfo info)
    {
        // An AWS KMS EDK names its key by ARN: shown as it is, without asking the store or KMS.
        if (edk.ProviderId == AwsKmsArn.ProviderId && KeyOf(edk) is { } arn && AwsKmsArn.TryParse(arn, out _))
            return info with { Resolution = EdkResolution.External, KeyId = arn, Note = "an AWS KMS key" };
        if (keyring is null) return info with { Resolution = EdkResolution.Unknown, Note = unavailable };
        var reference = keyring.Identify(edk);
        if (reference is null)
            return info with
            {
                Resolution = EdkResolution.Unknown,
                Note = edk.ProviderId.StartsWith("aws-kms", StringComparison.Ordinal)
                    ? "an AWS KMS key; not a key of this store"
                    : $"no key of the store '{Store.Location}' made it",
            };
        return info with { Resolution = EdkResolution.InStore, KeyId = reference.KeyId, Version = reference.Version, Aliases = AliasesOf(reference.KeyId) };
    }

    private IReadOnlyList<string> AliasesOf(string keyId)
    {
        if (_aliases is null)
        {
            _aliases = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var alias in Store.GetAliases())
            {
                if (!_aliases.TryGetValue(alias.KeyId, out var list)) _aliases[alias.KeyId] = list = [];
                list.Add(alias.AliasName);
            }
        }
        return _aliases.TryGetValue(keyId, out var found) ? found : [];
    }

    private Dictionary<string, EncKey>? _catalog;

    /// <summary>
    /// How a person names each key of a result: a store key by its first alias (else its key id) and version, any other
    /// key by its provider id and name. The store is read without an audit record (naming a key is not using it).
    /// </summary>
    public IReadOnlyList<string> KeyLabels(IEnumerable<FileKeyIdentity> keys)
    {
        if (_catalog is null)
        {
            try
            {
                _catalog = Store.PeekCatalog().Keys.ToDictionary(k => k.KeyId, StringComparer.Ordinal);
            }
            catch (Exception ex) when (ex is EncryptionToolsException or IOException or UnauthorizedAccessException)
            {
                _catalog = new Dictionary<string, EncKey>(StringComparer.Ordinal); // a locked store: plain identities
            }
        }
        return keys.Select(Label).ToList();
    }

    private string Label(FileKeyIdentity identity)
    {
        if (identity.ProviderId == AwsKmsArn.ProviderId && AwsKmsArn.TryParse(identity.KeyName, out _)) return identity.KeyName;
        foreach (var key in _catalog!.Values)
        {
            if (key.KeyNamespace != identity.ProviderId) continue;
            var version = identity.KeyName == key.KeyName ? key.CurrentVersion : VersionOf(identity.KeyName, key.KeyId);
            if (version is null) continue;
            return (key.Aliases.Count > 0 ? key.Aliases[0] : key.KeyId) + " v" + version.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return UntrustedText.Neutralize(identity.ToString());
    }

    private static int? VersionOf(string keyName, string keyId)
    {
        var prefix = keyId + "/v";
        return keyName.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(keyName.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
    }
}
