using Amazon.Runtime;

namespace EncryptionTools.Kms;

/// <summary>
/// How the AWS KMS provider makes its clients. Every property left null comes from the AWS SDK's standard chain
/// (environment, shared config and credentials files, SSO, container and instance metadata), which also reads
/// AWS_ENDPOINT_URL_KMS and AWS_ENDPOINT_URL. The retry figures bound how long one KMS call can take.
/// </summary>
public sealed record AwsKmsClientSettings
{
    /// <summary>The KMS endpoint (http://127.0.0.1:4566, a VPC endpoint); null: the standard chain, else the region's endpoint.</summary>
    public string? EndpointUrl { get; init; }

    /// <summary>Credentials to sign with; null: the standard chain.</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>The region every call goes to; null: the region of the key's ARN.</summary>
    public string? Region { get; init; }

    /// <summary>Retries after the first attempt, only for throttling and transient errors (connection, timeout, 5xx).</summary>
    public int MaxRetries { get; init; } = DefaultMaxRetries;

    /// <summary>How long one HTTP attempt may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    /// <summary>How long opening a connection may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>How long one KMS operation may take, retries and backoff included.</summary>
    public TimeSpan TotalTimeout { get; init; } = DefaultTotalTimeout;

    public const int DefaultMaxRetries = 3;
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan DefaultTotalTimeout = TimeSpan.FromSeconds(20);
}
