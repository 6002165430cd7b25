using System.Diagnostics;
using EncryptionTools.Engine.Files;

namespace EncryptionTools.Tests.Files;

/// <summary>
/// A real full volume: a 1 MiB tmpfs mounted for the test. Mounting needs root (or CAP_SYS_ADMIN), which this
/// project's machines and CI have. Where it is refused the tests FAIL with the reason and the remedy; they never skip.
/// </summary>
internal sealed class SmallTmpfs : IDisposable
{
    public SmallTmpfs(string size = "1m")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "et-tmpfs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
        if (OperatingSystem.IsWindows())
            Assert.Fail("The full-disk tests mount a small tmpfs, which needs Linux; run them on the project's Linux machines or CI.");
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0777", "tmpfs", Path);
        if (code != 0)
        {
            Directory.Delete(Path);
            Assert.Fail($"Cannot mount a {size} tmpfs at {Path} for the full-disk tests (mount exited {code}: {output.Trim()}). " +
                "These tests need root or CAP_SYS_ADMIN; run the suite as root (as the project's machines and CI do).");
        }
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        Run("umount", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }

    private static (int, string) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, err);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}

public sealed class DiskFullTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _key = new("key-a");

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Encrypting_onto_a_full_volume_fails_typed_and_leaves_nothing()
    {
        using var full = new SmallTmpfs();
        var src = FilesSupport.WriteRandom(_dir.File("big"), 3 * 1024 * 1024);

        var outcome = Assert.Single(FileProtector.Protect([src], new ProtectRequest { Keyrings = [_key.Keyring], Destination = full.File("big.enc") }));

        var error = Assert.IsType<OutputDiskFullException>(outcome.Error);
        Assert.Equal("OutputDiskFull", error.ErrorId);
        Assert.Empty(FilesSupport.Listing(full.Path));
        Assert.Equal(3 * 1024 * 1024, new FileInfo(src).Length);
    }

    [Fact]
    public void In_place_encryption_on_a_full_volume_keeps_the_original()
    {
        using var full = new SmallTmpfs();
        var src = FilesSupport.WriteRandom(full.File("doc"), 700 * 1024); // the ciphertext beside it cannot fit
        var hash = FilesSupport.Sha256(src);

        var outcome = Assert.Single(FileProtector.Protect([src], new ProtectRequest { Keyrings = [_key.Keyring], InPlace = true }));

        Assert.IsType<OutputDiskFullException>(outcome.Error);
        Assert.Equal(["doc"], FilesSupport.Listing(full.Path));
        Assert.Equal(hash, FilesSupport.Sha256(src));
    }

    [Fact]
    public void Decrypting_onto_a_full_volume_fails_typed_and_leaves_nothing()
    {
        using var full = new SmallTmpfs();
        var src = FilesSupport.WriteRandom(_dir.File("big"), 2 * 1024 * 1024);
        FilesSupport.EncryptFile(src, _dir.File("big.enc"), [_key.Keyring]);

        var outcome = Assert.Single(FileProtector.Unprotect([_dir.File("big.enc")], new UnprotectRequest { Keyrings = [_key.Keyring], Destination = full.Path }));

        Assert.IsType<OutputDiskFullException>(outcome.Error);
        Assert.Empty(FilesSupport.Listing(full.Path));
    }

    [Fact]
    public void A_full_rewrite_rewrap_on_a_full_volume_keeps_the_original()
    {
        using var full = new SmallTmpfs();
        using var other = new TestKey("key-b");
        var src = FilesSupport.WriteRandom(_dir.File("p"), 600 * 1024);
        var cipher = FilesSupport.EncryptFile(src, full.File("c.enc"), [_key.Keyring], reserve: 0);
        var hash = FilesSupport.Sha256(cipher);

        var error = Assert.Throws<OutputDiskFullException>(() => HeaderRewrap.Rewrap(cipher,
            new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_key.Keyring], AddKeyrings = [other.Keyring] }));

        Assert.Equal(cipher, error.Target);
        Assert.Equal(hash, FilesSupport.Sha256(cipher));
        Assert.Equal(["c.enc"], FilesSupport.Listing(full.Path));
    }
}
