using Amazon.Runtime;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Kms;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// The AWS KMS provider of the test process: the real <see cref="AwsKmsKeyringProvider"/> against the local endpoint
/// (<see cref="KmsEndpoint.Instance"/>). <see cref="KeyringProviders"/> is process-global and xunit runs classes in
/// parallel, so every test that needs the registered provider calls <see cref="Register"/>, which registers once, always
/// with the same settings. A test that needs other settings (a closed port) makes its own provider and never registers it.
/// </summary>
internal static class KmsTestProvider
{
    private static readonly object Gate = new();

    /// <summary>The settings every registration uses: the endpoint, its static test credentials, short retry bounds.</summary>
    public static AwsKmsClientSettings Settings => new()
    {
        EndpointUrl = KmsEndpoint.Instance.Url,
        Credentials = new BasicAWSCredentials(KmsEndpoint.AccessKey, KmsEndpoint.SecretKey),
        MaxRetries = 1,
        TotalTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Registers the provider when it is not registered yet (idempotent); returns the endpoint.</summary>
    public static KmsEndpoint Register()
    {
        var kms = KmsEndpoint.Instance;
        lock (Gate)
        {
            if (!KeyringProviders.Registered.Contains(AwsKmsArn.ProviderId))
                KeyringProviders.Register(AwsKmsArn.ProviderId, id => AwsKmsArn.TryParse(id, out _), () => new AwsKmsKeyringProvider(Settings));
        }
        return kms;
    }
}

/// <summary>The tests that register the process's AWS KMS provider, run one class at a time.</summary>
[CollectionDefinition(Name)]
public sealed class KmsProviderCollection
{
    public const string Name = "AWS KMS provider registry";
}
