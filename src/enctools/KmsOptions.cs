using System.CommandLine;
using System.Text.RegularExpressions;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Operations;

namespace EncryptionTools.Cli;

/// <summary>
/// AWS KMS keys in the CLI. The AWS SDK is compiled into the Native AOT executable (docs/performance-kms.md measures
/// what that costs); registering costs a delegate: the provider, and with it the SDK's client, is created on the first
/// KMS key named, so a command with local keys only runs no AWS code at all.
/// </summary>
internal static partial class KmsSupport
{
    public static void Register() =>
        KeyringProviders.Register(AwsKmsArn.ProviderId, id => AwsKmsArn.TryParse(id, out _), () => new EncryptionTools.Kms.AwsKmsKeyringProvider());

    /// <summary>True when every key named is an AWS KMS key (and at least one is): the command needs no local store.</summary>
    public static bool AllExternal(IEnumerable<string> keyIds)
    {
        var any = false;
        foreach (var id in keyIds)
        {
            if (!KeyringProviders.IsExternal(id)) return false;
            any = true;
        }
        return any;
    }

    [GeneratedRegex(@"\A[0-9]{12}\z")]
    private static partial Regex AccountId();

    [GeneratedRegex(@"\A[a-z][a-z0-9-]{0,31}\z")]
    private static partial Regex Partition();

    /// <summary>
    /// --kms-discovery-account ID (repeatable) and --kms-discovery-partition P: opt into decrypting any aws-kms EDK of
    /// these accounts (the ESDK's discovery filter). Without them decryption is strict: only the KMS keys named with
    /// --key, else those of ENCTOOLS_KMS_KEY_IDS, are ever sent to KMS.
    /// </summary>
    internal sealed class DiscoveryOptions
    {
        public const string DefaultPartition = "aws";

        public Option<string[]> Accounts { get; } = new("--kms-discovery-account")
        {
            Description = "Discovery: also decrypt with any AWS KMS key of this 12-digit account the file names (repeatable). Without it, only the KMS keys named with --key (else ENCTOOLS_KMS_KEY_IDS) are used.",
        };

        public Option<string?> PartitionOption { get; } = new("--kms-discovery-partition")
        {
            Description = $"Discovery: the AWS partition of --kms-discovery-account (default: {DefaultPartition}; aws-cn, aws-us-gov...).",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(Accounts);
            command.Options.Add(PartitionOption);
        }

        /// <summary>The KMS keys a decryption may call: ENCTOOLS_KMS_KEY_IDS, plus the discovery filter given.</summary>
        public ExternalKeyOptions Resolve(ParseResult r)
        {
            var accounts = r.GetValue(Accounts) ?? [];
            var partition = r.GetValue(PartitionOption);
            var options = ExternalKeyOptions.FromEnvironment();
            if (accounts.Length == 0)
            {
                if (partition is not null)
                    throw Invalid("--kms-discovery-partition needs --kms-discovery-account: discovery is always limited to named accounts.");
                return options;
            }
            foreach (var account in accounts)
                if (!AccountId().IsMatch(account))
                    throw Invalid($"'{CliContext.Field(account, 64)}' is not an AWS account id (12 digits) for --kms-discovery-account.");
            partition ??= DefaultPartition;
            if (!Partition().IsMatch(partition))
                throw Invalid($"'{CliContext.Field(partition, 64)}' is not an AWS partition (aws, aws-cn, aws-us-gov...) for --kms-discovery-partition.");
            return options with { Discovery = new DiscoveryFilter(partition, [.. accounts.Distinct(StringComparer.Ordinal)]) };
        }

        private static EncryptionToolsException Invalid(string message) => new(ErrorCatalog.KmsInvalidKeyIdentifier, message);
    }
}
