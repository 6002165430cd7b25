using System.Globalization;
using System.Runtime.InteropServices;

namespace EncryptionTools.Engine.Access;

/// <summary>
/// POSIX accounts through libc's reentrant lookups (getpwuid_r, getpwnam_r, getgrgid_r, getgrnam_r, getgrouplist),
/// which also see NSS sources such as LDAP; when libc cannot be called, /etc/passwd and /etc/group are read instead.
/// Only the leading fields of struct passwd (name, passwd, uid, gid) and struct group (name, passwd, gid) are read:
/// they have the same layout on Linux and macOS.
/// </summary>
internal static class UnixAccounts
{
    internal sealed record PasswdEntry(string Name, uint Uid, uint Gid);

    private const int ERANGE = 34; // the same on Linux and macOS
    private const int StructBytes = 512; // larger than struct passwd / struct group on every platform

    public static CallerIdentity Current()
    {
        uint uid, gid;
        uint[] gids;
        try
        {
            uid = Native.geteuid();
            gid = Native.getegid();
            gids = SupplementaryGroups();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Without libc there is no way to learn the process's ids; the environment is all that is left.
            var name = Environment.UserName;
            var entry = FromEtcPasswd(e => e.Name == name)
                ?? throw new InvalidOperationException("Cannot resolve the current user: libc is unavailable and /etc/passwd has no entry for it.");
            return Build(entry, GroupsFromEtc(entry));
        }
        var user = LookupPasswd(uid, null);
        return new CallerIdentity(user?.Name, uid, groups: Groups(gid, gids));
    }

    public static CallerIdentity? LookupUser(string name) => LookupPasswd(null, name) is { } e ? Build(e, GroupsOf(e)) : null;

    public static CallerIdentity? LookupUid(uint uid) => LookupPasswd(uid, null) is { } e ? Build(e, GroupsOf(e)) : null;

    private static CallerIdentity Build(PasswdEntry e, IEnumerable<uint> gids) => new(e.Name, e.Uid, groups: Groups(e.Gid, gids.ToArray()));

    /// <summary>The primary group, then each other group once. Plain loops: LINQ over uint is generic code that no
    /// precompiled image holds, compiled at run time on a session's first store command.</summary>
    private static GroupInfo[] Groups(uint primary, uint[] others)
    {
        var groups = new List<GroupInfo>(others.Length + 1) { new(GroupName(primary), primary) };
        foreach (var gid in others)
        {
            var seen = false;
            foreach (var group in groups) seen |= group.Gid == gid;
            if (!seen) groups.Add(new GroupInfo(GroupName(gid), gid));
        }
        return groups.ToArray();
    }

    public static string? GroupName(uint gid)
    {
        try
        {
            return LookupGroup(gid, null)?.Name;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return EtcGroup().FirstOrDefault(g => g.Gid == gid)?.Name;
        }
    }

    public static uint? GroupByName(string name)
    {
        try
        {
            return LookupGroup(null, name)?.Gid;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return EtcGroup().FirstOrDefault(g => g.Name == name)?.Gid;
        }
    }

