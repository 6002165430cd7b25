using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Engine;
using EncryptionTools.Tests.Files;
using EncryptionTools.Engine.Files;

namespace EncryptionTools.Tests.Store;

/// <summary>Real files through FileCrypto with the store's keyrings.</summary>
public class StoreKeyringTests
{
    private static (string Plain, byte[] Content) Plain(TestStore t, string name = "plain.txt")
    {
        var content = RandomNumberGenerator.GetBytes(10_000);
        return (t.Dir.Write(name, content), content);
    }

    private static void EncryptFile(TestStore t, string source, string destination, params string[] keys)
    {
        using var keyring = t.Store.CreateEncryptKeyring(keys);
        FileRoute.EncryptFile(source, destination, [keyring]);
    }

    private static byte[] DecryptFile(TestStore t, string source, IEnumerable<string>? restrictTo = null)
    {
        var output = t.Dir.File("out-" + Guid.NewGuid().ToString("N"));
        using var keyring = t.Store.CreateDecryptKeyring(restrictTo);
        FileRoute.DecryptFile(source, output, [keyring]);
        return File.ReadAllBytes(output);
    }

    private static NoDecryptableKeyException DecryptFails(TestStore t, string source, IEnumerable<string>? restrictTo = null) =>
        Assert.Throws<NoDecryptableKeyException>(() => DecryptFile(t, source, restrictTo));

