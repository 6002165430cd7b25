namespace EncryptionTools.Engine.Access;

/// <summary>One group the caller belongs to: its name, POSIX gid and Windows SID, as far as each is known.</summary>
public sealed record GroupInfo(string? Name, uint? Gid = null, string? Sid = null);

/// <summary>
/// Who is calling: the user's name, uid and SID and the groups' names, gids and SIDs, resolved once per call (see
/// <see cref="IPrincipalResolver"/>). A policy or grant principal applies to the caller when <see cref="Matches"/> says so.
/// </summary>
public sealed class CallerIdentity
{
    private readonly string[] _userNames;
    private readonly StringComparer _names;

    /// <param name="userName">The account name (on Windows <c>DOMAIN\name</c>).</param>
    /// <param name="uid">The effective POSIX uid (Linux, macOS).</param>
    /// <param name="userSid">The user's Windows SID.</param>
    /// <param name="groups">Every group, with the primary one.</param>
    /// <param name="otherUserNames">More names the same account answers to (on Windows, the bare name of a local account).</param>
    /// <param name="ignoreCase">Names compare without regard to case (Windows).</param>
    public CallerIdentity(string? userName, uint? uid = null, string? userSid = null, IEnumerable<GroupInfo>? groups = null,
        IEnumerable<string>? otherUserNames = null, bool ignoreCase = false)
    {
        if (userName is null && uid is null && userSid is null)
            throw new ArgumentException("An identity needs a user name, a uid or a SID.");
        UserName = userName;
        Uid = uid;
        UserSid = userSid is null ? null : Principal.Sid(userSid).Value;
        Groups = (groups ?? []).ToArray();
        IgnoreCase = ignoreCase;
        _names = ignoreCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        _userNames = new[] { userName }.Concat(otherUserNames ?? []).OfType<string>().Distinct(_names).ToArray();
        Principals = BuildPrincipals();
    }

    public string? UserName { get; }
    public uint? Uid { get; }
    public string? UserSid { get; }
    public IReadOnlyList<GroupInfo> Groups { get; }
    public bool IgnoreCase { get; }

    /// <summary>How the caller is named in messages and the audit log: user:&lt;name&gt;, else uid:&lt;n&gt;, else sid:&lt;S-...&gt;.</summary>
    public Principal Primary => UserName is not null && Principal.TryParse("user:" + UserName, out var p) ? p!
        : Uid is { } uid ? Principal.Uid(uid) : Principal.Sid(UserSid!);

    /// <summary>Every principal string that names this caller (user, uid, SID, and each group's name, gid and SID).</summary>
    public IReadOnlyList<Principal> Principals { get; }

    /// <summary>Whether a policy or grant principal applies to this caller.</summary>
    public bool Matches(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.Kind switch
        {
            PrincipalKind.Anyone => true,
            PrincipalKind.User => _userNames.Any(n => _names.Equals(n, principal.Value)),
            PrincipalKind.Uid => Uid == principal.NumericId,
            PrincipalKind.Group => Groups.Any(g => g.Name is not null && _names.Equals(g.Name, principal.Value)),
            PrincipalKind.Gid => Groups.Any(g => g.Gid == principal.NumericId),
            PrincipalKind.Sid => string.Equals(UserSid, principal.Value, StringComparison.OrdinalIgnoreCase)
                || Groups.Any(g => string.Equals(g.Sid, principal.Value, StringComparison.OrdinalIgnoreCase)),
            _ => false,
        };
    }

    public override string ToString() => Primary.ToString();

    private Principal[] BuildPrincipals()
    {
        var list = new List<Principal>();
        foreach (var n in _userNames) if (Principal.TryParse("user:" + n, out var p)) list.Add(p!);
        if (Uid is { } uid) list.Add(Principal.Uid(uid));
        if (UserSid is not null) list.Add(Principal.Sid(UserSid));
        foreach (var g in Groups)
        {
            if (g.Name is not null && Principal.TryParse("group:" + g.Name, out var p)) list.Add(p!);
            if (g.Gid is { } gid) list.Add(Principal.Gid(gid));
            if (g.Sid is not null && Principal.TryParse("sid:" + g.Sid, out var s)) list.Add(s!);
        }
        return list.Distinct().ToArray();
    }
}

/// <summary>
/// Where identities come from. The module resolves the current process's identity once per call with
/// <see cref="SystemPrincipalResolver"/>; tests (and a future key agent acting for a client) supply their own, so the
/// same code can act as a second principal.
/// </summary>
public interface IPrincipalResolver
{
    /// <summary>The identity of the current process (effective user and groups).</summary>
    CallerIdentity Current();

    /// <summary>
    /// The identity, with its groups, of the account a user:, uid: or sid: principal names; null when it is not a
    /// user principal or the account is unknown. Used to evaluate a policy for someone else (the store owner).
    /// </summary>
    CallerIdentity? Lookup(Principal principal);

    /// <summary>Whether the account or group exists: true, false, or null when this platform cannot tell (uid: on Windows, sid: on Linux).</summary>
    bool? Exists(Principal principal);
}

/// <summary>Fixed identities: for tests, and for callers that resolved identities elsewhere.</summary>
public sealed class StaticPrincipalResolver(CallerIdentity current, params CallerIdentity[] others) : IPrincipalResolver
{
    private readonly CallerIdentity[] _all = [current, .. others];

    public CallerIdentity Current() => current;

    public CallerIdentity? Lookup(Principal principal) =>
        principal.Kind is PrincipalKind.User or PrincipalKind.Uid or PrincipalKind.Sid
            ? _all.FirstOrDefault(i => i.Matches(principal))
            : null;

    public bool? Exists(Principal principal) => principal.Kind == PrincipalKind.Anyone || _all.Any(i => i.Matches(principal));
}

/// <summary>The operating system's accounts: libc (getpwuid_r and friends) on Linux and macOS, Windows security APIs on Windows.</summary>
public sealed class SystemPrincipalResolver : IPrincipalResolver
{
    public static SystemPrincipalResolver Instance { get; } = new();

    public CallerIdentity Current() => OperatingSystem.IsWindows() ? WindowsAccounts.Current() : UnixAccounts.Current();

    public CallerIdentity? Lookup(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (OperatingSystem.IsWindows()) return WindowsAccounts.Lookup(principal);
        return principal.Kind switch
        {
            PrincipalKind.User => UnixAccounts.LookupUser(principal.Value),
            PrincipalKind.Uid => UnixAccounts.LookupUid(principal.NumericId!.Value),
            _ => null,
        };
    }

    public bool? Exists(Principal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Kind == PrincipalKind.Anyone) return true;
        if (OperatingSystem.IsWindows()) return WindowsAccounts.Exists(principal);
        return principal.Kind switch
        {
            PrincipalKind.User => UnixAccounts.LookupUser(principal.Value) is not null,
            PrincipalKind.Uid => UnixAccounts.LookupUid(principal.NumericId!.Value) is not null,
            PrincipalKind.Group => UnixAccounts.GroupByName(principal.Value) is not null,
            PrincipalKind.Gid => UnixAccounts.GroupName(principal.NumericId!.Value) is not null,
            _ => null,
        };
    }
}
