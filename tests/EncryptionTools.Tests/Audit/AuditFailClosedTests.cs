using System.Diagnostics;
using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Audit;

/// <summary>
/// Real faults in the audit log's writes: a read-only audit directory (a read-only bind mount, which stops root too) and
/// a full audit volume (a tiny tmpfs mounted on the store's audit directory). A key use or a store change whose record
/// cannot be made durable is refused with AuditLogWriteFailed and leaves no output. Mounting needs root, as the
/// full-disk tests do: without it these tests fail with the remedy.
/// </summary>
public sealed class AuditFailClosedTests
{
    private static ProtectRequest Encrypt(string? destination = null) => new()
    {
        Keyrings = [], Destination = destination, EncryptionContext = EncryptionTools.Engine.Format.EncryptionContext.Empty,
    };

    private static UnprotectRequest Decrypt(string destination) => new() { Keyrings = [], Destination = destination };

    private static string[] Leftovers(string directory) =>
        Directory.GetFiles(directory).Where(f => f.EndsWith(".etpart", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith('.')).ToArray();

    [Fact]
    public void A_read_only_audit_log_refuses_encrypt_decrypt_and_key_creation_and_leaves_no_output()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/pay" });
        var other = t.Store.NewKey(new NewKeyRequest());
        var work = Path.Combine(t.Dir.Path, "work");
        Directory.CreateDirectory(work);
        var before = Path.Combine(work, "before.txt");
        File.WriteAllBytes(before, RandomNumberGenerator.GetBytes(3000));
        using (var ops = new FileOperations(t.Store))
            Assert.True(ops.Protect([before], new FileKeys { KeyIds = ["alias/pay"] }, Encrypt()).Single().Succeeded);
        var plain = Path.Combine(work, "pay.csv");
        File.WriteAllText(plain, "name,salary\nalice,1\n");
        var keysBefore = t.Store.GetKeys().Count;

        using (new ReadOnlyBind(Path.Combine(t.Location, LocalKeyStore.AuditDirectoryName)))
        {
            using (var ops = new FileOperations(t.Store))
            {
                var enc = ops.Protect([plain], new FileKeys { KeyIds = ["alias/pay"] }, Encrypt()).Single();
                Assert.False(enc.Succeeded, "encrypt succeeded with an audit log it could not write");
                Assert.Equal("AuditLogWriteFailed", enc.Error!.ErrorId);
                Assert.Equal(plain + ".enc", enc.Error.Target);
                Assert.False(File.Exists(plain + ".enc"));

                var output = Path.Combine(work, "before.out");
                var dec = ops.Unprotect([before + ".enc"], null, Decrypt(output)).Single();
                Assert.False(dec.Succeeded, "decrypt succeeded with an audit log it could not write");
                Assert.Equal("AuditLogWriteFailed", dec.Error!.ErrorId);
                Assert.False(File.Exists(output));

                var sealedBytes = File.ReadAllBytes(before + ".enc");
                var rewrap = ops.RewrapOne(before + ".enc", new RewrapSettings { AddKeyIds = [other.KeyId] });
                Assert.Equal("AuditLogWriteFailed", rewrap.Error?.ErrorId);
                Assert.Equal(sealedBytes, File.ReadAllBytes(before + ".enc"));
            }
            StoreAssert.Throws<AuditLogWriteException>("AuditLogWriteFailed", () => t.Store.NewKey(new NewKeyRequest { Description = "unrecorded" }));
            StoreAssert.Throws<AuditLogWriteException>("AuditLogWriteFailed", () => t.Store.NewAlias("alias/unrecorded", key.KeyId));
        }
        Assert.Empty(Leftovers(work));
        t.Reopen();
        Assert.Equal(keysBefore, t.Store.GetKeys().Count);
        Assert.DoesNotContain(t.Store.GetAliases(), a => a.AliasName == "alias/unrecorded");
        var verification = t.Store.VerifyAuditLog();
        Assert.True(verification.IsValid, verification.ToString());
        Assert.DoesNotContain(t.Store.QueryAudit(), e => e.FilePath == plain + ".enc" && e.Result == AuditResult.Succeeded);
    }

