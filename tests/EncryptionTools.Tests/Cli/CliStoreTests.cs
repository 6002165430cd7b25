using System.Security.Cryptography;
using System.Text.Json;

namespace EncryptionTools.Tests.Cli;

/// <summary>The store-backed subcommands of enctools, as separate processes on a temporary store.</summary>
public class CliStoreTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void KeyAndAliasSubcommandsManageTheStore()
    {
        using var dir = new TempDir();
        var store = dir.File("store");
        var created = CliProcess.Run("key", "create", "--alias", "alias/x", "--description", "demo", "--store", store, "--json");
        Assert.True(created.Code == 0, created.Err);
        var id = Json(created.Out).GetProperty("KeyId").GetString()!;
        Assert.Equal("Enabled", Json(created.Out).GetProperty("KeyState").GetString());

        Assert.Contains(id, CliProcess.Run("key", "list", "--store", store).Out);
        Assert.Equal(id, Json(CliProcess.Run("key", "show", "alias/x", "--store", store, "--json").Out).GetProperty("KeyId").GetString());
        Assert.Equal(2, Json(CliProcess.Run("key", "rotate", id, "--store", store, "--json").Out).GetProperty("CurrentVersion").GetInt32());
        Assert.Equal("Disabled", Json(CliProcess.Run("key", "disable", id, "--store", store, "--json").Out).GetProperty("KeyState").GetString());
        Assert.Equal("Enabled", Json(CliProcess.Run("key", "enable", id, "--store", store, "--json").Out).GetProperty("KeyState").GetString());
        Assert.Equal("PendingDeletion", Json(CliProcess.Run("key", "schedule-deletion", id, "--days", "7", "--store", store, "--json").Out).GetProperty("KeyState").GetString());
        Assert.Equal("Disabled", Json(CliProcess.Run("key", "cancel-deletion", id, "--store", store, "--json").Out).GetProperty("KeyState").GetString());

        var other = Json(CliProcess.Run("key", "create", "--store", store, "--json").Out).GetProperty("KeyId").GetString()!;
        Assert.Equal(0, CliProcess.Run("alias", "create", "alias/y", id, "--store", store).Code);
        Assert.Equal(other, Json(CliProcess.Run("alias", "set", "alias/y", other, "--store", store, "--json").Out).GetProperty("KeyId").GetString());
        Assert.Contains("alias/y -> " + other, CliProcess.Run("alias", "list", "--store", store).Out);
        Assert.Equal(0, CliProcess.Run("alias", "delete", "alias/y", "--store", store).Code);
        Assert.DoesNotContain("alias/y", CliProcess.Run("alias", "list", "--store", store).Out);

        var missing = CliProcess.Run("key", "show", "alias/nope", "--store", store);
        Assert.Equal(3, missing.Code);
        Assert.Contains("EncKeyNotFound", missing.Err);
    }

    [Fact]
    public void EncryptInfoDecryptAndRewrapWithStoreKeys()
    {
        using var dir = new TempDir();
        var store = dir.File("store");
        Assert.Equal(0, CliProcess.Run("key", "create", "--alias", "alias/a", "--store", store).Code);
        Assert.Equal(0, CliProcess.Run("key", "create", "--alias", "alias/b", "--store", store).Code);
        var one = dir.Write("one.txt", RandomNumberGenerator.GetBytes(5000));
        var two = dir.Write("two.txt", RandomNumberGenerator.GetBytes(7000));

        var enc = CliProcess.Run("encrypt", one, two, "--key", "alias/a", "--key", "alias/b", "--context", "dept=hr", "--store", store, "--json");
        Assert.True(enc.Code == 0, enc.Err);
        var results = Json(enc.Out);
        Assert.Equal(2, results.GetArrayLength());
        Assert.Equal(2, results[0].GetProperty("Keys").GetArrayLength());

        var info = Json(CliProcess.Run("info", one + ".enc", "--store", store, "--json").Out)[0];
        var edk = info.GetProperty("EncryptedDataKeys")[0];
        Assert.Equal("InStore", edk.GetProperty("Resolution").GetString());
        Assert.Equal(1, edk.GetProperty("Version").GetInt32());

        // Rewrap: only alias/b remains; alias/a can no longer decrypt (strict), alias/b can.
        var rewrap = CliProcess.Run("rewrap", one + ".enc", "--remove-key", "alias/a", "--store", store, "--json");
        Assert.True(rewrap.Code == 0, rewrap.Err);
        Assert.Equal(1, Json(rewrap.Out)[0].GetProperty("KeysAfter").GetArrayLength());
        var denied = CliProcess.Run("decrypt", one + ".enc", "--key", "alias/a", "-o", dir.File("x"), "--store", store);
        Assert.Equal(5, denied.Code);
        Assert.Contains("NoDecryptableKey", denied.Err);
        Assert.False(File.Exists(dir.File("x")));

        File.Delete(one);
        var dec = CliProcess.Run("decrypt", one + ".enc", "--expect-context", "dept=hr", "--store", store);
        Assert.True(dec.Code == 0, dec.Err);
        Assert.True(File.Exists(one));

        // Already encrypted: a warning, exit 0, nothing written.
        var skip = CliProcess.Run("encrypt", two + ".enc", "--store", store);
        Assert.Equal(0, skip.Code);
        Assert.Contains("already an encrypted message", skip.Err);
        Assert.False(File.Exists(two + ".enc.enc"));

        // Existing destination: 6. Wrong context: 7.
        Assert.Equal(6, CliProcess.Run("encrypt", two, "--store", store).Code);
        Assert.Equal(7, CliProcess.Run("decrypt", two + ".enc", "--expect-context", "dept=it", "-o", dir.File("y"), "--store", store).Code);
        Assert.False(File.Exists(dir.File("y")));
    }

    [Fact]
    public void RotateThenRewrapMovesFilesToTheNewVersionAndTheEnvironmentChoosesTheStore()
    {
        using var dir = new TempDir();
        var store = dir.File("store");
        Assert.Equal(0, CliProcess.Run("key", "create", "--alias", "alias/r", "--store", store).Code);
        var plain = dir.Write("p.txt", RandomNumberGenerator.GetBytes(100));
        Assert.Equal(0, CliProcess.Run("encrypt", plain, "--key", "alias/r", "--store", store).Code);
        Assert.Equal(0, CliProcess.Run("key", "rotate", "alias/r", "--store", store).Code);
        var rewrap = CliProcess.Run("rewrap", plain + ".enc", "--store", store, "--json");
        Assert.True(rewrap.Code == 0, rewrap.Err);
        var info = Json(CliProcess.Run("info", plain + ".enc", "--store", store, "--json").Out)[0];
        Assert.Equal(2, info.GetProperty("EncryptedDataKeys")[0].GetProperty("Version").GetInt32());

        var viaEnv = CliProcess.Run(new Dictionary<string, string> { ["ENCRYPTIONTOOLS_STORE"] = store }, "key", "list", "--json");
        Assert.True(viaEnv.Code == 0, viaEnv.Err);
        Assert.Equal(1, Json(viaEnv.Out).GetArrayLength());
    }

    [Fact]
    public void PemRecipientFromOneStoreDecryptsInTheHoldersStore()
    {
        using var dir = new TempDir();
        var holder = dir.File("holder");
        var sender = dir.File("sender");
        var created = Json(CliProcess.Run("key", "create", "--spec", "RSA_3072", "--alias", "alias/agent", "--store", holder, "--json").Out);
        var pem = dir.File("agent.pem");
        using (var store = new EncryptionTools.Engine.Store.LocalKeyStore(holder, new EncryptionTools.Engine.Store.LocalKeyStoreOptions()))
            File.WriteAllText(pem, store.ExportKey("alias/agent", publicKeyOnly: true).PublicKeyPem);
        Assert.Equal(0, CliProcess.Run("store", "init", "--store", sender).Code); // the sender's own store, without the private key
        var plain = dir.Write("p.txt", RandomNumberGenerator.GetBytes(1000));
        var enc = CliProcess.Run("encrypt", plain, "--recipient", pem, "--store", sender);
        Assert.True(enc.Code == 0, enc.Err);
        Assert.Equal(5, CliProcess.Run("decrypt", plain + ".enc", "-o", dir.File("no"), "--store", sender).Code);
        var dec = CliProcess.Run("decrypt", plain + ".enc", "-o", dir.File("yes"), "--store", holder);
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(dir.File("yes")));
        Assert.Equal(created.GetProperty("KeyId").GetString(),
            Json(CliProcess.Run("info", plain + ".enc", "--store", holder, "--json").Out)[0].GetProperty("EncryptedDataKeys")[0].GetProperty("KeyId").GetString());
    }

    [Fact]
    public void UsageErrorsExitWithTwo()
    {
        Assert.Equal(2, CliProcess.Run("key", "frobnicate").Code);
        Assert.Equal(2, CliProcess.Run("encrypt").Code);
    }
}
