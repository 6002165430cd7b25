using System.Text.Json;

namespace EncryptionTools.Tests.Cli;

/// <summary>enctools creates a store only on purpose (store init, key create); a mistyped --store or
/// ENCRYPTIONTOOLS_STORE fails with EncKeyStoreNotFound (exit 3) and creates nothing. Real processes.</summary>
public class CliStoreCreationTests
{
    /// <summary>A process environment with its own HOME and no ENCRYPTIONTOOLS_STORE/XDG_DATA_HOME of the test runner.</summary>
    private static Dictionary<string, string> Env(TempDir dir, string? store = null)
    {
        var env = new Dictionary<string, string>
        {
            ["HOME"] = dir.File("home"),
            ["XDG_DATA_HOME"] = "",
            ["ENCRYPTIONTOOLS_STORE"] = store ?? "",
        };
        return env;
    }

    private static List<string> Tree(string root) => Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Order().ToList();

    [Theory]
    [InlineData("encrypt", "{plain}")]
    [InlineData("encrypt", "{plain}", "--in-place")]
    [InlineData("decrypt", "{enc}", "-o", "{out}")]
    [InlineData("info", "{enc}")]
    [InlineData("rewrap", "{enc}")]
    [InlineData("key", "list")]
    [InlineData("key", "show", "alias/x")]
    [InlineData("alias", "list")]
    [InlineData("alias", "create", "alias/x", "alias/y")]
    public void A_use_only_command_at_a_mistyped_store_exits_3_with_EncKeyStoreNotFound_and_creates_nothing(params string[] command)
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("home"));
        var good = dir.File("good");
        Assert.Equal(0, CliProcess.Run(Env(dir), "store", "init", good).Code);
        var other = dir.Write("b.txt", "other"u8.ToArray());
        Assert.Equal(0, CliProcess.Run(Env(dir), "encrypt", other, "--store", good).Code);
        var plain = dir.Write("a.txt", "pay roll"u8.ToArray());
        var enc = other + ".enc";
        var encrypted = File.ReadAllBytes(enc);
        var args = command.Select(a => a.Replace("{plain}", plain).Replace("{enc}", enc).Replace("{out}", dir.File("out.txt"))).ToList();
        var typo = dir.File("typo");

        foreach (var (env, extra) in new[] { (Env(dir), new[] { "--store", typo }), (Env(dir, typo), Array.Empty<string>()) })
        {
            var before = Tree(dir.Path);
            var r = CliProcess.Run(env, [.. args, .. extra]);
            Assert.True(r.Code == 3, $"exit {r.Code}: {r.Err}");
            Assert.Contains("enctools: EncKeyStoreNotFound: ", r.Err, StringComparison.Ordinal);
            Assert.Contains(typo, r.Err, StringComparison.Ordinal);
            Assert.Contains("enctools store init", r.Err, StringComparison.Ordinal);
            Assert.False(Directory.Exists(typo), "a store was created at the mistyped location");
            Assert.Equal(before, Tree(dir.Path));
            Assert.Equal("pay roll", File.ReadAllText(plain));
            Assert.Equal(encrypted, File.ReadAllBytes(enc));
        }
    }

    [Fact]
    public void Store_init_creates_a_store_that_encrypt_then_uses_and_refuses_to_init_twice()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("home"));
        var store = dir.File("s");
        var init = CliProcess.Run(Env(dir), "store", "init", "--store", store, "--json");
        Assert.True(init.Code == 0, init.Err);
        Assert.Equal("", init.Err); // created on purpose: no warning
        using (var json = JsonDocument.Parse(init.Out))
        {
            Assert.True(json.RootElement.GetProperty("Exists").GetBoolean());
            Assert.Equal(0, json.RootElement.GetProperty("KeyCount").GetInt32());
            Assert.Equal("File", json.RootElement.GetProperty("Protection").GetString());
        }
        var plain = dir.Write("a.txt", "x"u8.ToArray());
        var enc = CliProcess.Run(Env(dir, store), "encrypt", plain);
        Assert.True(enc.Code == 0, enc.Err);
        Assert.Equal("", enc.Err);
        var before = File.ReadAllBytes(Path.Combine(store, "keys.dat"));
        var again = CliProcess.Run(Env(dir), "store", "init", store);
        Assert.Equal(1, again.Code);
        Assert.Contains("enctools: EncKeyStoreExists: ", again.Err, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(store, "keys.dat")));
        Assert.Contains("exists       yes", CliProcess.Run(Env(dir), "store", "info", store).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Store_init_with_a_password_from_stdin_or_the_environment_makes_a_password_store()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("home"));
        var store = dir.File("s");
        var env = Env(dir);
        env["ENCRYPTIONTOOLS_STORE_PASSWORD"] = "correct horse battery staple";
        var init = CliProcess.Run(env, "store", "init", store, "--protection", "Password", "--json");
        Assert.True(init.Code == 0, init.Err);
        using (var json = JsonDocument.Parse(init.Out)) Assert.Equal("Password", json.RootElement.GetProperty("Protection").GetString());
        Assert.False(File.Exists(Path.Combine(store, "root.key")));
        var key = CliProcess.Run(env, "key", "create", "--store", store);
        Assert.True(key.Code == 0, key.Err);
        env.Remove("ENCRYPTIONTOOLS_STORE_PASSWORD");
        Assert.Equal(5, CliProcess.Run(env, "key", "list", "--store", store).Code); // locked without the password
    }

    [Fact]
    public void Key_create_still_creates_a_store_where_it_is_told()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("home"));
        var store = dir.File("s");
        var r = CliProcess.Run(Env(dir), "key", "create", "--store", store);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("", r.Err);
        Assert.True(File.Exists(Path.Combine(store, "store.json")));
    }

    [Fact]
    public void Only_the_per_user_default_store_is_created_by_encrypt_and_then_with_a_warning()
    {
        using var dir = new TempDir();
        var home = dir.File("home");
        Directory.CreateDirectory(home);
        var expected = Path.Combine(home, ".local", "share", "EncryptionTools");
        var plain = dir.Write("a.txt", "x"u8.ToArray());
        var first = CliProcess.Run(Env(dir), "encrypt", plain);
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("enctools: warning: Created a new key store at '" + expected + "'", first.Err, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(expected, "store.json")));
        var second = CliProcess.Run(Env(dir), "encrypt", plain, "--force");
        Assert.True(second.Code == 0, second.Err);
        Assert.DoesNotContain("warning: Created", second.Err, StringComparison.Ordinal);
        var dec = CliProcess.Run(Env(dir), "decrypt", plain + ".enc", "-o", dir.File("back.txt"));
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal("x", File.ReadAllText(dir.File("back.txt")));
    }
}
