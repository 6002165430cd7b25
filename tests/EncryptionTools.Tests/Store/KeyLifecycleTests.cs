using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

public class KeyLifecycleTests
{
    [Fact]
    public void New_key_has_the_KMS_properties_and_defaults()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Description = "payroll", Tags = new Dictionary<string, string> { ["dept"] = "hr" } });
        Assert.True(Guid.TryParse(key.KeyId, out _));
        Assert.Equal($"arn:enctools:kms:local:{key.StoreId}:key/{key.KeyId}", key.Arn);
        Assert.Equal(KeyState.Enabled, key.KeyState);
        Assert.Equal(KeySpec.SYMMETRIC_DEFAULT, key.KeySpec);
        Assert.Equal(KeyUsage.ENCRYPT_DECRYPT, key.KeyUsage);
        Assert.Equal(KeyOrigin.EncryptionTools, key.Origin);
        Assert.Equal(KeyManager.Customer, key.KeyManager);
        Assert.Equal(TestStore.Start, key.CreationDate);
        Assert.False(key.RotationEnabled); // off by default for customer keys
        Assert.Equal(365, key.RotationPeriodInDays);
        Assert.Null(key.NextRotationDate);
        Assert.Equal(1, key.CurrentVersion);
        Assert.Equal(1, key.MinimumDecryptionVersion);
        Assert.False(key.Exportable);
        Assert.Equal("enctools", key.KeyNamespace);
        Assert.Equal($"{key.KeyId}/v1", key.KeyName);
        Assert.Equal("payroll", key.Description);
        Assert.Equal("hr", key.Tags["dept"]);
        Assert.Empty(key.Aliases);
        Assert.Contains("kms:*", key.Policy);
        Assert.Single(key.History);
        Assert.Equal("Created", key.History[0].Event);
    }

    [Fact]
    public void A_key_resolves_by_id_arn_alias_alias_arn_and_bare_alias_name()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/payroll" });
        var arnOfAlias = Arns.Alias(key.StoreId, "alias/payroll");
        foreach (var id in new[] { key.KeyId, key.KeyId.ToUpperInvariant(), key.Arn, "alias/payroll", arnOfAlias, "payroll", "ALIAS/Payroll" })
            Assert.Equal(key.KeyId, t.Store.GetKey(id).KeyId);
        Assert.Equal(["alias/payroll"], t.Store.GetKey(key.KeyId).Aliases);
    }

    [Fact]
    public void Unknown_keys_and_foreign_arns_are_not_found_with_a_helpful_message()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        var ex = StoreAssert.Fails(StoreErrorIds.KeyNotFound, () => t.Store.GetKey(Guid.NewGuid().ToString()));
        Assert.Contains("Get-EncKey", ex.Message);
        ex = StoreAssert.Fails(StoreErrorIds.KeyNotFound, () => t.Store.GetKey(Arns.Key(Guid.NewGuid().ToString(), key.KeyId)));
        Assert.Contains("belongs to the key store", ex.Message);
        StoreAssert.Fails(StoreErrorIds.KeyNotFound, () => t.Store.GetKey("alias/none"));
    }

    [Fact]
    public void Reads_of_a_store_that_does_not_exist_create_nothing()
    {
        // The per-user default store reads as empty until something creates it.
        using var t = new TestStore(locationSource: StoreLocation.FromDefault);
        Assert.Empty(t.Store.GetKeys());
        Assert.Empty(t.Store.GetAliases());
        Assert.False(t.Store.GetStoreInfo().Exists);
        StoreAssert.Fails(StoreErrorIds.KeyNotFound, () => t.Store.GetKey(Guid.NewGuid().ToString()));
        Assert.False(Directory.Exists(t.Location));
    }

    [Fact]
    public void Reads_and_uses_of_a_named_location_without_a_store_fail_with_StoreNotFound_and_create_nothing()
    {
        using var t = new TestStore(); // named by -StorePath / --store / ENCRYPTIONTOOLS_STORE
        var e = StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.GetKeys());
        Assert.Equal(EncryptionTools.Engine.EngineErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains(t.Location, e.Message, StringComparison.Ordinal);
        Assert.Contains("New-EncKeyStore", e.Message, StringComparison.Ordinal);
        Assert.Contains("enctools store init", e.Message, StringComparison.Ordinal);
        Assert.Equal(t.Location, e.Target);
        StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.GetAliases());
        StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.GetKey(Guid.NewGuid().ToString()));
        StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.GetOrCreateDefaultKey());
        StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.CreateEncryptKeyring([]));
        StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.CreateDecryptKeyring());
        StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.NewAlias("x", Guid.NewGuid().ToString()));
        StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.File }));
        StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.EnableKey(Guid.NewGuid().ToString()));
        Assert.False(t.Store.GetStoreInfo().Exists);
        Assert.False(Directory.Exists(t.Location));
    }

    [Fact]
    public void Only_the_per_user_default_store_is_created_by_use_and_then_with_a_warning()
    {
        using var t = new TestStore(locationSource: StoreLocation.FromDefault);
        var warnings = new List<string>();
        var previous = StoreCall.WarningScope.Value;
        StoreCall.WarningScope.Value = warnings.Add;
        try
        {
            var key = t.Store.GetOrCreateDefaultKey();
            Assert.Equal(KeyManager.Module, key.KeyManager);
            Assert.Contains(t.Location, Assert.Single(warnings), StringComparison.Ordinal);
            t.Store.GetOrCreateDefaultKey();
            Assert.Single(warnings); // once: the store exists now
        }
        finally { StoreCall.WarningScope.Value = previous; }
        Assert.True(t.Store.GetStoreInfo().Exists);
    }

    [Fact]
    public void CreateStore_makes_an_empty_store_on_purpose_and_refuses_an_existing_one()
    {
        using var t = new TestStore();
        var info = t.Store.CreateStore(new ProtectionChange { Protection = StoreProtection.File });
        Assert.True(info.Exists);
        Assert.Equal(0, info.KeyCount);
        Assert.Empty(t.Store.GetKeys());
        var e = StoreAssert.Fails(StoreErrorIds.StoreExists, () => t.Store.CreateStore(new ProtectionChange()));
        Assert.Equal(EncryptionTools.Engine.EngineErrorCategory.ResourceExists, e.Category);
        Assert.Equal(info.StoreId, t.Store.GetStoreInfo().StoreId);
        Assert.Contains(t.Events.Events, ev => ev.Operation == "StoreCreated");
    }

    [Fact]
    public void Disable_and_enable_are_allowed_and_idempotent()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        Assert.Equal(KeyState.Disabled, t.Store.DisableKey(id).KeyState);
        Assert.Equal(KeyState.Disabled, t.Store.DisableKey(id).KeyState);
        Assert.Equal(KeyState.Enabled, t.Store.EnableKey(id).KeyState);
        Assert.Equal(KeyState.Enabled, t.Store.EnableKey(id).KeyState);
        var history = t.Store.GetKey(id).History.Select(h => h.Event).ToList();
        Assert.Equal(["Created", "Disabled", "Enabled"], history);
    }

    [Theory]
    [InlineData(6, false)]
    [InlineData(7, true)]
    [InlineData(30, true)]
    [InlineData(31, false)]
    public void Pending_window_is_7_to_30_days(int days, bool allowed)
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        if (allowed)
        {
            var key = t.Store.ScheduleKeyDeletion(id, days);
            Assert.Equal(KeyState.PendingDeletion, key.KeyState);
            Assert.Equal(TestStore.Start.AddDays(days), key.DeletionDate);
            Assert.Equal(days, key.PendingDeletionWindowInDays);
        }
        else
        {
            StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.ScheduleKeyDeletion(id, days));
            Assert.Equal(KeyState.Enabled, t.Store.GetKey(id).KeyState);
        }
    }

    [Fact]
    public void Default_pending_window_is_30_days()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        Assert.Equal(TestStore.Start.AddDays(30), t.Store.ScheduleKeyDeletion(id).DeletionDate);
    }

    [Fact]
    public void A_disabled_key_can_be_scheduled_for_deletion()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.DisableKey(id);
        Assert.Equal(KeyState.PendingDeletion, t.Store.ScheduleKeyDeletion(id, 7).KeyState);
    }

    [Fact]
    public void Pending_deletion_refuses_enable_disable_delete_rotate_and_update()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.ScheduleKeyDeletion(id, 7);
        var ex = StoreAssert.Fails(StoreErrorIds.KeyPendingDeletion, () => t.Store.EnableKey(id));
        Assert.Contains("Restore-EncKey -KeyId " + id, ex.Message);
        StoreAssert.Fails(StoreErrorIds.KeyPendingDeletion, () => t.Store.DisableKey(id));
        StoreAssert.Fails(StoreErrorIds.KeyInvalidState, () => t.Store.ScheduleKeyDeletion(id, 7));
        StoreAssert.Fails(StoreErrorIds.KeyPendingDeletion, () => t.Store.RotateKey(id));
        StoreAssert.Fails(StoreErrorIds.KeyPendingDeletion, () => t.Store.UpdateKey(id, new KeyUpdate { Description = "x" }));
        Assert.Equal(KeyState.PendingDeletion, t.Store.GetKey(id).KeyState);
    }

    [Fact]
    public void Cancelling_deletion_leaves_the_key_disabled_and_only_pending_keys_can_be_restored()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        StoreAssert.Fails(StoreErrorIds.KeyInvalidState, () => t.Store.CancelKeyDeletion(id));
        t.Store.ScheduleKeyDeletion(id, 10);
        var restored = t.Store.CancelKeyDeletion(id);
        Assert.Equal(KeyState.Disabled, restored.KeyState);
        Assert.Null(restored.DeletionDate);
        StoreAssert.Fails(StoreErrorIds.KeyInvalidState, () => t.Store.CancelKeyDeletion(id));
        Assert.Equal(KeyState.Enabled, t.Store.EnableKey(id).KeyState);
    }

    [Fact]
    public void After_the_window_the_material_is_destroyed_at_next_open_and_audited()
    {
        using var t = new TestStore();
        var doomed = t.Store.NewKey(new NewKeyRequest { Alias = "old" }).KeyId;
        var kept = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.ScheduleKeyDeletion(doomed, 7);

        t.Clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        t.Reopen();
        Assert.Equal(KeyState.PendingDeletion, t.Store.GetKey(doomed).KeyState);

        t.Clock.Advance(TimeSpan.FromSeconds(1));
        t.Reopen();
        var keys = t.Store.GetKeys();
        Assert.Equal([kept], keys.Select(k => k.KeyId));
        Assert.Empty(t.Store.GetAliases());
        var ex = StoreAssert.Fails(StoreErrorIds.KeyNotFound, () => t.Store.GetKey(doomed));
        Assert.Contains("deleted", ex.Message);
        var destroyed = Assert.Single(t.Events.Events, e => e.Operation == "KeyMaterialDestroyed");
        Assert.Equal(doomed, destroyed.KeyId);
        Assert.Contains(t.Events.Events, e => e.Operation == "AliasDeleted" && e.AliasName == "alias/old");
    }

    [Fact]
    public void The_module_default_key_is_created_on_first_use_and_cannot_be_deleted_disabled_repolicied_or_realiased()
    {
        using var t = new TestStore().Initialized();
        var key = t.Store.GetOrCreateDefaultKey();
        Assert.Equal(key.KeyId, t.Store.GetOrCreateDefaultKey().KeyId); // once
        Assert.Equal(KeyManager.Module, key.KeyManager);
        Assert.True(key.RotationEnabled);
        Assert.Equal(365, key.RotationPeriodInDays);
        Assert.Equal(TestStore.Start.AddDays(365), key.NextRotationDate);
        Assert.Equal([Aliases.DefaultKeyAlias], key.Aliases);

        StoreAssert.Fails(StoreErrorIds.KeyManagedByModule, () => t.Store.DisableKey(key.KeyId));
        StoreAssert.Fails(StoreErrorIds.KeyManagedByModule, () => t.Store.ScheduleKeyDeletion(key.KeyId, 7));
        StoreAssert.Fails(StoreErrorIds.KeyManagedByModule, () => t.Store.UpdateKey(key.KeyId, new KeyUpdate { Policy = "{}" }));
        StoreAssert.Fails(StoreErrorIds.KeyManagedByModule, () => t.Store.UpdateKey(key.KeyId, new KeyUpdate { RotationEnabled = false }));
        StoreAssert.Fails(StoreErrorIds.KeyManagedByModule, () => t.Store.NewAlias("mine", key.KeyId));
        StoreAssert.Fails(StoreErrorIds.AliasReserved, () => t.Store.RemoveAlias(Aliases.DefaultKeyAlias));
        var other = t.Store.NewKey(new NewKeyRequest()).KeyId;
        StoreAssert.Fails(StoreErrorIds.AliasReserved, () => t.Store.SetAlias(Aliases.DefaultKeyAlias, other));
        Assert.Equal(KeyState.Enabled, t.Store.GetKey(Aliases.DefaultKeyAlias).KeyState);
        // Rotation on demand and retiring versions stay possible (a compromised version).
        Assert.Equal(2, t.Store.RotateKey(key.KeyId).CurrentVersion);
        Assert.Equal(2, t.Store.UpdateKey(key.KeyId, new KeyUpdate { MinimumDecryptionVersion = 2 }).MinimumDecryptionVersion);
    }

    [Fact]
    public void Set_changes_description_tags_policy_and_minimum_decryption_version()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest { Tags = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" } }).KeyId;
        var key = t.Store.UpdateKey(id, new KeyUpdate
        {
            Description = "new", Tags = new Dictionary<string, string> { ["c"] = "3" }, RemoveTags = ["a"],
            Policy = $$"""{"Version":"2012-10-17","Statement":[{"Sid":"Owner","Effect":"Allow","Principal":{"EncTools":"user:{{KeyPolicies.CurrentUser()}}"},"Action":"kms:*","Resource":"*"}]}""",
        });
        Assert.Equal("new", key.Description);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, key.Tags);
        Assert.Contains("2012-10-17", key.Policy);
        StoreAssert.Throws<EncryptionTools.Engine.Access.InvalidKeyPolicyException>("InvalidKeyPolicy", () => t.Store.UpdateKey(id, new KeyUpdate { Policy = "not json" }));
        // The lockout safety check runs for Set-EncKey -Policy too (without a bypass).
        StoreAssert.Throws<EncryptionTools.Engine.Access.KeyPolicyLockoutException>("KeyPolicyLockout",
            () => t.Store.UpdateKey(id, new KeyUpdate { Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"EncTools":"user:nobody-x"},"Action":"kms:*","Resource":"*"}]}""" }));
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.UpdateKey(id, new KeyUpdate { MinimumDecryptionVersion = 2 }));
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.UpdateKey(id, new KeyUpdate { MinimumDecryptionVersion = 0 }));
        t.Store.RotateKey(id);
        Assert.Equal(2, t.Store.UpdateKey(id, new KeyUpdate { MinimumDecryptionVersion = 2 }).MinimumDecryptionVersion);
        Assert.Equal(1, t.Store.UpdateKey(id, new KeyUpdate { MinimumDecryptionVersion = 1 }).MinimumDecryptionVersion);
    }

    [Fact]
    public void Refused_operations_and_successes_reach_the_event_sink()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.DisableKey(id);
        Assert.ThrowsAny<KeyStoreException>(() => t.Store.RotateKey(id));
        var events = t.Events.Events;
        Assert.Contains(events, e => e.Operation == "StoreCreated");
        Assert.Contains(events, e => e.Operation == "KeyCreated" && e.KeyId == id && e.Succeeded);
        Assert.Contains(events, e => e.Operation == "KeyDisabled" && e.KeyId == id);
        Assert.Contains(events, e => e.Operation == "KeyRotated" && !e.Succeeded && e.ErrorId == StoreErrorIds.KeyDisabled);
    }

    [Fact]
    public void Rsa_keys_are_created_with_a_pem_public_key_and_a_private_key_that_stays_inside()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072 });
        Assert.Equal(KeySpec.RSA_3072, key.KeySpec);
        var pub = t.Store.ExportKey(key.KeyId, publicKeyOnly: true);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", pub.PublicKeyPem);
        Assert.Null(pub.PrivateKeyPem);
        Assert.Null(pub.KeyMaterial);
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(pub.PublicKeyPem);
        Assert.Equal(3072, rsa.KeySize);
        StoreAssert.Fails(StoreErrorIds.KeyNotExportable, () => t.Store.ExportKey(key.KeyId));
    }

    [Fact]
    public void Disabled_keys_cannot_be_restored_exported_or_rotated_but_can_be_changed()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest { Exportable = true }).KeyId;
        t.Store.DisableKey(id);
        StoreAssert.Fails(StoreErrorIds.KeyInvalidState, () => t.Store.CancelKeyDeletion(id));
        StoreAssert.Fails(StoreErrorIds.KeyDisabled, () => t.Store.ExportKey(id));
        StoreAssert.Fails(StoreErrorIds.KeyDisabled, () => t.Store.RotateKey(id));
        Assert.Equal("still managed", t.Store.UpdateKey(id, new KeyUpdate { Description = "still managed" }).Description);
        t.Store.NewAlias("disabled-key", id); // aliases may point to disabled keys, as in KMS
        Assert.Equal(KeyState.Disabled, t.Store.GetKey("disabled-key").KeyState);
    }

    [Fact]
    public void Keys_pending_deletion_cannot_be_exported_and_their_deletion_date_is_kept_across_processes()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest { Exportable = true }).KeyId;
        t.Store.ScheduleKeyDeletion(id, 9);
        StoreAssert.Fails(StoreErrorIds.KeyPendingDeletion, () => t.Store.ExportKey(id));
        var reopened = t.Open().GetKey(id);
        Assert.Equal(TestStore.Start.AddDays(9), reopened.DeletionDate);
        Assert.Equal(9, reopened.PendingDeletionWindowInDays);
    }

    [Fact]
    public void Enabling_the_enabled_default_key_is_allowed()
    {
        using var t = new TestStore().Initialized();
        var key = t.Store.GetOrCreateDefaultKey();
        Assert.Equal(KeyState.Enabled, t.Store.EnableKey(key.KeyId).KeyState);
    }
}
