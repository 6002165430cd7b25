using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Owner-only access: directory 0700 and files 0600 on Unix, a protected owner-only ACL on Windows. A store that
/// others can read or write is refused, with the exact command that fixes it.
/// </summary>
internal static class StorePermissions
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates the store directory (parents with default modes) and makes it owner-only.</summary>
    public static void CreateStoreDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            SecureDirectoryWindows(directory);
        }
        else
        {
            var parent = Path.GetDirectoryName(directory);
            if (!string.IsNullOrEmpty(parent)) Directory.CreateDirectory(parent);
            Directory.CreateDirectory(directory, DirectoryMode);
            File.SetUnixFileMode(directory, DirectoryMode); // the umask may have taken bits away; never adds any
        }
    }

    /// <summary>Makes an existing (empty) directory owner-only before a store is created in it; never another user's.</summary>
    public static void SecureExistingDirectory(string directory)
    {
        if (!OperatingSystem.IsWindows()) CheckOwner(directory, null, []);
        if (OperatingSystem.IsWindows()) SecureDirectoryWindows(directory);
        else File.SetUnixFileMode(directory, DirectoryMode);
    }

    /// <summary>
    /// Throws <see cref="StoreErrorIds.StoreNotOwned"/> when the directory, a store file, the audit directory or an
    /// audit file belongs to another user, and <see cref="StoreErrorIds.StorePermissions"/> when one is open to others.
    /// Runs before anything is read or written, so root never leaves root-owned files in another user's store.
    /// </summary>
    public static void Check(string directory)
    {
        var files = new[] { StoreFiles.DescriptorFile, StoreFiles.DataFile, StoreFiles.RootKeyFile, StoreFiles.LockFile }
            .Select(f => Path.Combine(directory, f)).Where(File.Exists).ToList();
        var audit = Path.Combine(directory, LocalKeyStore.AuditDirectoryName);
        var auditDirectory = Directory.Exists(audit) ? audit : null;
        if (auditDirectory is not null)
        {
            try { files.AddRange(Directory.EnumerateFiles(auditDirectory)); }
            catch (DirectoryNotFoundException) { auditDirectory = null; }
        }
        if (OperatingSystem.IsWindows()) CheckWindows(directory, files);
        else CheckUnix(directory, auditDirectory, files);
    }

    [UnsupportedOSPlatform("windows")]
    private static void CheckUnix(string directory, string? auditDirectory, List<string> files)
    {
        CheckOwner(directory, auditDirectory, files);
        var problems = new List<string>();
        var badDirs = new List<string>();
        foreach (var dir in auditDirectory is null ? [directory] : new[] { directory, auditDirectory })
        {
            UnixFileMode dirMode;
            try { dirMode = File.GetUnixFileMode(dir); }
            catch (Exception ex) when (dir != directory && ex is FileNotFoundException or DirectoryNotFoundException) { continue; }
            if ((dirMode & GroupOrOthers) == 0) continue;
            badDirs.Add(dir);
            problems.Add($"'{dir}' has mode {Octal(dirMode)}");
        }
        var badFiles = new List<string>();
        foreach (var file in files)
        {
            UnixFileMode mode;
            try { mode = File.GetUnixFileMode(file); }
            catch (FileNotFoundException) { continue; } // an audit temporary another writer just renamed
            if ((mode & GroupOrOthers) == 0) continue;
            badFiles.Add(file);
            problems.Add($"'{file}' has mode {Octal(mode)}");
        }
        if (problems.Count == 0) return;
        var commands = new List<string>();
        if (badDirs.Count > 0) commands.Add("chmod 700 " + string.Join(' ', badDirs.Select(ShellQuote)));
        if (badFiles.Count > 0) commands.Add("chmod 600 " + string.Join(' ', badFiles.Select(ShellQuote)));
        throw new KeyStoreException(StoreErrorIds.StorePermissions, EngineErrorCategory.PermissionDenied,
            $"The key store '{directory}' is accessible to other users ({string.Join(", ", problems)}). " +
            $"A key store must be readable and writable by its owner only; it was not opened. Fix it with: {string.Join(" && ", commands)}")
        { Target = directory };
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);

    /// <summary>
    /// Every entry of the store must belong to the caller (the effective uid), root included: root writing into
    /// another user's store would leave root-owned files that lock its owner out. Not checked where the owner cannot
    /// be read (no statx: macOS and old kernels), where the mode check still applies.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    private static void CheckOwner(string directory, string? auditDirectory, List<string> files)
    {
        var me = EffectiveUid();
        if (me is null) return;
        var entries = new List<string> { directory };
        if (auditDirectory is not null) entries.Add(auditDirectory);
        entries.AddRange(files);
        var foreign = new List<(string Path, uint Uid)>();
        foreach (var entry in entries)
            if (OwnerOf(entry) is { } uid && uid != me) foreign.Add((entry, uid));
        if (foreign.Count == 0) return;
        var owner = foreign[0].Uid;
        var ownerName = Access.UnixAccounts.LookupUid(owner)?.UserName;
        var who = ownerName is null ? $"uid {owner}" : $"{ownerName} (uid {owner})";
        var myName = Access.UnixAccounts.LookupUid(me.Value)?.UserName;
        var you = myName is null ? $"uid {me}" : $"{myName} (uid {me})";
        var fix = ownerName is null ? "Run the command as the store's owner." : $"Run the command as its owner, for example: sudo -u {ShellQuote(ownerName)} ...";
        throw new KeyStoreException(StoreErrorIds.StoreNotOwned, EngineErrorCategory.PermissionDenied,
            $"The key store '{directory}' is not yours: '{foreign[0].Path}' belongs to {who}, and you are {you}" +
            (foreign.Count > 1 ? $" ({foreign.Count} entries in all)" : "") +
            ". A key store is used only by the user who owns it; it was not opened and nothing was written. " + fix)
        { Target = directory };
    }

    /// <summary>The effective uid, or null off Unix.</summary>
    internal static uint? EffectiveUid()
    {
        if (OperatingSystem.IsWindows()) return null;
        try { return Native.geteuid(); }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException) { return null; }
    }

    /// <summary>The owner of <paramref name="path"/> itself (a link is not followed), from statx, whose layout is the same
    /// on every Linux architecture; null when unknown.</summary>
    internal static uint? OwnerOf(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        const int AtFdCwd = -100;
        const int AtSymlinkNoFollow = 0x100;
        const uint StatxUid = 0x8;
        const int UidOffset = 20; // stx_mask u32, stx_blksize u32, stx_attributes u64, stx_nlink u32, then stx_uid u32
        var buffer = new byte[256];
        try
        {
            if (Native.statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUid, buffer) != 0) return null;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException) { return null; }
        if ((BitConverter.ToUInt32(buffer, 0) & StatxUid) == 0) return null; // fields are in the host's byte order
        return BitConverter.ToUInt32(buffer, UidOffset);
    }

    private static class Native
    {
        [DllImport("libc")]
        public static extern uint geteuid();

        [DllImport("libc", SetLastError = true)]
        public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
    }

    internal static string ShellQuote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void CheckWindows(string directory, List<string> files)
    {
        if (!OperatingSystem.IsWindows()) return;
        var others = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in OthersWithAccess(directory, isDirectory: true)) others.Add(name);
        foreach (var file in files)
            foreach (var name in OthersWithAccess(file, isDirectory: false)) others.Add(name);
        if (others.Count == 0) return;
        var user = WindowsIdentity.GetCurrent().Name;
        var removes = string.Join(' ', others.Select(o => $"\"{o}\""));
        throw new KeyStoreException(StoreErrorIds.StorePermissions, EngineErrorCategory.PermissionDenied,
            $"The key store '{directory}' is accessible to other users ({string.Join(", ", others)}). " +
            "A key store must be accessible to its owner only; it was not opened. Fix it with: " +
            $"icacls \"{directory}\" /inheritance:r /grant:r \"{user}:(OI)(CI)F\" /remove {removes} /T")
        { Target = directory };
    }

    [SupportedOSPlatform("windows")]
    private static void SecureDirectoryWindows(string directory)
    {
        var user = WindowsIdentity.GetCurrent().User!;
        var security = new DirectorySecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(user, FileSystemRights.FullControl,
            InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit, PropagationFlags.None, AccessControlType.Allow));
        new DirectoryInfo(directory).SetAccessControl(security);
    }

    /// <summary>Identities other than the user, SYSTEM and Administrators (who can take any file anyway) that may read or write.</summary>
    [SupportedOSPlatform("windows")]
    private static IEnumerable<string> OthersWithAccess(string path, bool isDirectory)
    {
        FileSystemSecurity security = isDirectory ? new DirectoryInfo(path).GetAccessControl() : new FileInfo(path).GetAccessControl();
        var user = WindowsIdentity.GetCurrent().User!;
        var system = new SecurityIdentifier(WellKnownSidType.LocalSystemSid, null);
        var admins = new SecurityIdentifier(WellKnownSidType.BuiltinAdministratorsSid, null);
        const FileSystemRights access = FileSystemRights.ReadData | FileSystemRights.WriteData | FileSystemRights.AppendData
            | FileSystemRights.Delete | FileSystemRights.ChangePermissions | FileSystemRights.TakeOwnership;
        foreach (FileSystemAccessRule rule in security.GetAccessRules(true, true, typeof(SecurityIdentifier)))
        {
            if (rule.AccessControlType != AccessControlType.Allow || (rule.FileSystemRights & access) == 0) continue;
            var sid = (SecurityIdentifier)rule.IdentityReference;
            if (sid == user || sid == system || sid == admins) continue;
            string name;
            try { name = sid.Translate(typeof(NTAccount)).Value; }
            catch (IdentityNotMappedException) { name = sid.Value; }
            yield return name;
        }
    }
}
