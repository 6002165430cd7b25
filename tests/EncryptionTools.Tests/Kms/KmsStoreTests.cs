using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.KeyManagementService.Model;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// A key store whose root key an AWS KMS key protects, on the local KMS endpoint: the descriptor holds only KMS's blob
/// (bound to the store id), every open asks KMS (or uses the root key KMS gave this process), a protection change to,
/// from or between KMS keys keeps every key and the audit chain, and a KMS refusal is reported as what it is.
/// </summary>
[Collection(KmsProviderCollection.Name)]
public class KmsStoreTests
{
    private static readonly KmsEndpoint Kms = KmsTestProvider.Register();

    private static TestStore NewKmsStore(string keyId)
    {
        var t = new TestStore(passwordIterations: 1000);
        t.Store.CreateStore(new ProtectionChange { Protection = StoreProtection.AwsKms, KmsKeyId = keyId });
        return t;
    }

    /// <summary>As a new process would be: no root key from KMS kept, no cached document.</summary>
    private static LocalKeyStore Fresh(TestStore t)
    {
        UnlockedRootKeys.Remove(t.Location);
        return t.Open();
    }

    private static JsonObject Descriptor(TestStore t) => JsonNode.Parse(File.ReadAllBytes(t.File("store.json")))!.AsObject();

    /// <summary>The audit records of the kms:Decrypt calls that opened the store's root key.</summary>
    private static List<AuditEvent> RootKeyOpens(LocalKeyStore store, string arn) =>
        store.QueryAudit().Where(e => e.Action == "kms:Decrypt" && e.KeyId == arn && (e.Reason ?? "").Contains("root key", StringComparison.Ordinal)).ToList();

    private static string[] KeyIds(LocalKeyStore store) => store.GetKeys().Select(k => k.KeyId).Order().ToArray();

    private static Dictionary<string, byte[]> Snapshot(TestStore t) =>
        new[] { "store.json", "keys.dat", "root.key" }.Where(n => File.Exists(t.File(n))).ToDictionary(n => n, n => File.ReadAllBytes(t.File(n)));

