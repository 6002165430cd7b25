using System.Security.Cryptography;

namespace EncryptionTools.Tests.Cli;

/// <summary>
/// <c>enctools key export|import</c> and <c>enctools store backup|restore</c> across processes: the target is opened
/// by a new process with another HOME and a fresh store path, as on another machine.
/// </summary>
public class CliKeyTransferTests
{
    /// <summary>A store with alias/app rotated twice and a file encrypted under each version (f1..f3.enc).</summary>
    private static (Dictionary<string, string> Env, List<(string Enc, byte[] Plain)> Files) RotatedTwice(TempDir dir)
    {
        var env = CliProcess.WithNewStore(dir.File("source"));
        Assert.Equal(0, CliProcess.Run(env, "key", "create", "--alias", "alias/app", "--exportable").Code);
        var files = new List<(string, byte[])>();
        for (var v = 1; v <= 3; v++)
        {
            if (v > 1) Assert.Equal(0, CliProcess.Run(env, "key", "rotate", "alias/app").Code);
            var plain = RandomNumberGenerator.GetBytes(2000 + v);
            var path = dir.Write($"f{v}", plain);
            var enc = CliProcess.Run(env, "encrypt", path, "--key", "alias/app");
            Assert.True(enc.Code == 0, enc.Err);
            File.Delete(path);
            files.Add((path + ".enc", plain));
        }
        return (env, files);
    }

    /// <summary>Another "machine": a HOME of its own and a store path that does not exist yet.</summary>
    private static Dictionary<string, string> Elsewhere(TempDir dir, string name)
    {
        var home = Directory.CreateDirectory(dir.File(name + "-home")).FullName;
        return new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["XDG_DATA_HOME"] = Path.Combine(home, ".local", "share"),
            ["ENCRYPTIONTOOLS_STORE"] = dir.File(name + "-store"),
        };
    }

    private static void AssertDecryptsAll(Dictionary<string, string> env, TempDir dir, List<(string Enc, byte[] Plain)> files, string outName)
    {
        var output = Directory.CreateDirectory(dir.File(outName)).FullName;
        var dec = CliProcess.Run(env, ["decrypt", .. files.Select(f => f.Enc), "-o", output]);
        Assert.True(dec.Code == 0, dec.Err);
        foreach (var (enc, plain) in files)
            Assert.Equal(plain, File.ReadAllBytes(Path.Combine(output, Path.GetFileNameWithoutExtension(enc))));
    }

    [Fact]
    public void A_backup_restores_in_a_new_process_with_another_HOME_and_decrypts_files_of_every_version()
    {
        using var dir = new TempDir();
        var (env, files) = RotatedTwice(dir);
        var backupEnv = new Dictionary<string, string>(env) { ["ENCRYPTIONTOOLS_BACKUP_PASSWORD"] = "backup-pass-1" };
        var backup = CliProcess.Run(backupEnv, "store", "backup", dir.File("keys.etb"));
        Assert.True(backup.Code == 0, backup.Err);
        Assert.Contains("1 key(s)", backup.Out, StringComparison.Ordinal);

        var there = Elsewhere(dir, "dr");
        there["ENCRYPTIONTOOLS_BACKUP_PASSWORD"] = "backup-pass-1";
        var restore = CliProcess.Run(there, "--json", "store", "restore", dir.File("keys.etb"));
        Assert.True(restore.Code == 0, restore.Err);
        Assert.Contains("\"KeyCount\": 1", restore.Out, StringComparison.Ordinal);
        AssertDecryptsAll(there, dir, files, "out");

        // Restoring again over the store now there is refused; a wrong password restores nothing.
        var again = CliProcess.Run(there, "store", "restore", dir.File("keys.etb"));
        Assert.NotEqual(0, again.Code);
        Assert.Contains("enctools: EncKeyStoreExists:", again.Err, StringComparison.Ordinal);
        var wrong = Elsewhere(dir, "wrong");
        wrong["ENCRYPTIONTOOLS_BACKUP_PASSWORD"] = "not-the-pass-1";
        var refused = CliProcess.Run(wrong, "store", "restore", dir.File("keys.etb"));
        Assert.Equal(4, refused.Code);
        Assert.Contains("enctools: EncKeyStoreBackupInvalid:", refused.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(wrong["ENCRYPTIONTOOLS_STORE"], "store.json")));
    }

    [Fact]
    public void A_key_exported_whole_imports_in_a_new_process_with_another_HOME_and_decrypts_files_of_every_version()
    {
        using var dir = new TempDir();
        var (env, files) = RotatedTwice(dir);
        var export = CliProcess.Run(env, "key", "export", "alias/app", "-o", dir.File("app.key.json"));
        Assert.True(export.Code == 0, export.Err);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("app.key.json")));

        var there = Elsewhere(dir, "other");
        var import = CliProcess.Run(there, "key", "import", dir.File("app.key.json"));
        Assert.True(import.Code == 0, import.Err);
        Assert.Contains("v3", import.Out, StringComparison.Ordinal);
        AssertDecryptsAll(there, dir, files, "out");
        var twice = CliProcess.Run(there, "key", "import", dir.File("app.key.json"));
        Assert.NotEqual(0, twice.Code);
        Assert.Contains("enctools: EncKeyExists:", twice.Err, StringComparison.Ordinal);
    }
}
