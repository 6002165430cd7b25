using System.Collections.Concurrent;
using System.Net.Sockets;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Kms;

/// <summary>
/// The KMS clients (one per region, made on first use) and the one place where a call is made, bounded, recorded in
/// the sink and its failure mapped to a catalog id.
/// </summary>
internal sealed class KmsService : IDisposable
{
    private readonly AwsKmsClientSettings _settings;
    private readonly ConcurrentDictionary<string, Lazy<Client>> _clients = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    internal sealed record Client(IAmazonKeyManagementService Kms, string Endpoint) : IDisposable
    {
        public void Dispose() => Kms.Dispose();
    }

    public KmsService(AwsKmsClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.MaxRetries < 0) throw new ArgumentOutOfRangeException(nameof(settings), "MaxRetries cannot be negative.");
        if (settings.RequestTimeout <= TimeSpan.Zero || settings.TotalTimeout <= TimeSpan.Zero || settings.ConnectTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(settings), "The timeouts must be positive.");
        if (settings.EndpointUrl is not null && !Uri.TryCreate(settings.EndpointUrl, UriKind.Absolute, out _))
            throw new ArgumentException($"The KMS endpoint URL '{settings.EndpointUrl}' is not an absolute URL.", nameof(settings));
        _settings = settings;
    }

    /// <summary>
    /// Runs one KMS operation for <paramref name="key"/> (the ARN the call names), with the retry and time bounds,
    /// records it in <paramref name="sink"/> and returns the response; a failure throws <see cref="KmsCallException"/>.
    /// </summary>
    public T Call<T>(AwsKmsArn key, string operation, IKeyUseSink? sink, Func<IAmazonKeyManagementService, CancellationToken, Task<T>> call,
        Func<T, string?>? usedKey = null) where T : AmazonWebServiceResponse
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var keyText = key.ToString();
        Client client;
        try { client = ClientFor(_settings.Region ?? key.Region); }
        catch (Exception ex) when (ex is AmazonClientException or ArgumentException)
        {
            var failure = KmsCallException.Credentials(keyText, operation, null, ex.Message, ex);
            Record(sink, keyText, operation, false, null, failure.KmsErrorCode);
            throw failure;
        }
        using var budget = new CancellationTokenSource(_settings.TotalTimeout);
        T response;
        try
        {
            // Off the caller's thread: a host with a synchronization context (a GUI) never deadlocks on the SDK's tasks.
            response = Task.Run(() => call(client.Kms, budget.Token), budget.Token).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not KmsCallException)
        {
            var failure = KmsErrors.Map(ex, keyText, operation, client.Endpoint, budget.IsCancellationRequested ? _settings.TotalTimeout : null);
            Record(sink, keyText, operation, false, failure.RequestId, failure.KmsErrorCode);
            throw failure;
        }
        var reported = usedKey?.Invoke(response);
        Record(sink, string.IsNullOrEmpty(reported) ? keyText : reported, operation, true, response.ResponseMetadata?.RequestId, null);
        return response;
    }

    private static void Record(IKeyUseSink? sink, string key, string operation, bool succeeded, string? requestId, string? errorCode) =>
        sink?.Record(new ExternalKeyUse(AwsKmsArn.ProviderId, key, operation, succeeded, string.IsNullOrEmpty(requestId) ? null : requestId, errorCode));

    internal Client ClientFor(string region) =>
        _clients.GetOrAdd(region, r => new Lazy<Client>(() => CreateClient(r), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private Client CreateClient(string region)
    {
        var config = new AmazonKeyManagementServiceConfig
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = _settings.MaxRetries,
            Timeout = _settings.RequestTimeout,
            ConnectTimeout = _settings.ConnectTimeout,
        };
        if (_settings.EndpointUrl is { } url)
        {
            config.ServiceURL = url;
            config.AuthenticationRegion = region;
        }
        else config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        var kms = _settings.Credentials is { } credentials
            ? new AmazonKeyManagementServiceClient(credentials, config)
            : new AmazonKeyManagementServiceClient(config);
        return new Client(kms, EndpointOf(kms, config, region));
    }

    /// <summary>The URL the client sends to, for messages: what was set, what the standard chain resolved, or the region's default.</summary>
    private static string EndpointOf(AmazonKeyManagementServiceClient kms, AmazonKeyManagementServiceConfig config, string region)
    {
        if (!string.IsNullOrEmpty(config.ServiceURL)) return config.ServiceURL.TrimEnd('/');
        try
        {
            var endpoint = kms.DetermineServiceOperationEndpoint(new Amazon.KeyManagementService.Model.DescribeKeyRequest { KeyId = "x" });
            if (!string.IsNullOrEmpty(endpoint?.URL)) return endpoint.URL.TrimEnd('/');
        }
        catch (Exception ex) when (ex is AmazonClientException or ArgumentException or InvalidOperationException) { }
        return $"https://kms.{region}.amazonaws.com";
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var lazy in _clients.Values)
            if (lazy.IsValueCreated) lazy.Value.Dispose();
        _clients.Clear();
    }
}

