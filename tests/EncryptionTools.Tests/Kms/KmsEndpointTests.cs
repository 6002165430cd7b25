using Amazon.KeyManagementService.Model;

namespace EncryptionTools.Tests.Kms;

/// <summary>The local endpoint behaves as the KMS tests assume: data calls honour key state and key policy.</summary>
public class KmsEndpointTests
{
    private static KmsEndpoint Kms => KmsEndpoint.Instance;

    [Fact]
    public async Task A_disabled_key_refuses_encrypt_as_AWS_does()
    {
        var arn = Kms.CreateKey();
        Kms.Disable(arn);
        var ex = await Assert.ThrowsAsync<DisabledException>(() =>
            Kms.Admin.EncryptAsync(new EncryptRequest { KeyId = arn, Plaintext = new MemoryStream([1, 2, 3]) }));
        Assert.Contains(KmsEndpoint.KeyId(arn), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deny_policy_on_decrypt_is_enforced()
    {
        var arn = Kms.CreateKey(policy: KmsEndpoint.DenyPolicy("kms:Decrypt"));
        var blob = (await Kms.Admin.EncryptAsync(new EncryptRequest { KeyId = arn, Plaintext = new MemoryStream([1, 2, 3]) })).CiphertextBlob;
        var ex = await Assert.ThrowsAnyAsync<Amazon.KeyManagementService.AmazonKeyManagementServiceException>(() =>
            Kms.Admin.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }));
        Assert.Equal("AccessDeniedException", ex.ErrorCode);
    }
}
