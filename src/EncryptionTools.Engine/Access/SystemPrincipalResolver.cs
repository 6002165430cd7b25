namespace EncryptionTools.Engine.Access;

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
