using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Kms;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// The AWS KMS provider on the local endpoint in this test process's registry, as the CLI and the module register theirs.
/// The registry is process-wide: register only this one there; a test that needs a provider pointed elsewhere passes
/// its own instance to the code it tests instead.
/// </summary>
internal static class KmsTestProvider
{
    private static readonly object Gate = new();

    /// <summary>Registers the provider (once; again after a test unregistered it).</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (KeyringProviders.Registered.Contains(AwsKmsArn.ProviderId)) return;
            KeyringProviders.Register(AwsKmsArn.ProviderId, id => AwsKmsArn.TryParse(id, out _),
                () => new AwsKmsKeyringProvider(new AwsKmsClientSettings
                {
                    EndpointUrl = KmsEndpoint.Instance.Url,
                    Credentials = new Amazon.Runtime.BasicAWSCredentials(KmsEndpoint.AccessKey, KmsEndpoint.SecretKey),
                }));
        }
    }
}
