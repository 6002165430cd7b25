namespace EncryptionTools.Engine.Store;

/// <summary>What Set-EncKey changes; null members stay as they are.</summary>
public sealed record KeyUpdate
{
    public string? Description { get; init; }
    /// <summary>Tags to add or overwrite.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    /// <summary>Tag keys to remove.</summary>
    public IReadOnlyList<string>? RemoveTags { get; init; }
    public bool? RotationEnabled { get; init; }
    public int? RotationPeriodInDays { get; init; }
    public int? MinimumDecryptionVersion { get; init; }
    public string? Policy { get; init; }
}
