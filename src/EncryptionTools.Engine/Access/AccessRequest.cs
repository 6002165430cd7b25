namespace EncryptionTools.Engine.Access;

/// <summary>One question: may this caller perform this action on this key, with this encryption context?</summary>
internal sealed record AccessRequest
{
    public required CallerIdentity Caller { get; init; }
    /// <summary>A kms: action (no wildcards), e.g. <see cref="KmsActions.Decrypt"/>.</summary>
    public required string Action { get; init; }
    public required KeyArn Key { get; init; }
    public required KeyPolicy Policy { get; init; }
    /// <summary>The grants to consider; only those on <see cref="Key"/> count.</summary>
    public IEnumerable<Grant> Grants { get; init; } = [];
    /// <summary>The request's encryption context; null for an operation that takes none (DescribeKey, PutKeyPolicy...).</summary>
    public IReadOnlyDictionary<string, string>? EncryptionContext { get; init; }
    /// <summary>For kms:CreateGrant: the grant being created (fills the kms:Grant* condition keys and the constraint rules).</summary>
    public GrantRequest? ProposedGrant { get; init; }
}
