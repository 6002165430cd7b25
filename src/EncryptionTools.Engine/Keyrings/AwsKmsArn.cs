namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// An AWS KMS key or alias ARN, arn:&lt;partition&gt;:kms:&lt;region&gt;:&lt;account&gt;:key/&lt;id&gt; or ...:alias/&lt;name&gt;,
/// as the ESDK's AWS KMS keyring validates it. Plain text parsing: the engine names KMS keys without the AWS SDK.
/// </summary>
public sealed record AwsKmsArn(string Partition, string Region, string Account, string ResourceType, string Resource)
{
    /// <summary>The EDK provider id of the AWS KMS keyring (provider info: the key ARN).</summary>
    public const string ProviderId = "aws-kms";

    public bool IsAlias => ResourceType == "alias";

    /// <summary>The ARN as text.</summary>
    public override string ToString() => $"arn:{Partition}:kms:{Region}:{Account}:{ResourceType}/{Resource}";

    /// <summary>Parses a key ARN or alias ARN; false for anything else (a local key id, an alias name, a bare KMS key id).</summary>
    public static bool TryParse(string? text, out AwsKmsArn arn)
    {
        arn = null!;
        if (string.IsNullOrEmpty(text) || !text.StartsWith("arn:", StringComparison.Ordinal)) return false;
        var parts = text.Split(':', 6);
        if (parts.Length != 6 || parts[2] != "kms") return false;
        string partition = parts[1], region = parts[3], account = parts[4], rest = parts[5];
        if (partition.Length == 0 || region.Length == 0 || account.Length == 0) return false;
        // AWS partitions are aws, aws-cn, aws-us-gov, aws-iso...: the local store's own ARNs (arn:enctools:kms:local:...) are not KMS keys.
        if (!partition.StartsWith("aws", StringComparison.Ordinal)) return false;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1) return false;
        var type = rest[..slash];
        if (type is not ("key" or "alias")) return false;
        if (!IsPlain(partition) || !IsPlain(region) || !IsPlain(account) || !IsPlain(rest)) return false;
        arn = new AwsKmsArn(partition, region, account, type, rest[(slash + 1)..]);
        return true;
    }

    // No whitespace or control characters: an ARN is printed in errors and written into headers as it is.
    private static bool IsPlain(string s) => s.All(c => c > ' ' && c < 0x7f);
}
