namespace EncryptionTools.Engine.Access;

/// <summary>What Grant-EncKeyAccess asks for. <see cref="Name"/> makes creation idempotent (see <see cref="GrantSet.Create"/>).</summary>
public sealed record GrantRequest(string KeyId, Principal GranteePrincipal, IReadOnlyList<GrantOperation> Operations)
{
    public Principal? RetiringPrincipal { get; init; }
    public GrantConstraints? Constraints { get; init; }
    public string? Name { get; init; }
}
