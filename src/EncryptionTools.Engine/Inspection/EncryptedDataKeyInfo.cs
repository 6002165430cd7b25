namespace EncryptionTools.Engine.Inspection;

/// <summary>One encrypted data key of a message, as a user sees it.</summary>
public sealed record EncryptedDataKeyInfo(string ProviderId, string KeyName, string Wrapping, int CiphertextLength)
{
    /// <summary>Whether the key store was asked who made this EDK, and its answer.</summary>
    public EdkResolution Resolution { get; init; } = EdkResolution.NotResolved;
    /// <summary>The store's key id of the key that made this EDK (<see cref="EdkResolution.InStore"/>), or the key ARN of an external key (<see cref="EdkResolution.External"/>).</summary>
    public string? KeyId { get; init; }
    /// <summary>The key's aliases in the store, e.g. alias/payroll.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
    /// <summary>The key version that wrapped the data key.</summary>
    public int? Version { get; init; }
    /// <summary>For <see cref="EdkResolution.Unknown"/>: why (not in this store, store locked, another tool's key).</summary>
    public string? Note { get; init; }

    /// <summary>How a person names the key: its first alias as Get-EncKey sorts them (else its key id) and version, or the provider id and key name.</summary>
    public string Label => Resolution == EdkResolution.InStore && KeyId is not null
        ? (Aliases.Count > 0 ? Aliases.Min(StringComparer.OrdinalIgnoreCase)! : KeyId) + (Version is { } v ? " v" + v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")
        : Resolution == EdkResolution.External && KeyId is not null ? UntrustedText.Neutralize(KeyId)
        : UntrustedText.Neutralize(ProviderId + "/" + KeyName);

    public override string ToString() => Label;
}
