namespace EncryptionTools.Engine.Store;

/// <summary>BYOK: a key from external AES-256 material under a given raw-keyring namespace and key name.</summary>
public sealed record ImportKeyRequest
{
    public required byte[] KeyMaterial { get; init; }
    public required string KeyNamespace { get; init; }
    public required string KeyName { get; init; }
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    public bool Exportable { get; init; }
    public string? Policy { get; init; }
    public string? Alias { get; init; }
}
