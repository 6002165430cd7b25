namespace EncryptionTools.Engine.Access;

/// <summary>One group the caller belongs to: its name, POSIX gid and Windows SID, as far as each is known.</summary>
public sealed record GroupInfo(string? Name, uint? Gid = null, string? Sid = null);
