namespace EncryptionTools.Engine.Access;

/// <summary>One action an operation needs, on one of its keys, possibly only in some cases (<see cref="When"/>).</summary>
internal sealed record ActionRequirement(string Action, KeyRole On, string? When = null)
{
    public override string ToString() => $"{Action} on {RoleText(On)}" + (When is null ? "" : $" ({When})");

    internal static string RoleText(KeyRole role) => role switch
    {
        KeyRole.Key => "the key",
        KeyRole.PrimaryKey => "the primary key",
        KeyRole.EachAdditionalKey => "each additional key",
        KeyRole.EachKey => "each key",
        KeyRole.DecryptingKey => "the key that decrypts the data key",
        KeyRole.SourceKey => "the old key",
        KeyRole.DestinationKey => "the new key",
        KeyRole.CurrentAliasTarget => "the alias's current key",
        KeyRole.NewAliasTarget => "the alias's new key",
        _ => role.ToString(),
    };
}
