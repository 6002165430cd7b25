namespace EncryptionTools.Engine.Access;

/// <summary>
/// One engine operation, the cmdlet and the CLI command that run it, and what it needs: the kms: actions checked with
/// <see cref="AccessEvaluator"/> on each key (with the request's encryption context where <see cref="WithEncryptionContext"/>),
/// or, for operations on the store or the audit log rather than a key, the store's own rule in <see cref="StoreRule"/>.
/// </summary>
internal sealed record OperationActions(string Operation, string? Cmdlet, string? CliCommand, IReadOnlyList<ActionRequirement> Requirements,
    bool WithEncryptionContext = false, string? StoreRule = null, string? Notes = null);
