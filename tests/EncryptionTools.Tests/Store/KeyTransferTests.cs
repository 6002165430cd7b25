using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Engine;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Store;

/// <summary>Keys that move whole (export every version, import the same key) and whole-store backup and restore.</summary>
public class KeyTransferTests
{
    private static readonly string Me = "user:" + EncryptionTools.Engine.Access.KeyPolicies.CurrentUser();

    /// <summary>A key rotated twice, with a message encrypted under each of its three versions.</summary>
    private static (EncKey Key, List<(byte[] Plain, byte[] Message)> Files) RotatedTwice(TestStore t, bool exportable = true)
    {
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "app", Exportable = exportable, Description = "app data", RotationEnabled = true, RotationPeriodInDays = 120,
            Tags = new Dictionary<string, string> { ["dept"] = "hr" } });
        t.Store.NewAlias("alias/app-2", key.KeyId);
        var files = new List<(byte[], byte[])>();
        for (var v = 1; v <= 3; v++)
        {
            if (v > 1) t.Store.RotateKey(key.KeyId);
            var plain = RandomNumberGenerator.GetBytes(1000 + v);
            using var keyring = t.Store.CreateEncryptKeyring([key.KeyId]);
            files.Add((plain, Crypt.Encrypt(plain, [keyring])));
        }
        return (t.Store.GetKey(key.KeyId), files);
    }

    private static void AssertDecryptsAll(LocalKeyStore store, List<(byte[] Plain, byte[] Message)> files)
    {
        using var keyring = store.CreateDecryptKeyring();
        foreach (var (plain, message) in files) Assert.Equal(plain, Crypt.Decrypt(message, [keyring]));
    }

    [Fact]
    public void A_key_rotated_twice_moves_whole_and_the_target_decrypts_all_three_versions()
    {
        using var source = new TestStore();
        using var target = new TestStore();
        var (key, files) = RotatedTwice(source);
        source.Store.UpdateKey(key.KeyId, new KeyUpdate { MinimumDecryptionVersion = 1 });

        var package = source.Store.ExportKeyPackage("alias/app");
        Assert.Equal(3, package.Versions.Count);
        Assert.Equal(key.KeyId, package.KeyId);
        var moved = target.Store.ImportKeyPackage(package);

        Assert.Equal(key.KeyId, moved.KeyId);
        Assert.Equal(3, moved.CurrentVersion);
        Assert.Equal(key.MinimumDecryptionVersion, moved.MinimumDecryptionVersion);
        Assert.Equal(["alias/app", "alias/app-2"], moved.Aliases);
        Assert.Equal("app data", moved.Description);
        Assert.Equal("hr", moved.Tags["dept"]);
        Assert.True(moved.RotationEnabled);
        Assert.Equal(120, moved.RotationPeriodInDays);
        Assert.Equal(key.NextRotationDate, moved.NextRotationDate);
        Assert.True(moved.Exportable);
        Assert.Equal(key.Versions.Select(v => v.KeyName), moved.Versions.Select(v => v.KeyName));
        // Another provider on the target, as another process would open it: no cache shared with the import.
        AssertDecryptsAll(target.Open(), files);
        // The moved key encrypts with its current version, and the source reads that too.
        var plain = RandomNumberGenerator.GetBytes(77);
        byte[] message;
        using (var keyring = target.Store.CreateEncryptKeyring(["alias/app"])) message = Crypt.Encrypt(plain, [keyring]);
        AssertDecryptsAll(source.Store, [(plain, message)]);
    }

    [Fact]
    public void The_minimum_decryption_version_and_a_custom_policy_move_with_the_key()
    {
        using var source = new TestStore();
        using var target = new TestStore();
        var (key, files) = RotatedTwice(source);
        source.Store.UpdateKey(key.KeyId, new KeyUpdate { MinimumDecryptionVersion = 2 });
        var policy = $$"""
            { "Version": "2012-10-17", "Statement": [
              { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "{{Me}}" }, "Action": "kms:*", "Resource": "*" },
              { "Sid": "NoBob", "Effect": "Deny", "Principal": { "EncTools": "user:bob" }, "Action": "kms:*", "Resource": "*" } ] }
            """;
        source.Store.PutKeyPolicy(key.KeyId, policy);

        var moved = target.Store.ImportKeyPackage(source.Store.ExportKeyPackage(key.KeyId));
        Assert.Equal(2, moved.MinimumDecryptionVersion);
        Assert.Equal(source.Store.GetKeyPolicy(key.KeyId).Policy, target.Store.GetKeyPolicy(key.KeyId).Policy);
        Assert.Contains("NoBob", moved.Policy, StringComparison.Ordinal);
        // Version 1 stays below the minimum in the target as in the source; versions 2 and 3 decrypt.
        AssertDecryptsAll(target.Store, files.Skip(1).ToList());
        using var keyring = target.Store.CreateDecryptKeyring();
        Assert.Throws<NoDecryptableKeyException>(() => Crypt.Decrypt(files[0].Message, [keyring]));
    }

    [Fact]
    public void A_clash_is_refused_with_its_own_error_id_and_imports_nothing()
    {
        using var source = new TestStore();
        using var target = new TestStore();
        var (key, _) = RotatedTwice(source);
        var package = source.Store.ExportKeyPackage(key.KeyId);
        target.Store.ImportKeyPackage(package);
        var again = StoreAssert.Fails(StoreErrorIds.KeyExists, () => target.Store.ImportKeyPackage(package));
        Assert.Equal(key.KeyId, again.Target);
        // Into the source itself: the same key is there.
        StoreAssert.Fails(StoreErrorIds.KeyExists, () => source.Store.ImportKeyPackage(package));

        // An alias the target already uses for another key: nothing is imported, not even the key.
        using var third = new TestStore();
        var other = third.Store.NewKey(new NewKeyRequest { Alias = "app-2" });
        StoreAssert.Fails(StoreErrorIds.AliasExists, () => third.Store.ImportKeyPackage(package));
        Assert.Equal([other.KeyId], third.Store.GetKeys().Select(k => k.KeyId));
    }

    [Fact]
    public void Only_exportable_keys_move_and_a_policy_deny_on_ExportKeyMaterial_stops_the_export()
    {
        using var t = new TestStore();
        var sealedKey = t.Store.NewKey(new NewKeyRequest { Alias = "sealed" });
        StoreAssert.Fails(StoreErrorIds.KeyNotExportable, () => t.Store.ExportKeyPackage(sealedKey.KeyId));

        var key = t.Store.NewKey(new NewKeyRequest { Alias = "open", Exportable = true });
        t.Store.PutKeyPolicy(key.KeyId, $$"""
            { "Version": "2012-10-17", "Statement": [
              { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "{{Me}}" }, "Action": "kms:*", "Resource": "*" },
              { "Sid": "NoExport", "Effect": "Deny", "Principal": { "EncTools": "*" }, "Action": "kms:ExportKeyMaterial", "Resource": "*" } ] }
            """);
        var denied = Assert.Throws<AccessDeniedException>(() => t.Store.ExportKeyPackage(key.KeyId));
        Assert.Contains("kms:ExportKeyMaterial", denied.Message, StringComparison.Ordinal);
        var record = t.Store.QueryAudit().Last();
        Assert.Equal(AuditResult.Denied, record.Result);
        Assert.Equal(key.KeyId, record.KeyId);
    }

    [Fact]
    public void Export_and_import_are_audited_in_each_store()
    {
        using var source = new TestStore();
        using var target = new TestStore();
        var (key, _) = RotatedTwice(source);
        target.Store.ImportKeyPackage(source.Store.ExportKeyPackage(key.KeyId));

        var exported = source.Store.QueryAudit().Last(e => e.Action == KmsActions.ExportKeyMaterial);
        Assert.Equal(AuditResult.Succeeded, exported.Result);
        Assert.Equal(key.KeyId, exported.KeyId);
        var imported = target.Store.QueryAudit().Last(e => e.Action == KmsActions.CreateKey);
        Assert.Equal(key.KeyId, imported.KeyId);
        Assert.Contains(target.Store.GetKey(key.KeyId).History, h => h.Event == "Imported" && h.Detail!.Contains(source.Store.GetStoreInfo().StoreId!, StringComparison.Ordinal));
        Assert.Contains(source.Store.GetKey(key.KeyId).History, h => h.Event == "Exported" && h.Detail!.Contains("whole key", StringComparison.Ordinal));
        Assert.True(target.Store.VerifyAuditLog().IsValid);
    }

    [Fact]
    public void An_RSA_key_moves_whole_too()
    {
        using var source = new TestStore();
        using var target = new TestStore();
        var key = source.Store.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072, Alias = "rsa", Exportable = true });
        var plain = RandomNumberGenerator.GetBytes(300);
        byte[] message;
        using (var keyring = source.Store.CreateEncryptKeyring([key.KeyId])) message = Crypt.Encrypt(plain, [keyring]);
        target.Store.ImportKeyPackage(EncKeyPackage.Parse(source.Store.ExportKeyPackage(key.KeyId).ToJson()));
        AssertDecryptsAll(target.Store, [(plain, message)]);
    }

    [Fact]
    public void The_JSON_text_round_trips_and_inconsistent_packages_are_refused()
    {
        using var source = new TestStore();
        var (key, _) = RotatedTwice(source);
        var package = source.Store.ExportKeyPackage(key.KeyId);
        var back = EncKeyPackage.Parse(package.ToJson());
        Assert.Equal(package.ToJson(), back.ToJson());

        using var target = new TestStore();
        var outOfOrder = new EncKeyPackage
        {
            KeyId = package.KeyId, SourceArn = package.SourceArn, SourceStoreId = package.SourceStoreId, KeyNamespace = package.KeyNamespace,
            RotationPeriodInDays = 365, Versions = [package.Versions[1], package.Versions[0]],
        };
        StoreAssert.Throws<KeyStoreException>(StoreErrorIds.KeyPackageInvalid, () => target.Store.ImportKeyPackage(outOfOrder));
        var badMinimum = new EncKeyPackage
        {
            KeyId = package.KeyId, SourceArn = package.SourceArn, SourceStoreId = package.SourceStoreId, KeyNamespace = package.KeyNamespace,
            RotationPeriodInDays = 365, MinimumDecryptionVersion = 4, Versions = package.Versions,
        };
        StoreAssert.Throws<KeyStoreException>(StoreErrorIds.KeyPackageInvalid, () => target.Store.ImportKeyPackage(badMinimum));
        var shortKey = new EncKeyPackage
        {
            KeyId = package.KeyId, SourceArn = package.SourceArn, SourceStoreId = package.SourceStoreId, KeyNamespace = package.KeyNamespace,
            RotationPeriodInDays = 365, Versions = [package.Versions[0] with { KeyMaterial = new byte[16] }],
        };
        StoreAssert.Throws<KeyStoreException>(StoreErrorIds.KeyPackageInvalid, () => target.Store.ImportKeyPackage(shortKey));
        Assert.False(target.Store.GetStoreInfo().Exists); // refused before anything was written, a store included
    }

    [Fact]
    public void Any_text_that_is_not_a_package_gives_EncKeyPackageInvalid()
    {
        var chars = Gen.Frequency((3, Gen.Elements("{}[]\":,0123456789abcdefnulltrue ".ToCharArray())), (1, Gen.Choose(0, 0xFFFF).Select(i => (char)i)));
        Prop.ForAll(chars.ArrayOf().Select(a => new string(a)).ToArbitrary(), text =>
        {
            var ex = Record.Exception(() => EncKeyPackage.Parse(text));
            return ex is KeyStoreException k && k.ErrorId == StoreErrorIds.KeyPackageInvalid;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void A_package_with_one_character_cut_anywhere_is_refused_or_read_the_same()
    {
        var json = SamplePackage.Value.ToJson();
        Prop.ForAll(Gen.Choose(0, json.Length - 1).ToArbitrary(), at =>
        {
            var ex = Record.Exception(() => EncKeyPackage.Parse(json[..at] + json[(at + 1)..]));
            return ex is null || (ex is KeyStoreException k && k.ErrorId == StoreErrorIds.KeyPackageInvalid);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    private static readonly Lazy<EncKeyPackage> SamplePackage = new(() =>
    {
        using var t = new TestStore();
        var (key, _) = RotatedTwice(t);
        return t.Store.ExportKeyPackage(key.KeyId);
    });

    // ------------------------------------------------------------------ whole-store backup and restore

    private const int FastIterations = 1000;

    [Fact]
    public void A_store_backed_up_under_a_password_restores_elsewhere_with_every_version_alias_grant_and_its_audit_log()
    {
        using var source = new TestStore(passwordIterations: FastIterations);
        var (key, files) = RotatedTwice(source, exportable: false);
        var grant = source.Store.CreateGrant(new GrantRequest(key.KeyId, Principal.User("carol"), [GrantOperation.Decrypt]));
        var backup = new MemoryStream();
        var info = source.Store.Backup(backup, new StoreBackupProtection { Password = "backup-pass-1".ToCharArray() });
        Assert.Equal(1, info.KeyCount);
        Assert.Equal("Password", info.Protection);
        Assert.Equal(backup.Length, info.Bytes);
        Assert.Contains(source.Store.QueryAudit(), e => e.Action == "StoreBackedUp");

        using var target = new TestStore(passwordIterations: FastIterations);
        backup.Position = 0;
        var restored = target.Store.Restore(backup, new StoreRestoreRequest { Password = "backup-pass-1".ToCharArray() });
        Assert.Equal(source.Store.GetStoreInfo().StoreId, restored.StoreId);
        var reopened = target.Open();
        var moved = reopened.GetKey("alias/app");
        Assert.Equal(key.KeyId, moved.KeyId);
        Assert.Equal(3, moved.CurrentVersion);
        Assert.Equal(["alias/app", "alias/app-2"], moved.Aliases);
        Assert.Equal(grant.GrantId, Assert.Single(reopened.GetGrants(key.KeyId)).GrantId);
        AssertDecryptsAll(reopened, files);
        // The audit log came along: the source's records, the restore appended, and the chain verifies.
        var verification = reopened.VerifyAuditLog();
        Assert.True(verification.IsValid, verification.ToString());
        var events = reopened.QueryAudit();
        Assert.Contains(events, e => e.Action == KmsActions.RotateKeyOnDemand && e.KeyId == key.KeyId);
        Assert.Equal("StoreRestored", events.Last(e => e.Action.StartsWith("Store", StringComparison.Ordinal)).Action);
    }

    [Fact]
    public void A_backup_to_an_RSA_key_of_another_store_restores_with_that_store_and_not_without_it()
    {
        using var source = new TestStore(passwordIterations: FastIterations);
        var (_, files) = RotatedTwice(source);
        using var recovery = new TestStore(passwordIterations: FastIterations);
        var rsa = recovery.Store.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072, Alias = "dr" });
        var pem = recovery.Store.ExportKey(rsa.KeyId, publicKeyOnly: true).PublicKeyPem!;
        var backup = new MemoryStream();
        Assert.Equal("Recipient", source.Store.Backup(backup, new StoreBackupProtection { RecipientPems = [pem] }).Protection);

        using var target = new TestStore(passwordIterations: FastIterations);
        backup.Position = 0;
        StoreAssert.Throws<KeyStoreLockedException>(StoreErrorIds.StorePasswordRequired, () => target.Store.Restore(backup, new StoreRestoreRequest()));
        using var wrong = new TestStore(passwordIterations: FastIterations);
        wrong.Store.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072 });
        using (var wrongKeyring = wrong.Store.CreateDecryptKeyring())
        {
            backup.Position = 0;
            StoreAssert.Fails(StoreErrorIds.BackupInvalid, () => target.Store.Restore(backup, new StoreRestoreRequest { Keyrings = [wrongKeyring] }));
        }
        Assert.False(target.Store.GetStoreInfo().Exists);
        using (var keyring = recovery.Store.CreateDecryptKeyring())
        {
            backup.Position = 0;
            target.Store.Restore(backup, new StoreRestoreRequest { Keyrings = [keyring] });
        }
        AssertDecryptsAll(target.Open(), files);
    }

    [Fact]
    public void A_wrong_password_a_tampered_backup_and_an_existing_store_restore_nothing()
    {
        using var source = new TestStore(passwordIterations: FastIterations);
        RotatedTwice(source);
        var backup = new MemoryStream();
        source.Store.Backup(backup, new StoreBackupProtection { Password = "right-pass-1".ToCharArray() });
        var bytes = backup.ToArray();

        using var target = new TestStore(passwordIterations: FastIterations);
        StoreAssert.Fails(StoreErrorIds.BackupInvalid, () => target.Store.Restore(new MemoryStream(bytes), new StoreRestoreRequest { Password = "wrong-pass-1".ToCharArray() }));
        var tampered = (byte[])bytes.Clone();
        tampered[^100] ^= 1;
        Assert.ThrowsAny<EncryptionToolsException>(() => target.Store.Restore(new MemoryStream(tampered), new StoreRestoreRequest { Password = "right-pass-1".ToCharArray() }));
        StoreAssert.Fails(StoreErrorIds.BackupInvalid, () => target.Store.Restore(new MemoryStream("not a backup at all"u8.ToArray()), new StoreRestoreRequest { Password = "right-pass-1".ToCharArray() }));
        Assert.False(target.Store.GetStoreInfo().Exists);
        Assert.False(Directory.Exists(target.Location) && Directory.EnumerateFiles(target.Location, "*", SearchOption.AllDirectories).Any());

        // Onto the source itself (a store is there): refused, and the store is unchanged.
        var before = source.Store.GetStoreInfo();
        StoreAssert.Fails(StoreErrorIds.StoreExists, () => source.Store.Restore(new MemoryStream(bytes), new StoreRestoreRequest { Password = "right-pass-1".ToCharArray() }));
        Assert.Equal(before.KeyCount, source.Store.GetStoreInfo().KeyCount);
    }

    [Fact]
    public void A_restored_store_takes_the_protection_asked_for()
    {
        using var source = new TestStore(passwordIterations: FastIterations);
        var (_, files) = RotatedTwice(source);
        var backup = new MemoryStream();
        source.Store.Backup(backup, new StoreBackupProtection { Password = "backup-pass-1".ToCharArray() });
        using var target = new TestStore(passwordIterations: FastIterations);
        backup.Position = 0;
        var info = target.Store.Restore(backup, new StoreRestoreRequest
        {
            Password = "backup-pass-1".ToCharArray(),
            Protection = new ProtectionChange { Protection = StoreProtection.Password, NewPassword = "store-pass-2".ToCharArray(), PasswordIterations = FastIterations },
        });
        Assert.Equal(StoreProtection.Password, info.Protection);
        var other = target.Open();
        other.Lock();
        Assert.ThrowsAny<KeyStoreLockedException>(() => other.GetKeys());
        other.Unlock("store-pass-2");
        AssertDecryptsAll(other, files);
    }
}
