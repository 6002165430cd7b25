namespace EncryptionTools.Engine.Access;

/// <summary>Fixed identities: for tests, and for callers that resolved identities elsewhere.</summary>
internal sealed class StaticPrincipalResolver(CallerIdentity current, params CallerIdentity[] others) : IPrincipalResolver
{
    private readonly CallerIdentity[] _all = [current, .. others];

    public CallerIdentity Current() => current;

    public CallerIdentity? Lookup(Principal principal) =>
        principal.Kind is PrincipalKind.User or PrincipalKind.Uid or PrincipalKind.Sid
            ? _all.FirstOrDefault(i => i.Matches(principal))
            : null;

    public bool? Exists(Principal principal) => principal.Kind == PrincipalKind.Anyone || _all.Any(i => i.Matches(principal));
}
