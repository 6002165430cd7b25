using System.Security.Cryptography;
using System.Text;
using Amazon.KeyManagementService.Model;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Kms;

/// <summary>
/// The AWS KMS keyring provider: key and alias ARNs, EDKs as the ESDK's AWS KMS keyring writes them (provider id
/// "aws-kms", provider info the key ARN KMS reports, ciphertext KMS's blob), the message's encryption context passed
/// to every call. It holds one client per region, made on first use and disposed with it.
/// </summary>
public sealed class AwsKmsKeyringProvider : IKeyringProvider, IDisposable
{
    private readonly KmsService _service;

    /// <summary>Credentials, region and endpoint from the AWS SDK's standard chain (AWS_ENDPOINT_URL_KMS included); the default retry bounds.</summary>
    public AwsKmsKeyringProvider() : this(new AwsKmsClientSettings()) { }

    /// <summary>With explicit settings (an endpoint, credentials, a region, retry bounds); what is left null comes from the standard chain.</summary>
    public AwsKmsKeyringProvider(AwsKmsClientSettings settings) => _service = new KmsService(settings);

    public string ProviderId => AwsKmsArn.ProviderId;

    public bool Recognizes(string keyIdentifier) => AwsKmsArn.TryParse(keyIdentifier?.Trim(), out _);

    public IExternalKeyring CreateEncryptKeyring(IReadOnlyList<string> keyIdentifiers, IKeyUseSink? sink)
    {
        ArgumentNullException.ThrowIfNull(keyIdentifiers);
        if (keyIdentifiers.Count == 0)
            throw new EncryptionToolsException(ErrorCatalog.KmsInvalidKeyIdentifier, "An AWS KMS keyring needs at least one key ARN or alias ARN.");
        return new AwsKmsEncryptKeyring(_service, [.. keyIdentifiers.Select(ParseArn)], sink);
    }