    [Fact]
    public void A_file_round_trips_and_its_EDK_names_the_key_version()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        var (plain, content) = Plain(t);
        EncryptFile(t, plain, plain + ".enc", key.KeyId);
        var header = FileCrypto.ReadHeader(plain + ".enc");
        var edk = Assert.Single(header.EncryptedDataKeys);
        Assert.Equal("enctools", edk.ProviderId);
        Assert.Equal($"{key.KeyId}/v1", EdkNames.KeyName(edk));
        Assert.Equal(content, DecryptFile(t, plain + ".enc"));
        using var keyring = t.Store.CreateDecryptKeyring();
        Assert.Equal(new KeyVersionRef(key.KeyId, key.Arn, 1, "enctools", $"{key.KeyId}/v1"), keyring.Identify(edk));
    }

    [Fact]
    public void With_no_key_the_default_key_encrypts()
    {
        using var t = new TestStore().Initialized();
        var (plain, content) = Plain(t);
        using (var keyring = t.Store.CreateEncryptKeyring([]))
        {
            Assert.Equal(t.Store.GetKey(Aliases.DefaultKeyAlias).KeyId, Assert.Single(keyring.EncryptingKeys).KeyId);
            FileRoute.EncryptFile(plain, plain + ".enc", [keyring]);
        }
        Assert.Equal(content, DecryptFile(t, plain + ".enc"));
    }

    [Fact]
    public void Several_keys_give_one_EDK_each_and_any_one_decrypts()
    {
        using var t = new TestStore();
        var a = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var b = t.Store.NewKey(new NewKeyRequest { Alias = "b" }).KeyId;
        var (plain, content) = Plain(t);
        EncryptFile(t, plain, plain + ".enc", a, "alias/b", b);
        Assert.Equal(2, FileCrypto.ReadHeader(plain + ".enc").EncryptedDataKeys.Count);
        t.Store.DisableKey(a);
        Assert.Equal(content, DecryptFile(t, plain + ".enc"));
    }

    [Fact]
    public void After_rotation_old_files_still_decrypt_and_only_the_newest_version_encrypts()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var (plain, content) = Plain(t);
        EncryptFile(t, plain, t.Dir.File("v1.enc"), id);
        t.Store.RotateKey(id);
        EncryptFile(t, plain, t.Dir.File("v2.enc"), id);
        Assert.Equal($"{id}/v2", EdkNames.KeyName(Assert.Single(FileCrypto.ReadHeader(t.Dir.File("v2.enc")).EncryptedDataKeys)));
        Assert.Equal(content, DecryptFile(t, t.Dir.File("v1.enc")));
        Assert.Equal(content, DecryptFile(t, t.Dir.File("v2.enc")));
    }

    [Fact]
    public void The_minimum_decryption_version_retires_old_versions_with_a_clear_reason()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var (plain, content) = Plain(t);
        EncryptFile(t, plain, t.Dir.File("v1.enc"), id);
        t.Store.RotateKey(id);
        EncryptFile(t, plain, t.Dir.File("v2.enc"), id);
        t.Store.UpdateKey(id, new KeyUpdate { MinimumDecryptionVersion = 2 });

        var failure = Assert.Single(DecryptFails(t, t.Dir.File("v1.enc")).Failures);
        Assert.Equal(EdkFailureKind.KeyUnusable, failure.Kind);
        Assert.Contains("version 1", failure.Reason);
        Assert.Contains("below the minimum decryption version 2", failure.Reason);
        Assert.Equal(content, DecryptFile(t, t.Dir.File("v2.enc")));

        t.Store.UpdateKey(id, new KeyUpdate { MinimumDecryptionVersion = 1 });
        Assert.Equal(content, DecryptFile(t, t.Dir.File("v1.enc")));
    }

    [Fact]
    public void Disabled_keys_neither_encrypt_nor_decrypt_and_say_how_to_recover()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var (plain, content) = Plain(t);
        EncryptFile(t, plain, plain + ".enc", id);
        t.Store.DisableKey(id);

        var ex = StoreAssert.Fails(StoreErrorIds.KeyDisabled, () => t.Store.CreateEncryptKeyring([id]));
        Assert.Contains(id, ex.Message);
        Assert.Contains("Enable-EncKey -KeyId " + id, ex.Message);
        var failure = Assert.Single(DecryptFails(t, plain + ".enc").Failures);
        Assert.Equal(EdkFailureKind.KeyUnusable, failure.Kind);
        Assert.Equal($"key {id} is Disabled; run Enable-EncKey -KeyId {id}", failure.Reason);

        t.Store.EnableKey(id);
        Assert.Equal(content, DecryptFile(t, plain + ".enc"));
    }

    [Fact]
    public void Keys_pending_deletion_neither_encrypt_nor_decrypt_and_say_how_to_recover()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var (plain, _) = Plain(t);
        EncryptFile(t, plain, plain + ".enc", id);
        t.Store.ScheduleKeyDeletion(id, 7);

        var ex = StoreAssert.Fails(StoreErrorIds.KeyPendingDeletion, () => t.Store.CreateEncryptKeyring([id]));
        Assert.Contains("Restore-EncKey -KeyId " + id, ex.Message);
        var failure = Assert.Single(DecryptFails(t, plain + ".enc").Failures);
        Assert.Equal(EdkFailureKind.KeyUnusable, failure.Kind);
        Assert.Contains($"key {id} is PendingDeletion (deletion on 2026-01-22); run Restore-EncKey -KeyId {id}", failure.Reason);

        t.Clock.Advance(TimeSpan.FromDays(8));
        failure = Assert.Single(DecryptFails(t, plain + ".enc").Failures);
        Assert.Equal(EdkFailureKind.UnknownKey, failure.Kind);
        Assert.Contains("was deleted", failure.Reason);
    }

    [Fact]
    public void Restricting_decryption_to_other_keys_says_not_allowed()
    {
        using var t = new TestStore();
        var a = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var b = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var (plain, content) = Plain(t);
        EncryptFile(t, plain, plain + ".enc", a);
        Assert.Equal(EdkFailureKind.NotAllowed, Assert.Single(DecryptFails(t, plain + ".enc", [b]).Failures).Kind);
        Assert.Equal(content, DecryptFile(t, plain + ".enc", [a]));
        StoreAssert.Fails(StoreErrorIds.KeyNotFound, () => t.Store.CreateDecryptKeyring(["alias/none"]));
    }

    [Fact]
    public void A_file_of_another_store_gives_unknown_key()
    {
        using var t = new TestStore();
        using var other = new TestStore();
        var id = other.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.NewKey(new NewKeyRequest());
        var (plain, _) = Plain(other);
        EncryptFile(other, plain, plain + ".enc", id);
        var failure = Assert.Single(DecryptFails(t, plain + ".enc").Failures);
        Assert.Equal(EdkFailureKind.UnknownKey, failure.Kind);
        Assert.Contains("not in the key store", failure.Reason);
    }

    [Fact]
    public void Rsa_keys_encrypt_with_the_public_key_decrypt_inside_and_rotate()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072 });
        var (plain, content) = Plain(t);
        EncryptFile(t, plain, t.Dir.File("v1.enc"), key.KeyId);
        var edk = Assert.Single(FileCrypto.ReadHeader(t.Dir.File("v1.enc")).EncryptedDataKeys);
        Assert.Equal($"{key.KeyId}/v1", System.Text.Encoding.UTF8.GetString(edk.ProviderInfo));
        Assert.Equal(content, DecryptFile(t, t.Dir.File("v1.enc")));

        // A recipient who has only the exported PEM encrypts with the raw RSA keyring; the store decrypts.
        var pem = t.Store.ExportKey(key.KeyId, publicKeyOnly: true);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(pem.PublicKeyPem);
        using var recipient = new RawRsaKeyring(pem.KeyNamespace, pem.KeyName, rsa, null, RSAEncryptionPadding.OaepSHA256);
        FileRoute.EncryptFile(plain, t.Dir.File("pem.enc"), [recipient]);
        Assert.Equal(content, DecryptFile(t, t.Dir.File("pem.enc")));
    }

    [Fact]
    public void Tampered_EDKs_give_wrong_key()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var plaintext = RandomNumberGenerator.GetBytes(100);
        byte[] message;
        using (var keyring = t.Store.CreateEncryptKeyring([id])) message = Crypt.Encrypt(plaintext, [keyring]);
        var header = EncryptionTools.Engine.Format.MessageHeader.Read(new MemoryStream(message));
        var edk = header.EncryptedDataKeys[0];
        var flipped = edk with { Ciphertext = edk.Ciphertext.ToArray() };
        flipped.Ciphertext[0] ^= 1;
        using var decrypt = t.Store.CreateDecryptKeyring();
        var result = decrypt.TryUnwrap(flipped, EncryptionTools.Engine.Format.EncryptionContext.Serialize(header.EncryptionContext));
        Assert.Equal(EdkFailureKind.WrongKey, result!.Value.Failure!.Kind);
    }
}
