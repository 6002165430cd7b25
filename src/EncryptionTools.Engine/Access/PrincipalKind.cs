namespace EncryptionTools.Engine.Access;

public enum PrincipalKind
{
    /// <summary><c>*</c>: every principal.</summary>
    Anyone,
    /// <summary><c>user:&lt;name&gt;</c>: a user account by name (on Windows <c>DOMAIN\name</c>, or a bare name for a local account).</summary>
    User,
    /// <summary><c>uid:&lt;n&gt;</c>: a POSIX user id (Linux, macOS).</summary>
    Uid,
    /// <summary><c>group:&lt;name&gt;</c>: members of a group, by name.</summary>
    Group,
    /// <summary><c>gid:&lt;n&gt;</c>: members of a POSIX group, by id (Linux, macOS).</summary>
    Gid,
    /// <summary><c>sid:&lt;S-1-...&gt;</c>: a Windows security identifier of a user or a group.</summary>
    Sid,
}
