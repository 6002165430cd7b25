using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

public class RotationTests
{
    [Theory]
    [InlineData(89, false)]
    [InlineData(90, true)]
    [InlineData(365, true)]
    [InlineData(2560, true)]
    [InlineData(2561, false)]
    public void Rotation_period_is_90_to_2560_days(int days, bool allowed)
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        if (allowed)
        {
            var key = t.Store.UpdateKey(id, new KeyUpdate { RotationEnabled = true, RotationPeriodInDays = days });
            Assert.Equal(days, key.RotationPeriodInDays);
            Assert.Equal(TestStore.Start.AddDays(days), key.NextRotationDate);
        }
        else
        {
            StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.UpdateKey(id, new KeyUpdate { RotationEnabled = true, RotationPeriodInDays = days }));
            StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.NewKey(new NewKeyRequest { RotationEnabled = true, RotationPeriodInDays = days }));
            Assert.False(t.Store.GetKey(id).RotationEnabled);
        }
    }

    [Fact]
    public void A_due_rotation_happens_at_next_use_not_before()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest { RotationEnabled = true, RotationPeriodInDays = 90 }).KeyId;
        t.Clock.Advance(TimeSpan.FromDays(90) - TimeSpan.FromTicks(1));
        Assert.Equal(1, t.Open().GetKey(id).CurrentVersion);

        t.Clock.Advance(TimeSpan.FromTicks(1));
        var key = t.Open().GetKey(id);
        Assert.Equal(2, key.CurrentVersion);
        Assert.Equal(t.Clock.Now.AddDays(90), key.NextRotationDate);
        var rotation = Assert.Single(t.Store.GetKeyRotations(id));
        Assert.Equal(RotationType.Automatic, rotation.RotationType);
        Assert.Equal(2, rotation.Version);
        Assert.Equal($"{id}/v2", rotation.KeyName);
        Assert.Equal(t.Clock.Now, rotation.RotationDate);
    }

    [Fact]
    public void A_long_overdue_key_rotates_once_and_then_waits_a_full_period()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest { RotationEnabled = true, RotationPeriodInDays = 90 }).KeyId;
        t.Clock.Advance(TimeSpan.FromDays(1000));
        Assert.Equal(2, t.Store.GetKey(id).CurrentVersion);
        Assert.Equal(2, t.Store.GetKey(id).CurrentVersion);
    }

    [Fact]
    public void Rotation_is_off_by_default_and_disabled_keys_do_not_rotate_until_enabled()
    {
        using var t = new TestStore();
        var off = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var disabled = t.Store.NewKey(new NewKeyRequest { RotationEnabled = true, RotationPeriodInDays = 90 }).KeyId;
        t.Store.DisableKey(disabled);
        t.Clock.Advance(TimeSpan.FromDays(400));
        Assert.Equal(1, t.Store.GetKey(off).CurrentVersion);
        Assert.Equal(1, t.Store.GetKey(disabled).CurrentVersion);
        t.Store.EnableKey(disabled); // the overdue rotation happens at the next use
        Assert.Equal(2, t.Store.GetKey(disabled).CurrentVersion);
    }

    [Fact]
    public void Disabling_rotation_clears_the_next_date()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest { RotationEnabled = true }).KeyId;
        var key = t.Store.UpdateKey(id, new KeyUpdate { RotationEnabled = false });
        Assert.False(key.RotationEnabled);
        Assert.Null(key.NextRotationDate);
        t.Clock.Advance(TimeSpan.FromDays(3000));
        Assert.Equal(1, t.Store.GetKey(id).CurrentVersion);
    }

    [Fact]
    public void On_demand_rotation_keeps_every_version_and_the_automatic_schedule()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { RotationEnabled = true, RotationPeriodInDays = 100 });
        t.Clock.Advance(TimeSpan.FromDays(10));
        var rotated = t.Store.RotateKey(key.KeyId);
        Assert.Equal(2, rotated.CurrentVersion);
        Assert.Equal(key.NextRotationDate, rotated.NextRotationDate);
        Assert.Equal($"{key.KeyId}/v2", rotated.KeyName);
        Assert.Equal([1, 2], rotated.Versions.Select(v => v.Version));
        Assert.True(rotated.Versions.All(v => v.CanDecrypt));
        Assert.Equal(RotationType.OnDemand, Assert.Single(t.Store.GetKeyRotations(key.KeyId)).RotationType);
    }

    [Fact]
    public void Disabled_and_imported_keys_cannot_rotate_on_demand()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.DisableKey(id);
        var ex = StoreAssert.Fails(StoreErrorIds.KeyDisabled, () => t.Store.RotateKey(id));
        Assert.Contains("Enable-EncKey -KeyId " + id, ex.Message);
        var imported = t.Store.ImportKey(new ImportKeyRequest { KeyMaterial = new byte[32], KeyNamespace = "ns", KeyName = "k" }).KeyId;
        StoreAssert.Fails(StoreErrorIds.KeyInvalidState, () => t.Store.RotateKey(imported));
        StoreAssert.Fails(StoreErrorIds.KeyInvalidState, () => t.Store.UpdateKey(imported, new KeyUpdate { RotationEnabled = true }));
    }

    [Fact]
    public void The_default_key_rotates_every_365_days_by_itself()
    {
        using var t = new TestStore().Initialized();
        var key = t.Store.GetOrCreateDefaultKey();
        t.Clock.Advance(TimeSpan.FromDays(364));
        Assert.Equal(1, t.Store.GetOrCreateDefaultKey().CurrentVersion);
        t.Clock.Advance(TimeSpan.FromDays(1));
        var rotated = t.Store.GetOrCreateDefaultKey();
        Assert.Equal(key.KeyId, rotated.KeyId);
        Assert.Equal(2, rotated.CurrentVersion);
        Assert.Contains(t.Events.Events, e => e.Operation == "KeyRotated" && e.KeyId == key.KeyId && e.Detail == "Automatic");
    }
}
