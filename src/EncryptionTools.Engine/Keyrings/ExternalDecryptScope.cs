namespace EncryptionTools.Engine.Keyrings;

/// <summary>
/// Which of a provider's EDKs a decryption may send to the service: strict (<see cref="AllowedKeys"/>, compared with
/// the EDK's key ARN and with the key the service says it used) or, as an explicit opt-in, discovery limited to
/// <see cref="Discovery"/>'s partition and accounts.
/// </summary>
public sealed record ExternalDecryptScope
{
    public IReadOnlyList<string> AllowedKeys { get; init; } = [];
    public DiscoveryFilter? Discovery { get; init; }
}
