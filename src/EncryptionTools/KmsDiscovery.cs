using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Module;

/// <summary>
/// -KmsDiscoveryAccountId and -KmsDiscoveryPartition: the opt-in that lets a decryption send any AWS KMS data key of
/// those accounts to KMS (the ESDK's discovery filter), beside the strict default (the KMS keys named with -KeyId or in
/// ENCTOOLS_KMS_KEY_IDS). Validated here, before any file or store is touched.
/// </summary>
internal static class KmsDiscovery
{
    public const string DefaultPartition = "aws";

    /// <summary>The filter, or null when no account is given; a partition without accounts, or an account id that is not
    /// twelve digits, is KmsInvalidKeyIdentifier.</summary>
    public static DiscoveryFilter? From(string[]? accountIds, string? partition, bool partitionGiven)
    {
        var accounts = (accountIds ?? []).Select(a => a?.Trim() ?? "").ToList();
        if (accounts.Count == 0)
        {
            if (partitionGiven)
                throw new EncryptionToolsException(ErrorCatalog.KmsInvalidKeyIdentifier,
                    "-KmsDiscoveryPartition needs -KmsDiscoveryAccountId: discovery is limited to the accounts named, never every account of a partition.") { Target = partition };
            return null;
        }
        foreach (var account in accounts)
        {
            if (account.Length != 12 || !account.All(char.IsAsciiDigit))
                throw new EncryptionToolsException(ErrorCatalog.KmsInvalidKeyIdentifier,
                    $"-KmsDiscoveryAccountId: '{UntrustedText.Neutralize(account, 64)}' is not an AWS account id (twelve digits).") { Target = account };
        }
        var name = string.IsNullOrWhiteSpace(partition) ? DefaultPartition : partition.Trim();
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw new EncryptionToolsException(ErrorCatalog.KmsInvalidKeyIdentifier,
                $"-KmsDiscoveryPartition: '{UntrustedText.Neutralize(name, 64)}' is not an AWS partition (aws, aws-cn, aws-us-gov, ...).") { Target = name };
        return new DiscoveryFilter(name, accounts.Distinct(StringComparer.Ordinal).ToList());
    }
}