    private static PasswdEntry? LookupPasswd(uint? uid, string? name)
    {
        try
        {
            return WithBuffers((pwd, buf, size) =>
            {
                var rc = uid is { } u ? Native.getpwuid_r(u, pwd, buf, size, out var result) : Native.getpwnam_r(name!, pwd, buf, size, out result);
                if (rc == ERANGE) return (false, null);
                if (rc != 0 || result == IntPtr.Zero) return (true, null);
                var entryName = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(result, 0)) ?? "";
                var entryUid = (uint)Marshal.ReadInt32(result, 2 * IntPtr.Size);
                var entryGid = (uint)Marshal.ReadInt32(result, 2 * IntPtr.Size + 4);
                return (true, new PasswdEntry(entryName, entryUid, entryGid));
            });
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return FromEtcPasswd(e => uid is { } u ? e.Uid == u : e.Name == name);
        }
    }

    private sealed record GroupEntry(string Name, uint Gid, string[] Members);

    private static GroupEntry? LookupGroup(uint? gid, string? name) =>
        WithBuffers((grp, buf, size) =>
        {
            var rc = gid is { } g ? Native.getgrgid_r(g, grp, buf, size, out var result) : Native.getgrnam_r(name!, grp, buf, size, out result);
            if (rc == ERANGE) return (false, null);
            if (rc != 0 || result == IntPtr.Zero) return (true, (GroupEntry?)null);
            var entryName = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(result, 0)) ?? "";
            var entryGid = (uint)Marshal.ReadInt32(result, 2 * IntPtr.Size);
            return (true, new GroupEntry(entryName, entryGid, []));
        });

    private static T? WithBuffers<T>(Func<IntPtr, IntPtr, nuint, (bool Done, T? Value)> call) where T : class
    {
        var size = 16 * 1024;
        while (true)
        {
            var entry = Marshal.AllocHGlobal(StructBytes);
            var buffer = Marshal.AllocHGlobal(size);
            try
            {
                var (done, value) = call(entry, buffer, (nuint)size);
                if (done) return value;
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
                Marshal.FreeHGlobal(entry);
            }
            if (size >= 4 * 1024 * 1024) return null;
            size *= 4;
        }
    }

    private static uint[] SupplementaryGroups()
    {
        var n = Native.getgroups(0, null);
        if (n <= 0) return [];
        var list = new uint[n + 8];
        n = Native.getgroups(list.Length, list);
        return n <= 0 ? [] : list[..n];
    }

    private static IEnumerable<uint> GroupsOf(PasswdEntry e)
    {
        try
        {
            var count = 64;
            for (var attempt = 0; attempt < 8; attempt++)
            {
                var list = new uint[count];
                var n = count;
                if (Native.getgrouplist(e.Name, e.Gid, list, ref n) >= 0) return list[..Math.Min(n, count)];
                count = Math.Max(count * 4, n);
            }
            return [];
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return GroupsFromEtc(e);
        }
    }

    private static IEnumerable<uint> GroupsFromEtc(PasswdEntry e) =>
        EtcGroup().Where(g => g.Members.Contains(e.Name, StringComparer.Ordinal)).Select(g => g.Gid);

    // ---- the /etc fallback ----

    internal static PasswdEntry? FromEtcPasswd(Func<PasswdEntry, bool> predicate) => ParsePasswd(ReadLines("/etc/passwd")).FirstOrDefault(predicate);

    internal static IEnumerable<PasswdEntry> ParsePasswd(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split(':');
            if (f.Length < 4) continue;
            if (uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
                && uint.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
                yield return new PasswdEntry(f[0], uid, gid);
        }
    }

    private static IEnumerable<GroupEntry> EtcGroup() => ParseGroup(ReadLines("/etc/group"));

    private static IEnumerable<GroupEntry> ParseGroup(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split(':');
            if (f.Length < 3) continue;
            if (uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
                yield return new GroupEntry(f[0], gid, f.Length > 3 && f[3].Length > 0 ? f[3].Split(',') : []);
        }
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static class Native
    {
        [DllImport("libc")]
        public static extern uint geteuid();

        [DllImport("libc")]
        public static extern uint getegid();

        [DllImport("libc", SetLastError = true)]
        public static extern int getgroups(int size, uint[]? list);

        [DllImport("libc")]
        public static extern int getgrouplist([MarshalAs(UnmanagedType.LPUTF8Str)] string user, uint group, uint[] groups, ref int ngroups);

        [DllImport("libc")]
        public static extern int getpwuid_r(uint uid, IntPtr pwd, IntPtr buf, nuint buflen, out IntPtr result);

        [DllImport("libc")]
        public static extern int getpwnam_r([MarshalAs(UnmanagedType.LPUTF8Str)] string name, IntPtr pwd, IntPtr buf, nuint buflen, out IntPtr result);

        [DllImport("libc")]
        public static extern int getgrgid_r(uint gid, IntPtr grp, IntPtr buf, nuint buflen, out IntPtr result);

        [DllImport("libc")]
        public static extern int getgrnam_r([MarshalAs(UnmanagedType.LPUTF8Str)] string name, IntPtr grp, IntPtr buf, nuint buflen, out IntPtr result);
    }
}
