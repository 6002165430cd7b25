using System.Text.RegularExpressions;

namespace EncryptionTools.Engine.Access;

/// <summary>
/// The resource name of a key in a local store: <c>arn:enctools:kms:local:&lt;storeId&gt;:key/&lt;keyId&gt;</c>. Policy
/// statements name keys this way in <c>Resource</c> (with <c>*</c> and <c>?</c> wildcards); <c>"*"</c> means the key the policy
/// belongs to. The store id takes the place of KMS's account, "local" the place of the region.
/// </summary>
internal sealed partial record KeyArn(string StoreId, string KeyId)
{
    public const string Prefix = "arn:enctools:kms:";
    public const string Region = "local";

    public static KeyArn Parse(string arn)
    {
        ArgumentNullException.ThrowIfNull(arn);
        var m = ArnRx().Match(arn);
        if (!m.Success)
            throw new ArgumentException($"'{arn}' is not a key ARN of the form {Prefix}{Region}:<storeId>:key/<keyId>.", nameof(arn));
        return new KeyArn(m.Groups[1].Value, m.Groups[2].Value);
    }

    public static bool TryParse(string? arn, out KeyArn? result)
    {
        result = null;
        if (arn is null) return false;
        var m = ArnRx().Match(arn);
        if (m.Success) result = new KeyArn(m.Groups[1].Value, m.Groups[2].Value);
        return m.Success;
    }

    public override string ToString() => $"{Prefix}{Region}:{StoreId}:key/{KeyId}";

    [GeneratedRegex(@"^arn:enctools:kms:local:([A-Za-z0-9._-]+):key/([A-Za-z0-9._-]+)\z", RegexOptions.CultureInvariant)]
    private static partial Regex ArnRx();
}
