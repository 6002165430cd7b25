namespace EncryptionTools.Engine.Access;

/// <summary>
/// A principal named in a statement: one of ours (<see cref="Local"/>), or a foreign one written for AWS (an IAM ARN, an
/// account id, a service principal) that is kept as text and applies to no local identity.
/// </summary>
internal sealed record PolicyPrincipal(Principal? Local, string? Foreign)
{
    public bool AppliesTo(CallerIdentity caller) => Local is not null && caller.Matches(Local);
    public override string ToString() => Local?.ToString() ?? Foreign!;
}
