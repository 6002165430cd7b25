using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

/// <summary>
/// Password mode. PBKDF2-HMAC-SHA512 at 600,000 iterations costs 0.5 to 2 s per derivation on the build machines, so one
/// test runs the product's real parameters end to end and the logic tests use a low iteration floor.
/// </summary>
[Collection("StoreHost processes")] // CPU-heavy: not at the same time as the multi-process tests
public class PasswordTests
{
    private static byte[][] Snapshot(TestStore t) => Directory.GetFiles(t.Location).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();

    [Fact]
    public void Password_mode_locks_unlocks_changes_and_removes_without_losing_a_key()
    {
        using var t = new TestStore(passwordIterations: 1000);
        var ids = Enumerable.Range(0, 3).Select(i => t.Store.NewKey(new NewKeyRequest { Alias = "k" + i }).KeyId).ToList();

        // File -> Password: the root key file goes, the keys stay.
        var info = t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = "correct horse".ToCharArray() });
        Assert.Equal(StoreProtection.Password, info.Protection);
        Assert.Equal(1000, info.PasswordIterations);
        Assert.False(File.Exists(t.File("root.key")));
        Assert.Contains("\"iterations\": 1000", File.ReadAllText(t.File("store.json")));
        Assert.Equal(3, t.Store.GetKeys().Count); // unlocked by the change itself

        t.Store.Lock();
        Assert.False(t.Store.GetStoreInfo().IsUnlocked);
        Assert.Null(t.Store.GetStoreInfo().KeyCount);
        var locked = StoreAssert.Fails(StoreErrorIds.StoreLocked, () => t.Open().GetKeys());
        Assert.Contains("Unlock-EncKeyStore", locked.Message);
        Assert.Contains("ENCRYPTIONTOOLS_STORE_PASSWORD", locked.Message);
        StoreAssert.Fails(StoreErrorIds.StoreLocked, () => t.Store.NewKey(new NewKeyRequest()));

        // A wrong password: a clear error, and nothing on disk changes.
        var before = Snapshot(t);
        var wrong = StoreAssert.Fails(StoreErrorIds.StorePasswordInvalid, () => t.Store.Unlock("wrong".ToCharArray()));
        Assert.Contains("wrong", wrong.Message);
        Assert.Equal(before, Snapshot(t));
        Assert.Contains(t.Events.Events, e => e.Operation == "StoreUnlockFailed" && !e.Succeeded);
        // No password at all is a different error (the cmdlet asks the host on it), and not a failed guess.
        var failures = t.Events.Events.Count(e => e.Operation == "StoreUnlockFailed");
        var missing = StoreAssert.Fails(StoreErrorIds.StorePasswordRequired, () => t.Store.Unlock([]));
        Assert.Equal(t.Location, missing.Target);
        Assert.Contains("ENCRYPTIONTOOLS_STORE_PASSWORD", missing.Message);
        Assert.Equal(failures, t.Events.Events.Count(e => e.Operation == "StoreUnlockFailed"));
        Assert.Equal(before, Snapshot(t));

        // Changing needs the current password; a wrong one changes nothing.
        StoreAssert.Fails(StoreErrorIds.StorePasswordRequired, () => t.Store.SetProtection(new ProtectionChange { NewPassword = "new".ToCharArray() }));
        StoreAssert.Fails(StoreErrorIds.StorePasswordInvalid, () => t.Store.SetProtection(new ProtectionChange { NewPassword = "new".ToCharArray(), CurrentPassword = "nope".ToCharArray() }));
        Assert.Equal(before, Snapshot(t));

        t.Store.SetProtection(new ProtectionChange { NewPassword = "battery staple".ToCharArray(), CurrentPassword = "correct horse".ToCharArray() });
        t.Store.Lock();
        StoreAssert.Fails(StoreErrorIds.StorePasswordInvalid, () => t.Store.Unlock("correct horse".ToCharArray()));
        var unlocked = t.Store.Unlock("battery staple".ToCharArray(), TimeSpan.FromMinutes(5));
        Assert.True(unlocked.IsUnlocked);
        Assert.Equal(TestStore.Start.AddMinutes(5), unlocked.UnlockedUntil);
        Assert.Equal(ids.Order(), t.Open().GetKeys().Select(k => k.KeyId).Order());

        // Password -> File: needs the password, and the keys stay.
        StoreAssert.Fails(StoreErrorIds.StorePasswordRequired, () => t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.File }));
        t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.File, CurrentPassword = "battery staple".ToCharArray() });
        Assert.True(File.Exists(t.File("root.key")));
        t.Store.Lock();
        Assert.Equal(ids.Order(), t.Open().GetKeys().Select(k => k.KeyId).Order());
        Assert.Equal(ids[1], t.Open().GetKey("k1").KeyId);
    }

    [Fact]
    public void An_unlock_expires_after_its_timeout_and_a_runbook_unlocks_from_the_environment()
    {
        using var t = new TestStore(passwordIterations: 1000);
        t.Store.CreateStore(new ProtectionChange { NewPassword = "runbook secret".ToCharArray() }); // a store in password mode
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.Lock();
        t.Store.Unlock("runbook secret".ToCharArray(), TimeSpan.FromSeconds(60));
        t.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(id, t.Open().GetKey(id).KeyId);
        t.Clock.Advance(TimeSpan.FromSeconds(1));
        StoreAssert.Fails(StoreErrorIds.StoreLocked, () => t.Open().GetKey(id));

        t.Environment = n => n == LocalKeyStore.PasswordEnvironmentVariable ? "runbook secret" : null;
        Assert.Equal(id, t.Open().GetKey(id).KeyId);
        t.Store.Lock();
        t.Environment = n => n == LocalKeyStore.PasswordEnvironmentVariable ? "typo" : null;
        var ex = StoreAssert.Fails(StoreErrorIds.StorePasswordInvalid, () => t.Open().GetKey(id));
        Assert.Contains("ENCRYPTIONTOOLS_STORE_PASSWORD", ex.Message);
    }

    [Fact]
    public void Settings_that_could_lock_the_owner_out_are_refused_before_any_work()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest());
        var before = Snapshot(t);
        StoreAssert.Fails(StoreErrorIds.StorePasswordRequired, () => t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.Password }));
        StoreAssert.Fails(StoreErrorIds.StorePasswordRequired, () => t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = [] }));
        StoreAssert.Fails(StoreErrorIds.StorePasswordRequired, () => t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = "   ".ToCharArray() }));
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.SetProtection(new ProtectionChange { NewPassword = "x".ToCharArray(), PasswordIterations = 599_999 }));
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.SetProtection(new ProtectionChange { NewPassword = "x".ToCharArray(), PasswordIterations = 1000 }));
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.SetProtection(new ProtectionChange { NewPassword = "x".ToCharArray(), PasswordIterations = int.MaxValue }));
        if (!OperatingSystem.IsWindows())
            StoreAssert.Fails(StoreErrorIds.StoreUnsupported, () => t.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.Dpapi }));
        Assert.Equal(before, Snapshot(t));
        Assert.Single(t.Open().GetKeys());
        StoreAssert.Fails(StoreErrorIds.InvalidArgument, () => t.Store.Unlock("x".ToCharArray(), TimeSpan.Zero));
    }

    [Fact]
    public void The_real_parameters_are_PBKDF2_HMAC_SHA512_at_600000_iterations_and_a_wrong_password_changes_nothing()
    {
        using var t = new TestStore(); // the product's floor: two derivations, about a second or two each
        var info = t.Store.CreateStore(new ProtectionChange { NewPassword = "long enough passphrase".ToCharArray() });
        Assert.Equal(600_000, info.PasswordIterations);
        var descriptor = File.ReadAllText(t.File("store.json"));
        Assert.Contains("\"kdf\": \"PBKDF2-HMAC-SHA512\"", descriptor);
        Assert.Contains("\"iterations\": 600000", descriptor);
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.Lock();
        var before = Snapshot(t);
        StoreAssert.Fails(StoreErrorIds.StorePasswordInvalid, () => t.Store.Unlock("long enough passphrasE".ToCharArray()));
        Assert.Equal(before, Snapshot(t));
        StoreAssert.Fails(StoreErrorIds.StoreLocked, () => t.Open().GetKey(id));
    }
}
