using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using EncryptionTools.TestSupport;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// The KMS-API endpoint on loopback the KMS tests talk to: the one test.sh started (ENCTOOLS_TEST_KMS_ENDPOINT), or,
/// for a run of one test, tests/kms/kms_server.py started here for the life of the test process. Never skipped: a
/// missing endpoint fails the tests that need it. <see cref="Admin"/> is the AWS SDK client the tests set keys up with.
/// </summary>
public sealed class KmsEndpoint
{
    public const string Region = LocalKmsServer.Region;
    public const string AccessKey = "testing";
    public const string SecretKey = "testing";

    private static readonly Lazy<KmsEndpoint> Shared = new(() => new KmsEndpoint(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The endpoint of this test process.</summary>
    public static KmsEndpoint Instance => Shared.Value;

    private KmsEndpoint()
    {
        Url = LocalKmsServer.Url(RepoRoot());
        Admin = new AmazonKeyManagementServiceClient(new BasicAWSCredentials(AccessKey, SecretKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = Url, AuthenticationRegion = Region, MaxErrorRetry = 0 });
    }

    /// <summary>http://127.0.0.1:PORT</summary>
    public string Url { get; }

    public AmazonKeyManagementServiceClient Admin { get; }

    /// <summary>
    /// The environment a process (or this one) needs to use the endpoint through the AWS SDK's standard chain:
    /// static credentials, the region and AWS_ENDPOINT_URL_KMS. Nothing else of the caller's AWS settings leaks in.
    /// </summary>
    public IReadOnlyDictionary<string, string?> ClientEnvironment => LocalKmsServer.ClientEnvironment(Url);

    /// <summary>A new symmetric key; its ARN.</summary>
    public string CreateKey(string? description = null, string? policy = null)
    {
        var request = new CreateKeyRequest { Description = description ?? "EncryptionTools test key" };
        if (policy is not null) request.Policy = policy;
        return Admin.CreateKeyAsync(request).GetAwaiter().GetResult().KeyMetadata.Arn;
    }

    /// <summary>A new alias for <paramref name="keyArn"/>; the alias ARN.</summary>
    public string CreateAlias(string keyArn, string aliasName)
    {
        Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = aliasName, TargetKeyId = KeyId(keyArn) }).GetAwaiter().GetResult();
        return keyArn[..keyArn.IndexOf(":key/", StringComparison.Ordinal)] + ":" + aliasName;
    }

    public void Disable(string keyArn) => Admin.DisableKeyAsync(new DisableKeyRequest { KeyId = KeyId(keyArn) }).GetAwaiter().GetResult();

    public void Enable(string keyArn) => Admin.EnableKeyAsync(new EnableKeyRequest { KeyId = KeyId(keyArn) }).GetAwaiter().GetResult();

    public void ScheduleDeletion(string keyArn) =>
        Admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = KeyId(keyArn), PendingWindowInDays = 7 }).GetAwaiter().GetResult();

    /// <summary>A key policy that denies <paramref name="action"/> (kms:Decrypt, say) to everyone: the endpoint enforces it.</summary>
    public static string DenyPolicy(string action) =>
        $$"""{"Version":"2012-10-17","Statement":[{"Sid":"deny","Effect":"Deny","Principal":{"AWS":"*"},"Action":"{{action}}","Resource":"*"}]}""";

    /// <summary>The key id part of a key ARN (moto's Disable/Enable take only ids).</summary>
    public static string KeyId(string keyArn) => keyArn[(keyArn.IndexOf(":key/", StringComparison.Ordinal) + 5)..];

    /// <summary>A loopback port nothing listens on (for the unreachable-endpoint tests).</summary>
    public static int ClosedPort() => LocalKmsServer.ClosedPort();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EncryptionTools.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (EncryptionTools.sln) was not found above " + AppContext.BaseDirectory);
    }
}
