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

    /// <summary>Makes an existing (empty) directory owner-only before a store is created in it.</summary>
    public static void SecureExistingDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) SecureDirectoryWindows(directory);
        else File.SetUnixFileMode(directory, DirectoryMode);
    }

    /// <summary>Throws <see cref="StoreErrorIds.StorePermissions"/> when the directory or any store file is open to others.</summary>
    public static void Check(string directory)
    {
        var files = new[] { StoreFiles.DescriptorFile, StoreFiles.DataFile, StoreFiles.RootKeyFile, StoreFiles.LockFile }
            .Select(f => Path.Combine(directory, f)).Where(File.Exists).ToList();
        if (OperatingSystem.IsWindows()) CheckWindows(directory, files);
        else CheckUnix(directory, files);
    }

    [UnsupportedOSPlatform("windows")]
    private static void CheckUnix(string directory, List<string> files)
    {
        var problems = new List<string>();
        var dirMode = File.GetUnixFileMode(directory);
        var badDir = (dirMode & GroupOrOthers) != 0;
        if (badDir) problems.Add($"'{directory}' has mode {Octal(dirMode)}");
        var badFiles = new List<string>();
        foreach (var file in files)
        {
            var mode = File.GetUnixFileMode(file);
            if ((mode & GroupOrOthers) == 0) continue;
            badFiles.Add(file);
            problems.Add($"'{file}' has mode {Octal(mode)}");
        }
        if (problems.Count == 0) return;
        var commands = new List<string>();
        if (badDir) commands.Add("chmod 700 " + ShellQuote(directory));
        if (badFiles.Count > 0) commands.Add("chmod 600 " + string.Join(' ', badFiles.Select(ShellQuote)));
        throw new KeyStoreException(StoreErrorIds.StorePermissions, EngineErrorCategory.PermissionDenied,
            $"The key store '{directory}' is accessible to other users ({string.Join(", ", problems)}). " +
            $"A key store must be readable and writable by its owner only; it was not opened. Fix it with: {string.Join(" && ", commands)}")
        { Target = directory };
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);

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
