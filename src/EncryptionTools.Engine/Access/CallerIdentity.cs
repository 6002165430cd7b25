namespace EncryptionTools.Engine.Access;

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
