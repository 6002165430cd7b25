namespace EncryptionTools.Engine.Access;

/// <summary>The outcome of <see cref="GrantSet.Create"/>: the grant, and whether it is new or an idempotent repeat.</summary>
internal sealed record GrantCreateResult(Grant Grant, bool Created);
