using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;
using static EncryptionTools.Tests.Kms.KmsFileTestKit;

namespace EncryptionTools.Tests.Kms;

/// <summary>The in-memory data plane (Protect-EncData, Unprotect-EncData, New-EncDataKey, Update-EncData) with AWS KMS keys.</summary>
[Collection(KmsProviderCollection.Name)]
public class KmsDataTests
{
    private static readonly KmsEndpoint Kms = KmsTestProvider.Register();
    private static readonly Dictionary<string, string> Context = new() { ["app"] = "payroll" };

    [Fact]
    public void Data_encrypted_to_a_KMS_key_and_a_local_key_decrypts_with_each_and_KMS_needs_no_store()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/d" });
        var kmsKey = Kms.CreateKey();
        var plaintext = RandomNumberGenerator.GetBytes(3000);
        byte[] message;
        using (var session = Session(ts.Store))
        {
            message = new DataOperations(session).Encrypt(new MemoryStream(plaintext), new FileKeys { KeyIds = [kmsKey, "alias/d"] }, Context);
            Assert.Equal(["kms:GenerateDataKey"], session.ExternalKeyUses.Select(u => u.Operation));
            using var local = new DataOperations(session).Decrypt(message, ["alias/d"], Context);
            Assert.Equal(plaintext, local.ToArray());
        }

        var nowhere = Path.Combine(ts.Dir.Path, "no-store");
        using (var session = Session(StoreAt(nowhere)))
        {
            using var viaKms = new DataOperations(session).Decrypt(message, [kmsKey], Context);
            Assert.Equal(plaintext, viaKms.ToArray());
            // Strict by default: with no key named and none configured, KMS is not called.
            var kmsOnly = new DataOperations(session).Encrypt(new MemoryStream(plaintext), new FileKeys { KeyIds = [kmsKey] }, Context);
            var strict = Assert.ThrowsAny<EncryptionToolsException>(() => new DataOperations(Session(null)).Decrypt(kmsOnly, null, null));
            Assert.Equal(ErrorCatalog.KmsKeyNotAllowed.Id, strict.ErrorId);
            Assert.Contains(kmsKey, strict.Message, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(nowhere));
    }

    [Fact]
    public void A_data_key_from_a_KMS_alias_names_the_key_and_decrypts_to_the_same_bytes()
    {
        var kmsKey = Kms.CreateKey();
        var alias = Kms.CreateAlias(kmsKey, "alias/route-data-" + Guid.NewGuid().ToString("N")[..8]);
        using var session = Session(null);
        var data = new DataOperations(session);
        var key = data.GenerateDataKey(alias, Context, withoutPlaintext: false);
        Assert.Equal(kmsKey, key.KeyArn);
        Assert.Equal(KmsEndpoint.KeyId(kmsKey), key.KeyId);
        Assert.Equal(32, key.Plaintext!.Length);
        Assert.Equal("kms:GenerateDataKey", Assert.Single(session.ExternalKeyUses).Operation);

        using var opened = data.Decrypt(key.CiphertextBlob, [alias], Context);
        Assert.Equal(key.Plaintext, opened.ToArray());
    }

    [Fact]
    public void ReEncrypt_moves_data_from_a_local_key_to_a_KMS_key_header_only()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/src" });
        var kmsKey = Kms.CreateKey();
        var plaintext = "move me"u8.ToArray();
        using var session = Session(ts.Store);
        var data = new DataOperations(session);
        var message = data.Encrypt(new MemoryStream(plaintext), new FileKeys { KeyIds = ["alias/src"] }, Context);
        var moved = data.ReEncrypt(message, new FileKeys { KeyIds = [kmsKey] }, ["alias/src"], Context);
        using (var h = new MemoryStream(moved))
        {
            var header = EncryptionTools.Engine.Format.MessageHeader.Read(h);
            Assert.Equal(AwsKmsArn.ProviderId, Assert.Single(header.EncryptedDataKeys, e => !EncryptionTools.Engine.Format.HeaderReserve.IsPadding(e)).ProviderId);
        }

        // And back, from KMS (named as the source) to the local key.
        var back = data.ReEncrypt(moved, new FileKeys { KeyIds = ["alias/src"] }, [kmsKey], Context);
        using (var viaKms = new DataOperations(Session(null)).Decrypt(moved, [kmsKey], Context))
            Assert.Equal(plaintext, viaKms.ToArray());
        using var local = data.Decrypt(back, ["alias/src"], Context);
        Assert.Equal(plaintext, local.ToArray());
        Assert.Equal(["kms:Encrypt", "kms:Decrypt"], session.ExternalKeyUses.Select(u => u.Operation));
    }
}
