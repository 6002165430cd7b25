using System.Text.Json.Nodes;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

/// <summary>A change of root-key protection takes a new root key: old copies of root.key or store.json open nothing,
/// every key stays, and the audit log (keyed by a key sealed in the document) still verifies.</summary>
public class RootKeyChangeTests
{
    private static string[] KeyIds(LocalKeyStore store) => store.GetKeys().Select(k => k.KeyId).Order().ToArray();

    [Fact]
    public void After_a_protection_change_an_old_copy_of_root_key_no_longer_opens_the_store_and_the_audit_log_verifies()
    {
        using var t = new TestStore(passwordIterations: 1000);
        var ids = Enumerable.Range(0, 3).Select(i => t.Store.NewKey(new NewKeyRequest { Alias = "k" + i }).KeyId).Order().ToArray();
        var oldRoot = File.ReadAllBytes(t.File("root.key"));
        var oldDescriptor = File.ReadAllBytes(t.File("store.json"));

        t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = "correct horse".ToCharArray() });
        t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.File, CurrentPassword = "correct horse".ToCharArray() });
        var newRoot = File.ReadAllBytes(t.File("root.key"));
        Assert.NotEqual(oldRoot, newRoot);
        Assert.Equal(ids, KeyIds(t.Open()));
        Assert.True(t.Open().VerifyAuditLog().IsValid, t.Open().VerifyAuditLog().ToString());
        Assert.DoesNotContain("previousRoot", File.ReadAllText(t.File("store.json")), StringComparison.Ordinal);

        // The old root.key alone, and the old root.key with the old store.json: neither opens the store's data.
        File.WriteAllBytes(t.File("root.key"), oldRoot);
        StoreAssert.Fails(StoreErrorIds.StoreCorrupt, () => t.Open().GetKeys());
        File.WriteAllBytes(t.File("store.json"), oldDescriptor);
        StoreAssert.Fails(StoreErrorIds.StoreCorrupt, () => t.Open().GetKeys());
    }

    [Fact]
    public void After_a_password_change_an_old_copy_of_store_json_with_the_old_password_opens_nothing()
    {
        using var t = new TestStore(passwordIterations: 1000);
        t.Store.CreateStore(new ProtectionChange { NewPassword = "first password".ToCharArray() });
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var oldDescriptor = File.ReadAllBytes(t.File("store.json"));
        t.Store.SetProtection(new ProtectionChange { NewPassword = "second password".ToCharArray(), CurrentPassword = "first password".ToCharArray() });
        t.Store.Lock();

        var current = File.ReadAllBytes(t.File("store.json"));
        File.WriteAllBytes(t.File("store.json"), oldDescriptor);
        // The old wrap still gives the old root key, which no longer opens the data: the unlock fails and keeps nothing.
        StoreAssert.Fails(StoreErrorIds.StoreCorrupt, () => t.Store.Unlock("first password".ToCharArray()));
        StoreAssert.Fails(StoreErrorIds.StoreLocked, () => t.Open().GetKey(id));
        File.WriteAllBytes(t.File("store.json"), current);
        t.Store.Unlock("second password".ToCharArray());
        Assert.Equal(id, t.Open().GetKey(id).KeyId);
        Assert.True(t.Open().VerifyAuditLog().IsValid);
    }

    [Fact]
    public void A_store_whose_audit_key_was_derived_from_its_root_key_keeps_a_verifiable_log_across_a_protection_change()
    {
        using var t = new TestStore(passwordIterations: 1000);
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        // Make it a store of the earlier schema: no audit key in the document, its log keyed by HKDF(root key).
        var root = File.ReadAllBytes(t.File("root.key"));
        var storeId = t.Store.GetStoreInfo().StoreId!;
        var sealedData = File.ReadAllBytes(t.File("keys.dat"));
        var plain = StoreFiles.Open(sealedData, root, storeId, t.Location);
        var node = JsonNode.Parse(plain)!.AsObject();
        Assert.True(node.Remove("auditKey"));
        node.Remove("auditAnchor"); // that schema had no anchor either: its log is about to be started afresh
        File.WriteAllBytes(t.File("keys.dat"), StoreFiles.Seal(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()), root, storeId, StoreSchema.CurrentDataVersion));
        Directory.Delete(Path.Combine(t.Location, LocalKeyStore.AuditDirectoryName), recursive: true);
        var legacy = t.Open();
        legacy.GetKey(id); // records under the derived key
        legacy.RotateKey(id);
        var derived = AuditLogEventSink.DeriveAuditKey(root, storeId);
        Assert.True(new AuditLog(Path.Combine(t.Location, LocalKeyStore.AuditDirectoryName), derived).Verify().IsValid);

        t.Open().SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = "pw".ToCharArray() });
        var after = t.Open();
        Assert.Equal(2, after.GetKey(id).CurrentVersion);
        var verification = after.VerifyAuditLog();
        Assert.True(verification.IsValid, verification.ToString());
        Assert.Contains(after.QueryAudit(), e => e.Action == "StoreProtectionChanged" || (e.Reason ?? "").Contains("StoreProtectionChanged", StringComparison.Ordinal));
    }
}

