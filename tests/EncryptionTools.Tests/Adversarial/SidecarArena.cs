using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using EncryptionTools.Tests.Cli;

namespace EncryptionTools.Tests.Adversarial;

/// <summary>
/// A test that plays another local user against root: it needs root on Linux (to become <c>nobody</c> with setpriv and
/// to make device nodes). Elsewhere it is skipped, and the reason is printed.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Needs Linux: the attacker is the 'nobody' user, made with setpriv.";
        else if (SidecarArena.geteuid() != 0) Skip = "Needs root: the attacker runs as 'nobody' (setpriv) and device nodes are made with mknod. Run as root, as CI does.";
    }
}

/// <summary>
/// The scene of a local attack: a sticky world-writable directory (like /tmp) where the victim (root) keeps files and
/// the attacker (nobody) may create entries, a root-only 0700 directory holding a canary the attacker aims at, and
/// root's key store. Everything lives under one directory that is removed afterwards.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class SidecarArena : IDisposable
{
    [DllImport("libc")]
    internal static extern uint geteuid();

    public SidecarArena()
    {
        Root = Path.Combine(Path.GetTempPath(), "et-sidecar-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        File.SetUnixFileMode(Root, (UnixFileMode)0x1ED); // 0755: nobody can reach the shared directory
        Shared = Path.Combine(Root, "shared");
        Directory.CreateDirectory(Shared);
        File.SetUnixFileMode(Shared, (UnixFileMode)0x3FF); // 1777, sticky, as /tmp
        Secret = Path.Combine(Root, "secret");
        Directory.CreateDirectory(Secret);
        File.SetUnixFileMode(Secret, (UnixFileMode)0x1C0); // 0700
        File.WriteAllText(Path.Combine(Secret, "canary"), "root's own data\n");
        Store = Path.Combine(Root, "store");
        _secretBefore = Fingerprint(Secret);
    }

    private readonly string _secretBefore;

    public string Root { get; }
    public string Shared { get; }
    public string Secret { get; }
    public string Store { get; }

    public string SharedFile(string name) => Path.Combine(Shared, name);

    /// <summary>Names and contents (hashed) of every entry under a directory, links by their target.</summary>
    public static string Fingerprint(string directory) => string.Join("\n",
        new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .OrderBy(e => e.FullName, StringComparer.Ordinal)
            .Select(e => e.LinkTarget is { } link ? $"{e.FullName} -> {link}"
                : e is FileInfo f ? $"{e.FullName} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f.FullName)))} {f.UnixFileMode}"
                : e.FullName));

    /// <summary>The root-only directory is exactly as it was: nothing created, changed or removed there.</summary>
    public void AssertSecretUntouched() => Assert.Equal(_secretBefore, Fingerprint(Secret));

    /// <summary>Entry names of the shared directory, hidden ones included.</summary>
    public string[] SharedListing() => Directory.EnumerateFileSystemEntries(Shared).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Runs a command as the unprivileged attacker.</summary>
    public static void AsNobody(params string[] command)
    {
        var (code, _, err) = Exec(TimeSpan.FromSeconds(30), "setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", .. command]);
        Assert.True(code == 0, $"the attacker's command failed ({code}): {string.Join(' ', command)}: {err}");
    }

    /// <summary>Puts <paramref name="bytes"/> at <paramref name="path"/> as a file the attacker owns.</summary>
    public void PlantAsNobody(string path, byte[] bytes)
    {
        var staging = Path.Combine(Root, "staging-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllBytes(staging, bytes);
        File.SetUnixFileMode(staging, (UnixFileMode)0x1A4); // 0644
        try { AsNobody("cp", staging, path); }
        finally { File.Delete(staging); }
    }

    /// <summary>enctools on this arena's store.</summary>
    public (int Code, string Out, string Err) Cli(params string[] args) => CliProcess.Run([.. args, "--store", Store]);

    /// <summary>enctools with a deadline: a run that hangs (e.g. reading a FIFO) is killed and reported as such.</summary>
    public (int Code, string Out, string Err) CliWithin(TimeSpan deadline, params string[] args)
    {
        var native = CliProcess.Native;
        string[] all = native is null ? [CliProcess.Dll, .. args, "--store", Store] : [.. args, "--store", Store];
        return Exec(deadline, native ?? "dotnet", all);
    }

    public static (int Code, string Out, string Err) Exec(TimeSpan deadline, string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(deadline))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"'{file} {string.Join(' ', args)}' did not finish in {deadline.TotalSeconds} s (it hung and was killed)");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
