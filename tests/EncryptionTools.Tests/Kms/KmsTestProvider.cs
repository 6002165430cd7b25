using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Kms;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// Registers the real AWS KMS provider on the local endpoint in this test process, as the module and the CLI register
/// theirs: every test that goes through <see cref="KeyringProviders"/> (store, files, routing) uses this one.
/// Registering again replaces it with an equal one, so test classes may call it in any order.
/// </summary>
internal static class KmsTestProvider
{
    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>The endpoint, with the provider registered for it.</summary>
    public static KmsEndpoint Register()
    {
        var endpoint = KmsEndpoint.Instance;
        lock (Gate)
        {
            if (!_registered || !KeyringProviders.Registered.Contains(AwsKmsArn.ProviderId))
            {
                KeyringProviders.Register(AwsKmsArn.ProviderId, id => AwsKmsArn.TryParse(id, out _),
                    () => new AwsKmsKeyringProvider(KmsKeyringTestSupport.Settings(endpoint.Url)));
                _registered = true;
            }
        }
        return endpoint;
    }
}