/// <summary>The decrypted document is cached only while in use: Lock drops and wipes it, and so does the idle timeout.</summary>
public class DocumentCacheTests
{
    [Fact]
    public void Lock_drops_the_cached_document_so_the_next_use_decrypts_the_store_again()
    {
        using var t = new TestStore(passwordIterations: 1000);
        t.Store.CreateStore(new ProtectionChange { NewPassword = "pw".ToCharArray() });
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.GetKeys();
        Assert.True(t.Store.HasCachedDocument);
        var before = t.Store.DataDecryptions;

        t.Store.Lock();
        Assert.False(t.Store.HasCachedDocument);
        StoreAssert.Fails(StoreErrorIds.StoreLocked, () => t.Store.GetKey(id)); // needs the password again
        t.Store.Unlock("pw".ToCharArray());
        Assert.Equal(id, t.Store.GetKey(id).KeyId);
        Assert.True(t.Store.DataDecryptions > before, "the store was not decrypted again after Lock");
    }

    [Fact]
    public void Lock_drops_the_cache_of_a_File_store_too_and_wipes_its_key_material()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        using (var keyring = t.Store.CreateDecryptKeyring()) { }
        Assert.True(t.Store.HasCachedDocument);
        t.Store.Lock();
        Assert.False(t.Store.HasCachedDocument);
        var before = t.Store.DataDecryptions;
        Assert.Equal(id, t.Store.GetKey(id).KeyId);
        Assert.Equal(before + 1, t.Store.DataDecryptions);
    }

    [Fact]
    public void The_cached_document_is_dropped_after_its_idle_lifetime()
    {
        using var t = new TestStore();
        var store = new LocalKeyStore(t.Location, new LocalKeyStoreOptions { DocumentCacheLifetime = TimeSpan.FromMilliseconds(100) });
        using (store)
        {
            store.NewKey(new NewKeyRequest());
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (store.HasCachedDocument && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.False(store.HasCachedDocument);
            var before = store.DataDecryptions;
            Assert.Single(store.GetKeys()); // and the next use reads it again
            Assert.Equal(before + 1, store.DataDecryptions);
        }
    }

    [Fact]
    public void Keyrings_made_before_a_Lock_keep_working_and_none_is_made_from_wiped_material()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        using var encrypt = t.Store.CreateEncryptKeyring([id]);
        t.Store.Lock(); // wipes the cached document the keyring was made from
        var dataKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var edk = Assert.Single(encrypt.Wrap(dataKey, []));
        using var decrypt = t.Store.CreateDecryptKeyring();
        Assert.Equal(dataKey, decrypt.TryUnwrap(edk, [])!.Value.DataKey);
    }
}