    public IExternalKeyring CreateDecryptKeyring(ExternalDecryptScope scope, IKeyUseSink? sink)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var allowed = (scope.AllowedKeys ?? []).Select(ParseArn).ToList();
        if (scope.Discovery is { } filter)
        {
            if (string.IsNullOrWhiteSpace(filter.Partition) || filter.AccountIds is null || filter.AccountIds.Count == 0
                || filter.AccountIds.Any(string.IsNullOrWhiteSpace))
                throw new EncryptionToolsException(ErrorCatalog.KmsInvalidKeyIdentifier,
                    "An AWS KMS discovery filter needs a partition and at least one account id; discovery without a filter is not offered.");
        }
        return new AwsKmsDecryptKeyring(_service, allowed, scope.Discovery, sink);
    }

    public byte[] WrapSecret(string keyIdentifier, ReadOnlySpan<byte> secret, IReadOnlyDictionary<string, string> context, IKeyUseSink? sink)
    {
        var arn = ParseArn(keyIdentifier);
        var (stream, buffer) = KmsPlaintext.Give(secret);
        try
        {
            var response = _service.Call(arn, KmsOperations.Encrypt, sink,
                (kms, ct) => kms.EncryptAsync(new EncryptRequest { KeyId = arn.ToString(), Plaintext = stream, EncryptionContext = ToDictionary(context) }, ct),
                r => r.KeyId);
            RequireKeyArn(arn, KmsOperations.Encrypt, response.KeyId);
            return response.CiphertextBlob?.ToArray() ?? throw Malformed(arn, KmsOperations.Encrypt, "no ciphertext");
        }
        finally { KmsPlaintext.Wipe(stream, buffer); }
    }

    public byte[] UnwrapSecret(string keyIdentifier, byte[] wrapped, IReadOnlyDictionary<string, string> context, IKeyUseSink? sink)
    {
        var arn = ParseArn(keyIdentifier);
        ArgumentNullException.ThrowIfNull(wrapped);
        var response = _service.Call(arn, KmsOperations.Decrypt, sink,
            (kms, ct) => kms.DecryptAsync(new DecryptRequest { KeyId = arn.ToString(), CiphertextBlob = new MemoryStream(wrapped, writable: false), EncryptionContext = ToDictionary(context) }, ct),
            r => r.KeyId);
        var plaintext = KmsPlaintext.Take(response.Plaintext);
        try
        {
            var expected = arn.IsAlias ? ResolveAlias(arn, sink) : arn.ToString();
            if (!string.Equals(response.KeyId, expected, StringComparison.Ordinal))
                throw new EncryptionToolsException(ErrorCatalog.KmsKeyMismatch,
                    $"AWS KMS {KmsOperations.Decrypt} with '{arn}' reported key '{UntrustedText.Neutralize(response.KeyId, 200)}' instead of '{expected}' (request {response.ResponseMetadata?.RequestId ?? "none"}); the result was discarded.")
                { Target = arn.ToString() };
            return plaintext;
        }
        catch
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw;
        }
    }

    public ExternalKeyStatus Describe(string keyIdentifier)
    {
        var arn = ParseArn(keyIdentifier);
        var metadata = DescribeKey(arn, null);
        return new ExternalKeyStatus(keyIdentifier, metadata.Arn, metadata.KeyState?.Value ?? "Unknown",
            metadata.DeletionDate is { } date ? new DateTimeOffset(DateTime.SpecifyKind(date, date.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : date.Kind)) : null);
    }

    public void Dispose() => _service.Dispose();

    // ---------------------------------------------------------------- shared by the keyrings

    internal KeyMetadata DescribeKey(AwsKmsArn arn, IKeyUseSink? sink) => DescribeKey(_service, arn, sink);

    internal static KeyMetadata DescribeKey(KmsService service, AwsKmsArn arn, IKeyUseSink? sink)
    {
        var response = service.Call(arn, KmsOperations.DescribeKey, sink,
            (kms, ct) => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = arn.ToString() }, ct), r => r.KeyMetadata?.Arn);
        return response.KeyMetadata ?? throw Malformed(arn, KmsOperations.DescribeKey, "no key metadata");
    }

    private string ResolveAlias(AwsKmsArn alias, IKeyUseSink? sink)
    {
        var resolved = DescribeKey(alias, sink).Arn;
        if (!AwsKmsArn.TryParse(resolved, out var keyArn) || keyArn.IsAlias) throw Malformed(alias, KmsOperations.DescribeKey, "an ARN that is not a key ARN");
        return resolved;
    }

    /// <summary>A key or alias ARN, else KmsInvalidKeyIdentifier.</summary>
    internal static AwsKmsArn ParseArn(string? keyIdentifier)
    {
        if (!AwsKmsArn.TryParse(keyIdentifier?.Trim(), out var arn))
            throw new EncryptionToolsException(ErrorCatalog.KmsInvalidKeyIdentifier,
                $"'{UntrustedText.Neutralize(keyIdentifier, 200)}' is not an AWS KMS key ARN or alias ARN (arn:aws:kms:region:account:key/id or arn:aws:kms:region:account:alias/name).")
            { Target = keyIdentifier };
        return arn;
    }

    internal static Dictionary<string, string> ToDictionary(IReadOnlyDictionary<string, string> context) =>
        new(context, StringComparer.Ordinal);

    /// <summary>KMS must name the key it used by key ARN (as the ESDK checks); anything else is refused.</summary>
    internal static AwsKmsArn RequireKeyArn(AwsKmsArn asked, string operation, string? reported)
    {
        if (!AwsKmsArn.TryParse(reported, out var arn) || arn.IsAlias)
            throw Malformed(asked, operation, $"key id '{UntrustedText.Neutralize(reported, 200)}', which is not a key ARN");
        return arn;
    }

    internal static EncryptionToolsException Malformed(AwsKmsArn arn, string operation, string what) =>
        new(ErrorCatalog.KmsRequestFailed, $"AWS KMS {operation} with '{arn}' answered with {what}; nothing was used.") { Target = arn.ToString() };

    internal static byte[] ProviderInfo(string keyArn) => Encoding.UTF8.GetBytes(keyArn);
}

internal static class KmsOperations
{
    public const string GenerateDataKey = "kms:GenerateDataKey";
    public const string Encrypt = "kms:Encrypt";
    public const string Decrypt = "kms:Decrypt";
    public const string DescribeKey = "kms:DescribeKey";
}