    private static void AssertUnchanged(Dictionary<string, byte[]> before, TestStore t)
    {
        var after = Snapshot(t);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), name + " changed");
    }

    private static string Encrypt(TestStore t, string keyId, string name, string text)
    {
        var plain = t.Dir.Write(name, Encoding.UTF8.GetBytes(text));
        using var ops = new FileOperations(t.Store);
        var outcome = ops.Protect([plain], new FileKeys { KeyIds = [keyId] }, new ProtectRequest { Keyrings = [], EncryptionContext = EncryptionTools.Engine.Format.EncryptionContext.Empty }).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        File.Delete(plain);
        return plain + ".enc";
    }

    private static string Decrypt(LocalKeyStore store, string enc)
    {
        var destination = enc + "." + Guid.NewGuid().ToString("N")[..8] + ".out";
        using var ops = new FileOperations(store);
        var outcome = ops.Unprotect([enc], null, new UnprotectRequest { Keyrings = [], Destination = destination }).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        return File.ReadAllText(destination);
    }

    private static EncryptionToolsException KmsFails(string errorId, Action action)
    {
        var ex = Assert.ThrowsAny<EncryptionToolsException>(action);
        Assert.True(errorId == ex.ErrorId, $"expected {errorId}, got {ex.ErrorId}: {ex.Message}");
        return ex;
    }

    [Fact]
    public void A_store_made_under_a_KMS_key_keeps_keys_encrypts_files_and_reopens_through_KMS_alone()
    {
        var arn = Kms.CreateKey();
        using var t = NewKmsStore(arn);
        var info = t.Store.GetStoreInfo();
        Assert.Equal(StoreProtection.AwsKms, info.Protection);
        Assert.Equal(arn, info.KmsKeyId);
        Assert.Equal(arn, info.KmsKeyArn);
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/app" });
        var enc = Encrypt(t, "alias/app", "report.csv", "employee,amount\nann,1000");

        var descriptor = Descriptor(t);
        Assert.Equal("AwsKms", descriptor["protection"]!.GetValue<string>());
        Assert.Equal(2, descriptor["schemaVersion"]!.GetValue<int>());
        Assert.Equal(arn, descriptor["awsKms"]!["keyId"]!.GetValue<string>());
        Assert.Equal(arn, descriptor["awsKms"]!["keyArn"]!.GetValue<string>());
        Assert.True(Convert.FromBase64String(descriptor["awsKms"]!["wrappedKey"]!.GetValue<string>()).Length > 32);
        Assert.Null(descriptor["password"]);
        Assert.Null(descriptor["previousRoot"]);
        Assert.False(File.Exists(t.File("root.key")));

        var reopened = Fresh(t);
        Assert.Equal([key.KeyId], KeyIds(reopened));
        Assert.Equal("employee,amount\nann,1000", Decrypt(reopened, enc));
        Assert.True(reopened.VerifyAuditLog().IsValid);
        var created = reopened.QueryAudit().First(e => e.Action == "StoreCreated");
        Assert.Contains("AwsKms", created.Reason, StringComparison.Ordinal);

        // Nothing in the store directory holds the root key in the clear, raw, hex or base64.
        var root = UnlockedRootKeys.TryGet(t.Location, info.StoreId!, t.Clock.Now) ?? throw new InvalidOperationException("no root key held after a use");
        try
        {
            Assert.True(StoreFiles.RootKeyMatches(StoreDescriptor.Parse(File.ReadAllBytes(t.File("store.json")), t.Location), root));
            foreach (var file in Directory.EnumerateFiles(t.Location, "*", SearchOption.AllDirectories))
            {
                var bytes = File.ReadAllBytes(file);
                var text = Encoding.Latin1.GetString(bytes);
                Assert.True(bytes.AsSpan().IndexOf(root) < 0, file);
                Assert.DoesNotContain(Convert.ToBase64String(root), text, StringComparison.Ordinal);
                Assert.DoesNotContain(Convert.ToHexString(root), text, StringComparison.OrdinalIgnoreCase);
            }
        }
        finally { CryptographicOperations.ZeroMemory(root); }
    }

    [Fact]
    public void Each_kms_Decrypt_that_opens_the_store_is_in_its_audit_log_with_the_request_id()
    {
        var arn = Kms.CreateKey();
        using var t = NewKmsStore(arn);
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/app" });

        var first = Fresh(t);
        Assert.Single(first.GetKeys());
        var afterOne = RootKeyOpens(first, arn);
        Assert.NotEmpty(afterOne);
        Assert.All(afterOne, e => Assert.False(string.IsNullOrEmpty(e.RequestId)));

        // Another process (no root key held) asks KMS again, and that call is recorded too; the chain stays valid.
        var second = Fresh(t);
        Assert.Single(second.GetKeys());
        var afterTwo = RootKeyOpens(second, arn);
        Assert.Equal(afterOne.Count + 1, afterTwo.Count);
        Assert.Equal(afterTwo.Count, afterTwo.Select(e => e.RequestId).Distinct().Count());
        Assert.True(second.VerifyAuditLog().IsValid);
    }

    [Fact]
    public void File_to_AwsKms_to_Password_to_another_KMS_key_and_back_keeps_every_key_the_files_and_the_audit_chain()
    {
        var a = Kms.CreateKey();
        var b = Kms.CreateKey();
        using var t = new TestStore(passwordIterations: 1000).Initialized(StoreProtection.File);
        var ids = Enumerable.Range(0, 3).Select(i => t.Store.NewKey(new NewKeyRequest { Alias = "k" + i }).KeyId).Order().ToArray();
        var enc = Encrypt(t, "k1", "a.txt", "before any change");
        var oldRootFile = File.ReadAllBytes(t.File("root.key"));

        void Check(StoreProtection expected, string? kmsKey)
        {
            var store = Fresh(t);
            if (expected == StoreProtection.Password) store.Unlock("pw-1".ToCharArray());
            var info = store.GetStoreInfo();
            Assert.Equal(expected, info.Protection);
            Assert.Equal(kmsKey, info.KmsKeyId);
            Assert.Equal(ids, KeyIds(store));
            Assert.Equal("before any change", Decrypt(store, enc));
            var verification = store.VerifyAuditLog();
            Assert.True(verification.IsValid, verification.ToString());
            Assert.Equal(expected == StoreProtection.File, File.Exists(t.File("root.key")));
            var descriptor = Descriptor(t);
            Assert.Equal(expected == StoreProtection.AwsKms, descriptor["awsKms"] is not null);
            Assert.Equal(expected == StoreProtection.Password, descriptor["password"] is not null);
            Assert.Null(descriptor["previousRoot"]);
        }

        t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.AwsKms, KmsKeyId = a });
        Check(StoreProtection.AwsKms, a);
        var underA = File.ReadAllBytes(t.File("store.json"));
        // The wrap's KMS calls are in the audit log with their request ids (to match CloudTrail).
        var calls = Fresh(t).QueryAudit().Where(e => e.Action is "kms:Encrypt" or "kms:Decrypt" && e.KeyId == a).ToList();
        Assert.Contains(calls, e => e.Action == "kms:Encrypt" && !string.IsNullOrEmpty(e.RequestId));
        Assert.Contains(calls, e => e.Action == "kms:Decrypt" && !string.IsNullOrEmpty(e.RequestId));

        t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = "pw-1".ToCharArray() });
        Check(StoreProtection.Password, null);

        t.Store.SetProtection(new ProtectionChange { KmsKeyId = b, CurrentPassword = "pw-1".ToCharArray() }); // the KMS key implies AwsKms
        Check(StoreProtection.AwsKms, b);

        t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.AwsKms, KmsKeyId = a }); // key B -> key A
        Check(StoreProtection.AwsKms, a);
        var descriptorNow = File.ReadAllBytes(t.File("store.json"));
        t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.AwsKms, KmsKeyId = a }); // the same key: nothing to change
        Assert.Equal(descriptorNow, File.ReadAllBytes(t.File("store.json")));

        t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.File });
        Check(StoreProtection.File, null);
        Assert.NotEqual(oldRootFile, File.ReadAllBytes(t.File("root.key")));

        var changes = t.Events.Events.Where(e => e.Operation == "StoreProtectionChanged").Select(e => e.Detail).ToList();
        Assert.Equal(
        [
            $"File -> AwsKms ({a}), new root key", "AwsKms (" + a + ") -> Password, new root key", $"Password -> AwsKms ({b}), new root key",
            $"AwsKms ({b}) -> AwsKms ({a}), new root key", $"AwsKms ({a}) -> File, new root key",
        ], changes);
        var logged = Fresh(t).QueryAudit().Where(e => e.Action == "StoreProtectionChanged" || (e.Reason ?? "").Contains("StoreProtectionChanged", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, logged.Count);
        Assert.Contains(logged, e => (e.Reason ?? "").Contains($"AwsKms ({b}) -> AwsKms ({a})", StringComparison.Ordinal));

        // Every change took a new root key: the descriptor of the first KMS wrap, put back, opens nothing (KMS still
        // gives its root key, which no longer opens the data).
        File.Delete(t.File("root.key"));
        File.WriteAllBytes(t.File("store.json"), underA);
        StoreAssert.Fails(StoreErrorIds.StoreCorrupt, () => Fresh(t).GetKeys());
    }

    /// <summary>Stops a protection change on this thread at one crash point, as a crash there would.</summary>
    private sealed class CrashAt : IDisposable
    {
        private readonly Action<string>? _previous = LocalKeyStore.CrashPoint;

        public CrashAt(string stage)
        {
            var thread = Environment.CurrentManagedThreadId;
            LocalKeyStore.CrashPoint = reached =>
            {
                _previous?.Invoke(reached);
                if (reached == stage && Environment.CurrentManagedThreadId == thread) throw new SimulatedCrashException();
            };
        }

        public void Dispose() => LocalKeyStore.CrashPoint = _previous;
    }

    private sealed class SimulatedCrashException : Exception;

    [Fact]
    public void Moving_to_AwsKms_removes_root_key_only_after_the_new_descriptor_is_durable()
    {
        var arn = Kms.CreateKey();
        using var t = new TestStore(passwordIterations: 1000).Initialized(StoreProtection.File);
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;

        // Stopped before the new descriptor is written: still a File store, root.key in place.
        using (new CrashAt("descriptor-before-write"))
            Assert.Throws<SimulatedCrashException>(() => t.Open().SetProtection(new ProtectionChange { KmsKeyId = arn }));
        Assert.True(File.Exists(t.File("root.key")));
        Assert.Equal(StoreProtection.File, Fresh(t).GetStoreInfo().Protection);
        Assert.Equal([id], KeyIds(Fresh(t)));

        // Stopped after the KMS descriptor is durable but before the data is re-sealed: root.key is still there, the
        // store opens through KMS (the previous root key rides in the descriptor), and the next write finishes the switch.
        using (new CrashAt("rekey-descriptor-written"))
            Assert.Throws<SimulatedCrashException>(() => t.Open().SetProtection(new ProtectionChange { KmsKeyId = arn }));
        Assert.True(File.Exists(t.File("root.key")));
        Assert.NotNull(Descriptor(t)["previousRoot"]);
        Assert.Equal(StoreProtection.AwsKms, Fresh(t).GetStoreInfo().Protection);
        Assert.Equal([id], KeyIds(Fresh(t)));
        Fresh(t).NewKey(new NewKeyRequest());
        Assert.False(File.Exists(t.File("root.key")));
        Assert.Null(Descriptor(t)["previousRoot"]);
        Assert.Equal(2, KeyIds(Fresh(t)).Length);
        Assert.True(Fresh(t).VerifyAuditLog().IsValid);
    }

    [Theory]
    [InlineData("disabled", "KmsKeyDisabled")]
    [InlineData("deny", "KmsAccessDenied")]
    public async Task A_KMS_key_that_refuses_keeps_the_store_shut_with_the_KMS_id_and_changes_nothing(string how, string errorId)
    {
        var arn = Kms.CreateKey();
        using var t = NewKmsStore(arn);
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var before = Snapshot(t);
        if (how == "disabled") Kms.Disable(arn);
        else await Kms.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = KmsEndpoint.KeyId(arn), PolicyName = "default", Policy = KmsEndpoint.DenyPolicy("kms:Decrypt") });

        var ex = KmsFails(errorId, () => Fresh(t).GetKeys());
        Assert.Equal(t.Location, ex.Target);
        Assert.Contains(arn, ex.Message, StringComparison.Ordinal);
        Assert.False(ex is KeyStoreException, "a KMS refusal must not read as a corrupt or locked store"); 
        KmsFails(errorId, () => Fresh(t).GetKey(id));
        // Changing the protection needs the root key: refused the same way, and no root.key appears.
        KmsFails(errorId, () => Fresh(t).SetProtection(new ProtectionChange { Protection = StoreProtection.File }));
        // Get-EncKeyStore still describes it (no counts: the root key is not to be had).
        var info = Fresh(t).GetStoreInfo();
        Assert.Equal(StoreProtection.AwsKms, info.Protection);
        Assert.Equal(arn, info.KmsKeyId);
        Assert.Null(info.KeyCount);
        Assert.False(info.IsUnlocked);
        AssertUnchanged(before, t);

        if (how == "disabled") Kms.Enable(arn);
        else await Kms.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = KmsEndpoint.KeyId(arn), PolicyName = "default",
            Policy = """{"Version":"2012-10-17","Statement":[{"Sid":"all","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}""" });
        Assert.Equal([id], KeyIds(Fresh(t)));
    }

    [Theory]
    [InlineData("disabled", "KmsKeyDisabled")]
    [InlineData("deny-decrypt", "KmsAccessDenied")]
    public void Moving_to_a_KMS_key_that_refuses_changes_nothing(string how, string errorId)
    {
        // deny-decrypt: KMS encrypts, but the check that the new descriptor opens (kms:Decrypt) is refused, so it is never written.
        var arn = how == "disabled" ? Kms.CreateKey() : Kms.CreateKey(policy: KmsEndpoint.DenyPolicy("kms:Decrypt"));
        if (how == "disabled") Kms.Disable(arn);
        using var t = new TestStore(passwordIterations: 1000).Initialized(StoreProtection.File);
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var before = Snapshot(t);

        var ex = KmsFails(errorId, () => t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.AwsKms, KmsKeyId = arn }));
        Assert.Equal(t.Location, ex.Target);
        AssertUnchanged(before, t);
        var store = Fresh(t);
        Assert.Equal(StoreProtection.File, store.GetStoreInfo().Protection);
        Assert.Equal([id], KeyIds(store));
        Assert.True(store.VerifyAuditLog().IsValid);
        var failed = Assert.Single(t.Events.Events, e => e.Operation == "StoreProtectionChanged");
        Assert.False(failed.Succeeded);
        Assert.Equal(errorId, failed.ErrorId);
        var logged = Assert.Single(store.QueryAudit(), e => e.Action == "StoreProtectionChanged" || (e.Reason ?? "").Contains("StoreProtectionChanged", StringComparison.Ordinal));
        Assert.Equal(AuditResult.Failed, logged.Result);

        // A new store under that key is not made either.
        using var other = new TestStore(passwordIterations: 1000);
        KmsFails(errorId, () => other.Store.CreateStore(new ProtectionChange { KmsKeyId = arn }));
        Assert.False(File.Exists(other.File("store.json")));
    }

    [Fact]
    public void A_wrapped_root_key_moved_into_another_stores_descriptor_is_refused_by_KMS()
    {
        var arn = Kms.CreateKey();
        using var first = NewKmsStore(arn);
        using var second = NewKmsStore(arn);
        second.Store.NewKey(new NewKeyRequest());
        var descriptor = Descriptor(second);
        descriptor["awsKms"] = Descriptor(first)["awsKms"]!.DeepClone();
        File.WriteAllText(second.File("store.json"), descriptor.ToJsonString());

        var ex = KmsFails("KmsInvalidCiphertext", () => Fresh(second).GetKeys());
        Assert.Equal(second.Location, ex.Target);
    }

    [Fact]
    public async Task An_alias_ARN_is_kept_with_the_key_it_named_and_the_store_still_opens_after_the_alias_moves()
    {
        var key = Kms.CreateKey();
        var other = Kms.CreateKey();
        var alias = Kms.CreateAlias(key, "alias/store-" + Guid.NewGuid().ToString("N")[..12]);
        using var t = NewKmsStore(alias);
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var info = t.Store.GetStoreInfo();
        Assert.Equal(alias, info.KmsKeyId);
        Assert.Equal(key, info.KmsKeyArn);

        await Kms.Admin.UpdateAliasAsync(new UpdateAliasRequest { AliasName = alias[(alias.IndexOf(":alias/", StringComparison.Ordinal) + 1)..], TargetKeyId = KmsEndpoint.KeyId(other) });
        Assert.Equal([id], KeyIds(Fresh(t)));
        // Naming the alias again re-wraps under the key it names now.
        t.Store.SetProtection(new ProtectionChange { KmsKeyId = alias });
        Assert.Equal(alias, t.Store.GetStoreInfo().KmsKeyId);
        Assert.Equal(other, t.Store.GetStoreInfo().KmsKeyArn);
        Assert.Equal([id], KeyIds(Fresh(t)));
    }

    [Fact]
    public void Lock_forgets_the_root_key_KMS_gave_so_the_next_use_asks_KMS_again()
    {
        var arn = Kms.CreateKey();
        using var t = NewKmsStore(arn);
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var store = Fresh(t);
        Assert.Equal([id], KeyIds(store));
        var held = store.GetStoreInfo();
        Assert.True(held.IsUnlocked);
        Assert.Equal(t.Clock.Now + LocalKeyStore.DefaultUnlockTimeout, held.UnlockedUntil);

        Kms.Disable(arn);
        Assert.Equal([id], KeyIds(t.Open())); // the root key this process holds, until it expires or Lock-EncKeyStore
        var locked = store.Lock();
        Assert.False(locked.IsUnlocked);
        KmsFails("KmsKeyDisabled", () => t.Open().GetKeys());
        Kms.Enable(arn);
        Assert.Equal([id], KeyIds(t.Open()));
        t.Clock.Advance(LocalKeyStore.DefaultUnlockTimeout + TimeSpan.FromSeconds(1));
        Kms.Disable(arn);
        KmsFails("KmsKeyDisabled", () => t.Open().GetKeys()); // expired: KMS is asked again
    }

    [Fact]
    public void Unlock_asks_KMS_once_now_and_keeps_the_root_key_for_the_timeout_given()
    {
        var arn = Kms.CreateKey();
        using var t = NewKmsStore(arn);
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var store = Fresh(t);
        var before = RootKeyOpens(t.Open(), arn).Count;
        UnlockedRootKeys.Remove(t.Location);

        // No password: KMS is the lock. The root key is fetched now and held for the hour asked, not the default 15 minutes.
        var info = store.Unlock([], TimeSpan.FromHours(1));
        Assert.True(info.IsUnlocked);
        Assert.Equal(t.Clock.Now + TimeSpan.FromHours(1), info.UnlockedUntil);
        Assert.Equal(before + 1, RootKeyOpens(store, arn).Count);
        Assert.Contains(t.Events.Events, e => e.Operation == "StoreUnlocked" && e.Succeeded);

        Kms.Disable(arn);
        t.Clock.Advance(TimeSpan.FromMinutes(30)); // past the default, within the hour
        Assert.Equal([id], KeyIds(t.Open()));
        t.Clock.Advance(TimeSpan.FromMinutes(31));
        KmsFails("KmsKeyDisabled", () => t.Open().GetKeys());

        // A refused unlock says why with KMS's id and leaves nothing held.
        KmsFails("KmsKeyDisabled", () => Fresh(t).Unlock([], TimeSpan.FromHours(1)));
        Assert.False(t.Open().GetStoreInfo().IsUnlocked);
        Kms.Enable(arn);
        Assert.True(Fresh(t).VerifyAuditLog().IsValid);
    }

    [Fact]
    public void Only_a_key_or_alias_ARN_names_the_KMS_key_and_nothing_is_made_for_a_bad_one()
    {
        using var t = new TestStore(passwordIterations: 1000);
        foreach (var bad in new[] { "alias/store", "1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:s3:::bucket", " ", "arn:aws:kms:us-east-1:123456789012:key/x\ny" })
        {
            KmsFails("KmsInvalidKeyIdentifier", () => t.Store.CreateStore(new ProtectionChange { Protection = StoreProtection.AwsKms, KmsKeyId = bad }));
            Assert.False(Directory.Exists(t.Location));
        }
        KmsFails("KmsInvalidKeyIdentifier", () => t.Store.CreateStore(new ProtectionChange { Protection = StoreProtection.AwsKms }));
        t.Initialized(StoreProtection.File);
        var before = Snapshot(t);
        KmsFails("KmsInvalidKeyIdentifier", () => t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.AwsKms }));
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = "x-1".ToCharArray(),
            KmsKeyId = "arn:aws:kms:us-east-1:123456789012:alias/store" }));
        AssertUnchanged(before, t);
    }

    [Fact]
    public void A_KMS_store_whose_key_is_lost_comes_back_from_a_password_backup_under_another_KMS_key()
    {
        var lost = Kms.CreateKey();
        var replacement = Kms.CreateKey();
        using var t = NewKmsStore(lost);
        var id = t.Store.NewKey(new NewKeyRequest { Alias = "alias/kept" }).KeyId;
        var enc = Encrypt(t, "alias/kept", "kept.txt", "survives the KMS key");
        var backup = new MemoryStream();
        t.Store.Backup(backup, new StoreBackupProtection { Password = "offline-backup-1".ToCharArray(), PasswordIterations = 1000 });

        Kms.ScheduleDeletion(lost); // the store's own KMS key is gone
        KmsFails("KmsKeyInvalidState", () => Fresh(t).GetKeys());

        using var restored = new TestStore(passwordIterations: 1000);
        backup.Position = 0;
        var info = restored.Store.Restore(backup, new StoreRestoreRequest
        {
            Password = "offline-backup-1".ToCharArray(),
            Protection = new ProtectionChange { KmsKeyId = replacement },
        });
        Assert.Equal(StoreProtection.AwsKms, info.Protection);
        Assert.Equal(replacement, info.KmsKeyArn);
        var store = Fresh(restored);
        Assert.Equal([id], KeyIds(store));
        Assert.Equal("survives the KMS key", Decrypt(store, enc));
        Assert.True(store.VerifyAuditLog().IsValid);
        Assert.False(File.Exists(restored.File("root.key")));
    }

    [Fact]
    public void A_restore_under_a_KMS_key_asks_KMS_before_it_writes_and_records_the_calls()
    {
        var source = new TestStore(passwordIterations: 1000);
        using var _ = source;
        var id = source.Store.NewKey(new NewKeyRequest { Alias = "alias/dr" }).KeyId;
        var backup = new MemoryStream();
        source.Store.Backup(backup, new StoreBackupProtection { Password = "offline-backup-2".ToCharArray(), PasswordIterations = 1000 });
        var refusing = Kms.CreateKey();
        Kms.Disable(refusing);

        using var restored = new TestStore(passwordIterations: 1000);
        backup.Position = 0;
        KmsFails("KmsKeyDisabled", () => restored.Store.Restore(backup, new StoreRestoreRequest
        {
            Password = "offline-backup-2".ToCharArray(),
            Protection = new ProtectionChange { Protection = StoreProtection.AwsKms, KmsKeyId = refusing },
        }));
        // Nothing was written: no marker of a half-made store, no audit log, no data.
        Assert.Empty(Directory.Exists(restored.Location) ? Directory.EnumerateFileSystemEntries(restored.Location) : []);

        var good = Kms.CreateKey();
        backup.Position = 0;
        var info = restored.Store.Restore(backup, new StoreRestoreRequest
        {
            Password = "offline-backup-2".ToCharArray(),
            Protection = new ProtectionChange { KmsKeyId = good },
        });
        Assert.Equal(StoreProtection.AwsKms, info.Protection);
        var store = Fresh(restored);
        Assert.Equal([id], KeyIds(store));
        Assert.False(File.Exists(restored.File("root.key")));
        var audit = store.QueryAudit();
        Assert.Contains(audit, e => e.Action == "StoreRestored");
        foreach (var call in new[] { "kms:Encrypt", "kms:Decrypt" })
            Assert.Contains(audit, e => e.Action == call && e.KeyId == good && !string.IsNullOrEmpty(e.RequestId));
        Assert.True(store.VerifyAuditLog().IsValid);
    }
}
