namespace EncryptionTools.Engine.Access;

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
