using System.Security.Cryptography;
using System.Text;
using Amazon.KeyManagementService.Model;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Kms;

/// <summary>
/// Decrypts "aws-kms" EDKs as the ESDK's strict and discovery AWS KMS keyrings do: only an EDK whose key ARN is
/// allowed (one of the allowed keys, an allowed alias resolved once with DescribeKey, or, with discovery, a key of the
/// filter's partition and accounts) is sent to KMS, with that ARN as KeyId and the message's context; KMS must report
/// that same key. Every other "aws-kms" EDK is NotAllowed without a call; one EDK's failure never throws.
/// </summary>
internal sealed class AwsKmsDecryptKeyring : IExternalKeyring
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly KmsService _service;
    private readonly IKeyUseSink? _sink;
    private readonly DiscoveryFilter? _discovery;
    private readonly HashSet<string> _allowedKeys = new(StringComparer.Ordinal);
    private readonly List<AwsKmsArn> _unresolvedAliases = [];
    private readonly Dictionary<string, KmsCallException> _aliasFailures = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public AwsKmsDecryptKeyring(KmsService service, IReadOnlyList<AwsKmsArn> allowed, DiscoveryFilter? discovery, IKeyUseSink? sink)
    {
        _service = service;
        _sink = sink;
        _discovery = discovery;
        foreach (var arn in allowed)
        {
            if (arn.IsAlias) _unresolvedAliases.Add(arn);
            else _allowedKeys.Add(arn.ToString());
        }
    }

    public string ProviderId => AwsKmsArn.ProviderId;

    public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext) =>
        throw new InvalidOperationException("An AWS KMS keyring made for decryption does not encrypt.");

    public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext)
    {
        if (edk.ProviderId != AwsKmsArn.ProviderId) return null;
        string info;
        try { info = StrictUtf8.GetString(edk.ProviderInfo); }
        catch (DecoderFallbackException) { return NotAllowed("(not UTF-8)", "its provider info is not UTF-8 text, so it names no key ARN"); }
        if (!AwsKmsArn.TryParse(info, out var arn) || arn.IsAlias)
            return NotAllowed(info, "its provider info is not an AWS KMS key ARN");
        var keyArn = arn.ToString();

        KmsCallException? aliasFailure = null;
        if (!IsAllowed(arn, keyArn, out aliasFailure))
        {
            if (aliasFailure is not null)
                return Failure(keyArn, aliasFailure, $"an allowed alias could not be resolved: {aliasFailure.Detail}");
            return NotAllowed(keyArn, _discovery is null
                ? "strict decryption: the key is not one of the allowed AWS KMS keys; KMS was not called"
                : $"the key is not allowed and not in the discovery filter (partition '{_discovery.Partition}', accounts {string.Join(", ", _discovery.AccountIds)}); KMS was not called");
        }

        IReadOnlyDictionary<string, string> context;
        try { context = EncryptionContext.Deserialize(serializedContext); }
        catch (EncryptionToolsException ex)
        {
            return UnwrapResult.Fail(new EdkFailure(AwsKmsArn.ProviderId, keyArn, EdkFailureKind.WrongKey, ex.Message) { ErrorId = ex.ErrorId });
        }

        DecryptResponse response;
        try
        {
            response = _service.Call(arn, KmsOperations.Decrypt, _sink,
                (kms, ct) => kms.DecryptAsync(new DecryptRequest
                {
                    KeyId = keyArn,
                    CiphertextBlob = new MemoryStream(edk.Ciphertext, writable: false),
                    EncryptionContext = AwsKmsKeyringProvider.ToDictionary(context),
                }, ct), r => r.KeyId);
        }
        catch (KmsCallException ex) { return Failure(keyArn, ex, ex.Detail); }

        var plaintext = KmsPlaintext.Take(response.Plaintext);
        if (!string.Equals(response.KeyId, keyArn, StringComparison.Ordinal))
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return UnwrapResult.Fail(new EdkFailure(AwsKmsArn.ProviderId, keyArn, EdkFailureKind.WrongKey,
                $"KeyMismatch: AWS KMS reported that key '{UntrustedText.Neutralize(response.KeyId, 200)}' decrypted it, not the key the EDK names (request {response.ResponseMetadata?.RequestId ?? "none"}); the result was discarded")
            { ErrorId = ErrorCatalog.KmsKeyMismatch.Id });
        }
        return UnwrapResult.Success(plaintext);
    }

    private bool IsAllowed(AwsKmsArn arn, string keyArn, out KmsCallException? aliasFailure)
    {
        aliasFailure = null;
        if (_discovery is { } filter && arn.Partition == filter.Partition && filter.AccountIds.Contains(arn.Account, StringComparer.Ordinal))
            return true;
        lock (_gate)
        {
            if (_allowedKeys.Contains(keyArn)) return true;
            // Aliases are resolved when a KMS EDK first needs them, once; a failed resolution is reported, not retried.
            foreach (var alias in _unresolvedAliases)
            {
                try { _allowedKeys.Add(AwsKmsKeyringProvider.DescribeKey(_service, alias, _sink).Arn); }
                catch (KmsCallException ex) { _aliasFailures[alias.ToString()] = ex; }
                catch (EncryptionToolsException) { }
            }
            _unresolvedAliases.Clear();
            if (_allowedKeys.Contains(keyArn)) return true;
            // Only an alias of the EDK's account and region could have named its key.
            aliasFailure = _aliasFailures.Where(f => AwsKmsArn.TryParse(f.Key, out var a) && a.Account == arn.Account && a.Region == arn.Region && a.Partition == arn.Partition)
                .Select(f => f.Value).FirstOrDefault();
            return false;
        }
    }

    private static UnwrapResult NotAllowed(string keyName, string reason) =>
        UnwrapResult.Fail(new EdkFailure(AwsKmsArn.ProviderId, keyName, EdkFailureKind.NotAllowed, reason) { ErrorId = ErrorCatalog.KmsKeyNotAllowed.Id });

    private static UnwrapResult Failure(string keyArn, KmsCallException ex, string reason)
    {
        var kind = ex.ErrorId == ErrorCatalog.KmsInvalidCiphertext.Id || ex.ErrorId == ErrorCatalog.KmsKeyMismatch.Id ? EdkFailureKind.WrongKey : EdkFailureKind.KeyUnusable;
        return UnwrapResult.Fail(new EdkFailure(AwsKmsArn.ProviderId, keyArn, kind, reason) { ErrorId = ex.ErrorId });
    }

    public void Dispose() { }
}
