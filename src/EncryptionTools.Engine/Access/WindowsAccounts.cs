using System.Runtime.Versioning;
using System.Security.Principal;

namespace EncryptionTools.Engine.Access;

/// <summary>
/// Windows accounts through System.Security.Principal.Windows (part of the shared framework): the process token's
/// user and group SIDs, and their DOMAIN\name forms where they translate. A local account (whose domain is this
/// machine) and a BUILTIN or local group also answer to the bare name.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class WindowsAccounts
{
    public static CallerIdentity Current()
    {
        using var identity = WindowsIdentity.GetCurrent();
        var groups = new List<GroupInfo>();
        foreach (var reference in identity.Groups ?? new IdentityReferenceCollection())
        {
            var sid = reference.Value;
            var name = Translate(reference);
            groups.Add(new GroupInfo(name, null, sid));
            if (name is not null && BareName(name) is { } bare) groups.Add(new GroupInfo(bare, null, sid));
        }
        var userName = identity.Name;
        return new CallerIdentity(userName, null, identity.User?.Value, groups,
            BareName(userName) is { } b ? [b] : null, ignoreCase: true);
    }

    public static CallerIdentity? Lookup(Principal principal)
    {
        try
        {
            switch (principal.Kind)
            {
                case PrincipalKind.User:
                {
                    var sid = (SecurityIdentifier)new NTAccount(principal.Value).Translate(typeof(SecurityIdentifier));
                    var name = Translate(sid) ?? principal.Value;
                    return new CallerIdentity(name, null, sid.Value, null, BareName(name) is { } b ? [b] : null, ignoreCase: true);
                }
                case PrincipalKind.Sid:
                {
                    var sid = new SecurityIdentifier(principal.Value);
                    var name = Translate(sid);
                    return new CallerIdentity(name, null, sid.Value, null, name is not null && BareName(name) is { } b ? [b] : null, ignoreCase: true);
                }
                default:
                    return null;
            }
        }
        catch (Exception ex) when (ex is IdentityNotMappedException or SystemException)
        {
            return null;
        }
    }

    public static bool? Exists(Principal principal)
    {
        try
        {
            switch (principal.Kind)
            {
                case PrincipalKind.User:
                case PrincipalKind.Group:
                    new NTAccount(principal.Value).Translate(typeof(SecurityIdentifier));
                    return true;
                case PrincipalKind.Sid:
                    new SecurityIdentifier(principal.Value).Translate(typeof(NTAccount));
                    return true;
                default:
                    return null; // uid:/gid: mean nothing on Windows
            }
        }
        catch (IdentityNotMappedException)
        {
            return false;
        }
        catch (SystemException)
        {
            return null; // a domain controller out of reach: cannot tell
        }
    }

    private static string? Translate(IdentityReference reference)
    {
        try
        {
            return reference.Translate(typeof(NTAccount)).Value;
        }
        catch (Exception ex) when (ex is IdentityNotMappedException or SystemException)
        {
            return null;
        }
    }

    /// <summary>"bob" for "THISPC\bob" or "BUILTIN\Administrators"; null for a domain account or a name without a domain.</summary>
    private static string? BareName(string name)
    {
        var slash = name.IndexOf('\\');
        if (slash <= 0) return null;
        var domain = name[..slash];
        return domain.Equals(Environment.MachineName, StringComparison.OrdinalIgnoreCase) || domain.Equals("BUILTIN", StringComparison.OrdinalIgnoreCase)
            ? name[(slash + 1)..]
            : null;
    }
}
