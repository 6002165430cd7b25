namespace EncryptionTools.Engine.Store;

public sealed record NewKeyRequest
{
    public KeySpec KeySpec { get; init; } = KeySpec.SYMMETRIC_DEFAULT;
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    public bool Exportable { get; init; }
    public bool RotationEnabled { get; init; }
    public int? RotationPeriodInDays { get; init; }
    /// <summary>The key policy (JSON); null: the default policy granting the creator and the store owner full control.</summary>
    public string? Policy { get; init; }
    /// <summary>An alias to create with the key, atomically.</summary>
    public string? Alias { get; init; }
    /// <summary>Store <see cref="Policy"/> even if neither the store owner nor the caller could change it again.</summary>
    public bool BypassPolicyLockoutSafetyCheck { get; init; }
}
