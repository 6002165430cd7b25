using System.Text;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

public class PersistenceTests
{
    [Fact]
    public void Another_provider_on_the_same_directory_sees_every_change()
    {
        using var t = new TestStore();
        var other = t.Open();
        var id = t.Store.NewKey(new NewKeyRequest { Alias = "a" }).KeyId;
        Assert.Equal(id, other.GetKey("alias/a").KeyId); // a fresh reader
        other.DisableKey(id);
        Assert.Equal(KeyState.Disabled, t.Store.GetKey(id).KeyState); // the first provider's cache is invalidated by the file's identity
    }

    [Fact]
    public void Everything_is_encrypted_at_rest()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest
        {
            Description = "SECRET-DESCRIPTION", Tags = new Dictionary<string, string> { ["SECRET-TAG"] = "SECRET-VALUE" }, Alias = "SECRET-ALIAS",
        });
        var files = Directory.GetFiles(t.Location).ToDictionary(f => Path.GetFileName(f)!, File.ReadAllBytes);
        Assert.Equal(new[] { ".lock", "keys.dat", "root.key", "store.json" }, files.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in files)
        {
            var text = Encoding.UTF8.GetString(bytes) + Encoding.Latin1.GetString(bytes);
            foreach (var secret in new[] { "SECRET", key.KeyId, "kms:*", "enctools" })
                Assert.DoesNotContain(secret, text);
        }
        var descriptor = Encoding.UTF8.GetString(files["store.json"]);
        Assert.Contains("\"protection\": \"File\"", descriptor);
        Assert.Equal(32, files["root.key"].Length);
    }

    [Fact]
    public void A_tampered_data_file_is_refused_and_not_overwritten()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest());
        var path = t.File("keys.dat");
        var bytes = File.ReadAllBytes(path);
        bytes[^20] ^= 1;
        File.WriteAllBytes(path, bytes);
        var ex = StoreAssert.Fails(StoreErrorIds.StoreCorrupt, () => t.Open().GetKeys());
        Assert.Contains("failed authentication", ex.Message);
        StoreAssert.Fails(StoreErrorIds.StoreCorrupt, () => t.Open().NewKey(new NewKeyRequest()));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_schema_version_is_authenticated()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest());
        var path = t.File("keys.dat");
        var bytes = File.ReadAllBytes(path);
        bytes[7] = 2; // claims schema 2
        File.WriteAllBytes(path, bytes);
        StoreAssert.Fails(StoreErrorIds.StoreUnsupported, () => t.Open().GetKeys());
        bytes[7] = 0; // claims schema 0: migration path, but the AAD no longer matches
        File.WriteAllBytes(path, bytes);
        StoreAssert.Fails(StoreErrorIds.StoreCorrupt, () => t.Open().GetKeys());
    }

    [Fact]
    public void A_root_key_file_of_another_store_is_refused_clearly()
    {
        using var a = new TestStore();
        using var b = new TestStore();
        a.Store.NewKey(new NewKeyRequest());
        b.Store.NewKey(new NewKeyRequest());
        File.Copy(b.File("root.key"), a.File("root.key"), overwrite: true);
        var ex = StoreAssert.Fails(StoreErrorIds.StoreCorrupt, () => a.Open().GetKeys());
        Assert.Contains("does not match", ex.Message);
    }

    [Fact]
    public void A_store_without_descriptor_but_with_data_is_never_recreated()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest());
        File.Delete(t.File("store.json"));
        var data = File.ReadAllBytes(t.File("keys.dat"));
        StoreAssert.Fails(StoreErrorIds.StoreCorrupt, () => t.Open().NewKey(new NewKeyRequest()));
        Assert.Equal(data, File.ReadAllBytes(t.File("keys.dat")));
    }

    [Fact]
    public void A_store_is_not_created_in_a_directory_holding_other_files()
    {
        using var t = new TestStore();
        Directory.CreateDirectory(t.Location);
        File.WriteAllText(t.File("notes.txt"), "mine");
        StoreAssert.Fails(StoreErrorIds.StoreNotFound, () => t.Store.NewKey(new NewKeyRequest()));
        Assert.False(File.Exists(t.File("store.json")));
    }

    [Fact]
    public void A_store_left_half_created_by_a_crash_is_created_again()
    {
        using var t = new TestStore();
        Directory.CreateDirectory(t.Location);
        File.WriteAllBytes(t.File(".initializing"), []);
        File.WriteAllBytes(t.File("keys.dat"), new byte[100]);
        File.WriteAllBytes(t.File("root.key"), new byte[32]);
        if (!OperatingSystem.IsWindows())
            foreach (var f in Directory.GetFiles(t.Location)) File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        Assert.Equal(id, t.Open().GetKey(id).KeyId);
        Assert.False(File.Exists(t.File(".initializing")));
    }

    [Fact]
    public void A_writer_that_cannot_get_the_lock_fails_with_a_clear_timeout()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest());
        using var held = new FileStream(t.File(".lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var ex = StoreAssert.Fails(StoreErrorIds.StoreBusy, () => t.Open(TimeSpan.FromMilliseconds(300)).NewKey(new NewKeyRequest()));
        Assert.Contains("locked by another writer", ex.Message);
        Assert.Single(t.Open().GetKeys()); // reads need no lock
    }

    [Fact]
    public void Threads_of_one_process_do_not_lose_updates()
    {
        using var t = new TestStore();
        var stores = Enumerable.Range(0, 4).Select(_ => t.Open()).ToArray();
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => stores[i % 4].NewKey(new NewKeyRequest { Alias = "k" + i }));
        Assert.Equal(40, t.Open().GetKeys().Count);
        Assert.Equal(40, t.Open().GetAliases().Count);
    }

    [Fact]
    public void Store_location_prefers_the_parameter_then_the_environment_then_the_default()
    {
        var env = new Dictionary<string, string?> { ["ENCRYPTIONTOOLS_STORE"] = "/env/store", ["XDG_DATA_HOME"] = "/xdg", ["HOME"] = "/home/u", ["LOCALAPPDATA"] = @"C:\Users\u\AppData\Local" };
        string? Get(string name) => env.GetValueOrDefault(name);
        var explicitPath = Path.Combine(Path.GetTempPath(), "explicit");
        Assert.Equal(new ResolvedStoreLocation(explicitPath, "Parameter"), StoreLocation.ResolveWithSource(explicitPath, Get));
        Assert.Equal(new ResolvedStoreLocation(Path.GetFullPath("/env/store"), "Environment"), StoreLocation.ResolveWithSource(null, Get));
        env["ENCRYPTIONTOOLS_STORE"] = "";
        var resolved = StoreLocation.ResolveWithSource(" ", Get);
        Assert.Equal("Default", resolved.Source);
        if (OperatingSystem.IsWindows())
        {
            Assert.Equal(@"C:\Users\u\AppData\Local\EncryptionTools", resolved.Path);
        }
        else
        {
            Assert.Equal("/xdg/EncryptionTools", resolved.Path);
            env["XDG_DATA_HOME"] = "relative/ignored";
            Assert.Equal("/home/u/.local/share/EncryptionTools", StoreLocation.ResolveWithSource(null, Get).Path);
            env["XDG_DATA_HOME"] = null;
            Assert.Equal("/home/u/.local/share/EncryptionTools", StoreLocation.ResolveWithSource(null, Get).Path);
        }
        Assert.Equal(StoreLocation.Normalize(explicitPath), StoreLocation.Normalize(explicitPath + Path.DirectorySeparatorChar));
    }

    [Fact]
    public void Reads_of_unchanged_data_are_served_from_the_cache_and_a_change_by_anyone_is_seen()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest());
        var reader = t.Open();
        reader.GetKeys();
        var afterFirst = reader.DataDecryptions;
        for (var i = 0; i < 5; i++) reader.GetKeys();
        Assert.Equal(afterFirst, reader.DataDecryptions); // the file's identity (its per-write salt and nonce) did not change
        t.Store.NewKey(new NewKeyRequest());
        Assert.Equal(2, reader.GetKeys().Count);
        Assert.Equal(afterFirst + 1, reader.DataDecryptions);
    }

    [Fact]
    public void A_failing_event_sink_never_undoes_or_hides_a_committed_change()
    {
        using var dir = new TempDir();
        var store = new LocalKeyStore(Path.Combine(dir.Path, "s"), new LocalKeyStoreOptions { EventSink = new ThrowingSink() });
        var key = store.NewKey(new NewKeyRequest());
        Assert.Equal(key.KeyId, store.GetKey(key.KeyId).KeyId);
    }

    [Fact]
    public void The_default_policy_names_the_creator_and_owner_as_policy_principals()
    {
        using var t = new TestStore();
        var policy = System.Text.Json.Nodes.JsonNode.Parse(t.Store.NewKey(new NewKeyRequest()).Policy)!;
        Assert.Equal("2012-10-17", (string?)policy["Version"]);
        var statement = policy["Statement"]![0]!;
        Assert.Equal("Allow", (string?)statement["Effect"]);
        Assert.Equal("kms:*", (string?)statement["Action"]);
        Assert.Equal("user:" + KeyPolicies.CurrentUser(), (string?)statement["Principal"]!["EncTools"]);
    }

    private sealed class ThrowingSink : IStoreEventSink
    {
        public void OnEvent(StoreEvent storeEvent) => throw new InvalidOperationException("sink down");
    }
}
