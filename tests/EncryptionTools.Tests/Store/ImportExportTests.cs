using System.Security.Cryptography;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Engine;

namespace EncryptionTools.Tests.Store;

public class ImportExportTests
{
    [Fact]
    public void An_imported_key_decrypts_what_a_raw_AES_keyring_with_the_same_name_and_material_made()
    {
        using var t = new TestStore();
        var material = RandomNumberGenerator.GetBytes(32);
        var plaintext = RandomNumberGenerator.GetBytes(5000);
        byte[] message;
        using (var sdk = new RawAesKeyring("acme-keys", "backup-2025", material)) message = Crypt.Encrypt(plaintext, [sdk]);

        var key = t.Store.ImportKey(new ImportKeyRequest { KeyMaterial = material, KeyNamespace = "acme-keys", KeyName = "backup-2025", Alias = "acme" });
        Assert.Equal(KeyOrigin.External, key.Origin);
        Assert.Equal("acme-keys", key.KeyNamespace);
        Assert.Equal("backup-2025", key.KeyName);
        using (var keyring = t.Store.CreateDecryptKeyring()) Assert.Equal(plaintext, Crypt.Decrypt(message, [keyring]));

        // And what the store encrypts with it, the SDK's raw keyring decrypts.
        byte[] back;
        using (var keyring = t.Store.CreateEncryptKeyring(["alias/acme"])) back = Crypt.Encrypt(plaintext, [keyring]);
        using (var sdk = new RawAesKeyring("acme-keys", "backup-2025", material)) Assert.Equal(plaintext, Crypt.Decrypt(back, [sdk]));
        Assert.Contains(t.Events.Events, e => e.Operation == "KeyImported" && e.KeyId == key.KeyId);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void Import_takes_only_AES_256_material(int length)
    {
        using var t = new TestStore();
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () =>
            t.Store.ImportKey(new ImportKeyRequest { KeyMaterial = new byte[length], KeyNamespace = "ns", KeyName = "k" }));
    }

    [Fact]
    public void Import_refuses_a_namespace_and_name_already_used_and_the_aws_kms_prefix()
    {
        using var t = new TestStore();
        t.Store.ImportKey(new ImportKeyRequest { KeyMaterial = new byte[32], KeyNamespace = "ns", KeyName = "k" });
        Assert.ThrowsAny<KeyStoreException>(() => t.Store.ImportKey(new ImportKeyRequest { KeyMaterial = new byte[32], KeyNamespace = "ns", KeyName = "k" }));
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.ImportKey(new ImportKeyRequest { KeyMaterial = new byte[32], KeyNamespace = "aws-kms", KeyName = "k" }));
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.ImportKey(new ImportKeyRequest { KeyMaterial = new byte[32], KeyNamespace = "", KeyName = "k" }));
        Assert.Single(t.Store.GetKeys());
    }

    [Fact]
    public void Export_gives_material_namespace_and_name_for_the_official_SDK_and_is_audited()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Exportable = true });
        var plaintext = RandomNumberGenerator.GetBytes(3000);
        byte[] message;
        using (var keyring = t.Store.CreateEncryptKeyring([key.KeyId])) message = Crypt.Encrypt(plaintext, [keyring]);

        var export = t.Store.ExportKey(key.KeyId);
        Assert.Equal("enctools", export.KeyNamespace);
        Assert.Equal($"{key.KeyId}/v1", export.KeyName);
        Assert.Equal(32, export.KeyMaterial!.Length);
        Assert.Equal(Convert.ToBase64String(export.KeyMaterial), export.KeyMaterialBase64);
        using (var sdk = new RawAesKeyring(export.KeyNamespace, export.KeyName, export.KeyMaterial)) Assert.Equal(plaintext, Crypt.Decrypt(message, [sdk]));

        Assert.Contains(t.Events.Events, e => e.Operation == "KeyExported" && e.KeyId == key.KeyId && e.Version == 1);
        Assert.Contains(t.Store.GetKey(key.KeyId).History, h => h.Event == "Exported");
        t.Store.RotateKey(key.KeyId);
        Assert.Equal(1, t.Store.ExportKey(key.KeyId, version: 1).Version);
        Assert.Equal(2, t.Store.ExportKey(key.KeyId).Version);
        StoreAssert.Fails(StoreErrorIds.KeyVersionNotFound, () => t.Store.ExportKey(key.KeyId, version: 3));
    }

    [Fact]
    public void Keys_not_created_exportable_never_export()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        var ex = StoreAssert.Fails(StoreErrorIds.KeyNotExportable, () => t.Store.ExportKey(key.KeyId));
        Assert.Contains("New-EncKey -Exportable", ex.Message);
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.ExportKey(key.KeyId, publicKeyOnly: true));
        Assert.Contains(t.Events.Events, e => e.Operation == "KeyExported" && !e.Succeeded);
    }

    [Fact]
    public void An_exported_key_imports_into_another_store_and_decrypts_the_first_stores_files()
    {
        using var a = new TestStore();
        using var b = new TestStore();
        var key = a.Store.NewKey(new NewKeyRequest { Exportable = true });
        var plaintext = RandomNumberGenerator.GetBytes(100);
        byte[] message;
        using (var keyring = a.Store.CreateEncryptKeyring([key.KeyId])) message = Crypt.Encrypt(plaintext, [keyring]);
        var export = a.Store.ExportKey(key.KeyId);
        b.Store.ImportKey(new ImportKeyRequest { KeyMaterial = export.KeyMaterial!, KeyNamespace = export.KeyNamespace, KeyName = export.KeyName });
        using var decrypt = b.Store.CreateDecryptKeyring();
        Assert.Equal(plaintext, Crypt.Decrypt(message, [decrypt]));
    }
}
