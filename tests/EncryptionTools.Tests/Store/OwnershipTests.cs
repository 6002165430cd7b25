using System.Diagnostics;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

/// <summary>
/// A store (and its audit directory) that is not the caller's, or that others may read, is refused before anything is
/// read or written. The ownership cases need root (chown); as another user they return early, as the Windows cases do.
/// </summary>
public class OwnershipTests
{
    private const UnixFileMode Owner700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Owner600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    [System.Runtime.Versioning.SupportedOSPlatformGuard("macos")]
    private static bool IsRoot => (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && StorePermissions.EffectiveUid() == 0;

    /// <summary>Every entry under the store: path, content, mode and owner.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static List<string> Snapshot(string root) => Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories)
        .Append(root).Order(StringComparer.Ordinal)
        .Select(p => $"{p} {(File.Exists(p) ? Convert.ToHexString(File.ReadAllBytes(p)) : "dir")} {File.GetUnixFileMode(p)} {StorePermissions.OwnerOf(p)}")
        .ToList();

    private static void Chown(string owner, string path)
    {
        using var chown = Process.Start("chown", ["-R", owner, path])!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }

    private static (TestStore Store, string KeyId) StoreWithAKey()
    {
        var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest { Alias = "k" }).KeyId;
        Assert.True(Directory.Exists(Path.Combine(t.Location, LocalKeyStore.AuditDirectoryName)));
        return (t, id);
    }

    private static void EveryUseIsRefused(TestStore t, string keyId, string errorId)
    {
        var store = t.Open();
        StoreAssert.Fails(errorId, () => store.GetKeys());
        StoreAssert.Fails(errorId, () => store.GetKey(keyId));
        StoreAssert.Fails(errorId, () => store.GetStoreInfo());
        StoreAssert.Fails(errorId, () => store.NewKey(new NewKeyRequest()));
        StoreAssert.Fails(errorId, () => store.RotateKey(keyId));
        StoreAssert.Fails(errorId, () => store.CreateEncryptKeyring([keyId]).Dispose());
        StoreAssert.Fails(errorId, () => store.CreateDecryptKeyring().Dispose());
        StoreAssert.Fails(errorId, () => store.VerifyAuditLog());
        StoreAssert.Fails(errorId, () => store.SetProtection(new ProtectionChange { Protection = StoreProtection.File }));
        StoreAssert.Fails(errorId, () => store.CreateStore(new ProtectionChange()));
    }

    [Theory]
    [InlineData(null, UnixFileMode.GroupRead | UnixFileMode.GroupExecute)]
    [InlineData(null, UnixFileMode.OtherExecute)]
    [InlineData("log", UnixFileMode.GroupRead)]
    public void A_group_or_other_accessible_audit_directory_or_audit_file_is_refused_with_the_chmod_that_fixes_it(string? auditFile, UnixFileMode extra)
    {
        if (OperatingSystem.IsWindows()) return;
        var (t, id) = StoreWithAKey();
        using (t)
        {
            var audit = Path.Combine(t.Location, LocalKeyStore.AuditDirectoryName);
            var target = auditFile is null ? audit : Directory.GetFiles(audit).OrderBy(f => f, StringComparer.Ordinal).First(f => !f.EndsWith(".lock", StringComparison.Ordinal));
            File.SetUnixFileMode(target, (auditFile is null ? Owner700 : Owner600) | extra);
            var before = Snapshot(t.Location);

            var ex = StoreAssert.Fails(StoreErrorIds.StorePermissions, () => t.Open().GetKey(id));
            Assert.Equal(EncryptionTools.Engine.EngineErrorCategory.PermissionDenied, ex.Category);
            Assert.Contains(auditFile is null ? $"chmod 700 '{audit}'" : $"chmod 600 '{target}'", ex.Message, StringComparison.Ordinal);
            EveryUseIsRefused(t, id, StoreErrorIds.StorePermissions);
            Assert.Equal(before, Snapshot(t.Location));

            File.SetUnixFileMode(target, auditFile is null ? Owner700 : Owner600); // what the message says to run
            Assert.Equal(id, t.Open().GetKey(id).KeyId);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("keys.dat")]
    [InlineData("audit")]
    public void As_root_a_store_that_belongs_to_another_user_is_refused_and_left_untouched(string? entry)
    {
        if (!IsRoot) return; // chown needs root; the refusal itself is the same for any caller
        var (t, id) = StoreWithAKey();
        using (t)
        {
            Chown("nobody", entry is null ? t.Location : t.File(entry));
            var before = Snapshot(t.Location);

            var ex = StoreAssert.Fails(StoreErrorIds.StoreNotOwned, () => t.Open().GetKeys());
            Assert.Equal(EncryptionTools.Engine.EngineErrorCategory.PermissionDenied, ex.Category);
            Assert.Equal(t.Location, ex.Target);
            Assert.Contains("nobody", ex.Message, StringComparison.Ordinal);
            Assert.Contains("sudo -u 'nobody'", ex.Message, StringComparison.Ordinal);
            EveryUseIsRefused(t, id, StoreErrorIds.StoreNotOwned);
            Assert.Equal(before, Snapshot(t.Location)); // no root-owned file appeared, nothing changed

            Chown("root", t.Location);
            Assert.Equal(id, t.Open().GetKey(id).KeyId);
        }
    }

    [Fact]
    public void As_root_a_store_is_never_created_in_another_users_empty_directory()
    {
        if (!IsRoot) return;
        using var t = new TestStore();
        Directory.CreateDirectory(t.Location);
        File.SetUnixFileMode(t.Location, Owner700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        Chown("nobody", t.Location);
        StoreAssert.Fails(StoreErrorIds.StoreNotOwned, () => t.Store.CreateStore(new ProtectionChange()));
        StoreAssert.Fails(StoreErrorIds.StoreNotOwned, () => t.Store.NewKey(new NewKeyRequest()));
        Assert.Empty(Directory.GetFileSystemEntries(t.Location));
        Assert.Equal(Owner700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(t.Location)); // its mode untouched too
    }
}