    [Fact]
    public void The_CLI_refuses_with_AuditLogWriteFailed_and_exit_code_8_and_writes_nothing()
    {
        using var dir = new TempDir();
        var store = Path.Combine(dir.Path, "store");
        Assert.Equal(0, Cli.CliProcess.Run("key", "create", "--alias", "alias/pay", "--store", store).Code);
        var sealedFile = dir.Write("sealed.txt", RandomNumberGenerator.GetBytes(1000));
        Assert.Equal(0, Cli.CliProcess.Run("encrypt", sealedFile, "--key", "alias/pay", "--store", store).Code);
        var plain = dir.Write("pay.csv", "name,salary\n"u8.ToArray());

        using (new ReadOnlyBind(Path.Combine(store, LocalKeyStore.AuditDirectoryName)))
        {
            var enc = Cli.CliProcess.Run("encrypt", plain, "--key", "alias/pay", "--store", store);
            Assert.True(enc.Code == 8, $"exit {enc.Code}: {enc.Err}");
            Assert.Contains("AuditLogWriteFailed", enc.Err, StringComparison.Ordinal);
            Assert.False(File.Exists(plain + ".enc"));

            var output = dir.File("sealed.out");
            var dec = Cli.CliProcess.Run("decrypt", sealedFile + ".enc", "-o", output, "--store", store);
            Assert.True(dec.Code == 8, $"exit {dec.Code}: {dec.Err}");
            Assert.Contains("AuditLogWriteFailed", dec.Err, StringComparison.Ordinal);
            Assert.False(File.Exists(output));

            var key = Cli.CliProcess.Run("key", "create", "--alias", "alias/unrecorded", "--store", store);
            Assert.True(key.Code == 8, $"exit {key.Code}: {key.Err}");
            Assert.Contains("AuditLogWriteFailed", key.Err, StringComparison.Ordinal);
        }
        Assert.Empty(Leftovers(dir.Path));
        Assert.DoesNotContain("alias/unrecorded", Cli.CliProcess.Run("key", "list", "--store", store).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_audit_volume_full_every_operation_either_has_its_record_and_output_or_neither()
    {
        using var t = new TestStore();
        var audit = Path.Combine(t.Location, LocalKeyStore.AuditDirectoryName);
        Directory.CreateDirectory(t.Location);
        Directory.CreateDirectory(audit);
        using var volume = new TmpfsAt(audit, "64k");
        t.Store.NewKey(new NewKeyRequest { Alias = "alias/pay" });
        var work = Path.Combine(t.Dir.Path, "work");
        Directory.CreateDirectory(work);
        var sealedFile = Path.Combine(work, "sealed.txt");
        File.WriteAllBytes(sealedFile, RandomNumberGenerator.GetBytes(2000));
        using (var ops = new FileOperations(t.Store))
            Assert.True(ops.Protect([sealedFile], new FileKeys { KeyIds = ["alias/pay"] }, Encrypt()).Single().Succeeded);
        var filler = Path.Combine(audit, "filler.bin");
        Fill(filler);

        // Encrypt one file at a time until the log's last page is full: that file is refused, and none is left behind.
        var encrypted = new List<string>();
        EncryptionToolsException? refused = null;
        for (var i = 0; i < 40 && refused is null; i++)
        {
            var plain = Path.Combine(work, $"f{i}.txt");
            File.WriteAllText(plain, "row " + i);
            using var ops = new FileOperations(t.Store);
            var outcome = ops.Protect([plain], new FileKeys { KeyIds = ["alias/pay"] }, Encrypt()).Single();
            if (outcome.Succeeded) encrypted.Add(plain + ".enc");
            else
            {
                refused = outcome.Error;
                Assert.False(File.Exists(plain + ".enc"));
            }
        }
        Assert.True(refused is not null, "40 files were encrypted with the audit volume full: the log fails open");
        Assert.Equal("AuditLogWriteFailed", refused!.ErrorId);

        using (var ops = new FileOperations(t.Store))
        {
            var output = Path.Combine(work, "sealed.out");
            var dec = ops.Unprotect([sealedFile + ".enc"], null, Decrypt(output)).Single();
            Assert.Equal("AuditLogWriteFailed", dec.Error?.ErrorId);
            Assert.False(File.Exists(output));
        }
        StoreAssert.Throws<AuditLogWriteException>("AuditLogWriteFailed", () => t.Store.NewKey(new NewKeyRequest { Description = "unrecorded" }));
        Assert.Empty(Leftovers(work));

        File.Delete(filler);
        t.Reopen();
        var verification = t.Store.VerifyAuditLog();
        Assert.True(verification.IsValid, verification.ToString());
        var events = t.Store.QueryAudit();
        foreach (var file in encrypted)
            Assert.Contains(events, e => e.FilePath == file && e.Result == AuditResult.Succeeded);
        Assert.Single(t.Store.GetKeys());
        Assert.DoesNotContain(events, e => e.Action == EncryptionTools.Engine.Access.KmsActions.CreateKey && e.Result == AuditResult.Succeeded
            && e.KeyId != t.Store.GetKeys()[0].KeyId);
    }

    [Fact]
    public void An_append_whose_head_cannot_be_written_is_rolled_back_and_never_adopted()
    {
        using var dir = new TempDir();
        var logDir = Path.Combine(dir.Path, "audit");
        Directory.CreateDirectory(logDir);
        using var volume = new TmpfsAt(logDir, "64k");
        var log = new AuditLog(logDir, RandomNumberGenerator.GetBytes(32));
        AuditEntry Entry(int i) => new() { Action = "kms:Decrypt", Result = AuditResult.Succeeded, Principal = "user:alice", FilePath = $"/srv/f{i}" };
        var file = Path.Combine(logDir, AuditLog.FileName(1));
        // Room for one more record in the log's last page, and not a page more on the volume: the record is written, the head is not.
        var n = 0;
        do log.Append(Entry(++n));
        while (new FileInfo(file).Length % 4096 is 0 or > 3000);
        var length = new FileInfo(file).Length;
        var filler = Path.Combine(logDir, "filler.bin");
        Fill(filler);

        var ex = Assert.Throws<AuditLogWriteException>(() => log.Append(Entry(1000)));
        Assert.Equal("AuditLogWriteFailed", ex.ErrorId);
        Assert.Equal(length, new FileInfo(file).Length);

        File.Delete(filler);
        log.Append(Entry(n + 1));
        Assert.DoesNotContain(log.Query(), e => e.FilePath == "/srv/f1000");
        Assert.True(log.Verify().IsValid);
    }

    private static void Fill(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        // Owner-only, as everything in a store must be: the store refuses to open with a group- or world-readable file.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var block = new byte[4096];
        try
        {
            while (true) stream.Write(block);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A mount on a directory, undone on dispose.</summary>
    private class Mounted : IDisposable
    {
        protected Mounted(string target) => Target = target;

        public string Target { get; }

        protected static void Mount(params string[] args)
        {
            var (code, output) = Run("mount", args);
            if (code != 0)
                Assert.Fail($"mount {string.Join(' ', args)} exited {code}: {output.Trim()}. These tests need root or CAP_SYS_ADMIN; run the suite as root (as the project's machines and CI do).");
        }

        public void Dispose() => Run("umount", Target);

        private static (int, string) Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
    }

    /// <summary>The directory made read-only in place (a read-only bind mount: root cannot write it either).</summary>
    private sealed class ReadOnlyBind : Mounted
    {
        public ReadOnlyBind(string directory) : base(directory)
        {
            Mount("--bind", directory, directory);
            Mount("-o", "remount,bind,ro", directory);
        }
    }

    /// <summary>A tiny owner-only tmpfs mounted on the directory: a volume of its own that can be filled.</summary>
    private sealed class TmpfsAt : Mounted
    {
        public TmpfsAt(string directory, string size) : base(directory) => Mount("-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", directory);
    }
}