/// <summary>A KMS call that failed: the catalog id, KMS's error code and request id, and a message that names the key and the operation.</summary>
internal sealed class KmsCallException(ErrorDefinition error, string keyArn, string operation, string? kmsErrorCode, string? requestId, string detail, Exception? inner)
    : EncryptionToolsException(error, $"AWS KMS {operation} with '{keyArn}' failed: {detail}", inner)
{
    public string KeyArn { get; } = keyArn;
    public string Operation { get; } = operation;
    /// <summary>KMS's error code (AccessDeniedException) or, for a failure before KMS answered, a short name of what happened.</summary>
    public string? KmsErrorCode { get; } = kmsErrorCode;
    public string? RequestId { get; } = requestId;
    /// <summary>"&lt;code&gt;: &lt;message&gt; (request &lt;id&gt;)": the reason given for one EDK.</summary>
    public string Detail { get; } = detail;

    public static KmsCallException Credentials(string keyArn, string operation, string? requestId, string message, Exception? inner) =>
        new(ErrorCatalog.KmsCredentialsMissing, keyArn, operation, "CredentialsMissing", requestId,
            "CredentialsMissing: " + UntrustedText.Neutralize(message, 600) + " (AWS credentials and region come from the AWS SDK's standard chain: environment, profiles, SSO, instance metadata)", inner)
        { Target = keyArn };
}

/// <summary>AWS SDK exceptions to catalog ids: the only place that knows KMS's error codes.</summary>
internal static class KmsErrors
{
    public static KmsCallException Map(Exception exception, string keyArn, string operation, string endpoint, TimeSpan? budgetSpent)
    {
        var ex = Unwrap(exception);
        if (ex is AmazonServiceException service && !string.IsNullOrEmpty(service.ErrorCode))
        {
            var code = service.ErrorCode;
            var error = code switch
            {
                "AccessDeniedException" => ErrorCatalog.KmsAccessDenied,
                "NotFoundException" => ErrorCatalog.KmsKeyNotFound,
                "DisabledException" => ErrorCatalog.KmsKeyDisabled,
                "KMSInvalidStateException" => ErrorCatalog.KmsKeyInvalidState,
                "InvalidCiphertextException" or "IncorrectKeyException" => ErrorCatalog.KmsInvalidCiphertext,
                "ThrottlingException" or "Throttling" or "TooManyRequestsException" or "RequestLimitExceeded" => ErrorCatalog.KmsThrottled,
                "UnrecognizedClientException" or "InvalidClientTokenId" or "InvalidSignatureException" or "SignatureDoesNotMatch"
                    or "IncompleteSignature" or "MissingAuthenticationToken" or "ExpiredTokenException" or "ExpiredToken" => ErrorCatalog.KmsCredentialsMissing,
                _ => ErrorCatalog.KmsRequestFailed,
            };
            var requestId = string.IsNullOrEmpty(service.RequestId) ? null : service.RequestId;
            var detail = $"{UntrustedText.Neutralize(code, 64)}: {UntrustedText.Neutralize(service.Message, 600)} (request {requestId ?? "none"})";
            if (error == ErrorCatalog.KmsThrottled) detail += " after the bounded retries";
            return new KmsCallException(error, keyArn, operation, code, requestId, detail, exception) { Target = keyArn };
        }
        if (budgetSpent is { } spent)
            return Unreachable(keyArn, operation, endpoint, $"no answer within {spent.TotalSeconds:0.#} s, retries included", exception);
        if (IsConnectionFailure(exception))
            return Unreachable(keyArn, operation, endpoint, UntrustedText.Neutralize(Innermost(exception).Message, 300), exception);
        if (ex is AmazonClientException client && IsAboutCredentialsOrRegion(client.Message))
            return KmsCallException.Credentials(keyArn, operation, null, client.Message, exception);
        var what = ex.GetType().Name;
        return new KmsCallException(ErrorCatalog.KmsRequestFailed, keyArn, operation, what, null,
            $"{what}: {UntrustedText.Neutralize(ex.Message, 600)} (request none)", exception) { Target = keyArn };
    }

    private static KmsCallException Unreachable(string keyArn, string operation, string endpoint, string why, Exception inner) =>
        new(ErrorCatalog.KmsEndpointUnreachable, keyArn, operation, "EndpointUnreachable", null,
            $"EndpointUnreachable: the AWS KMS endpoint {endpoint} could not be reached: {why} (request none)", inner) { Target = keyArn };

    private static Exception Unwrap(Exception ex)
    {
        while (ex is AggregateException { InnerExceptions.Count: 1 } aggregate) ex = aggregate.InnerExceptions[0];
        return ex;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }

    private static bool IsConnectionFailure(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is HttpRequestException or SocketException or TimeoutException or OperationCanceledException or IOException) return true;
        return false;
    }

    private static bool IsAboutCredentialsOrRegion(string message) =>
        message.Contains("credential", StringComparison.OrdinalIgnoreCase) || message.Contains("region", StringComparison.OrdinalIgnoreCase);
}
