namespace EncryptionTools.Engine.Access;

/// <summary>
/// A key policy document is not valid. <see cref="StatementIndex"/> (0-based) and <see cref="Sid"/> name the statement
/// at fault when there is one, and <see cref="Field"/> the JSON path of the field (for example
/// <c>Statement[2].Condition.StringEquals</c>).
/// </summary>
internal sealed class InvalidKeyPolicyException : EncryptionToolsException
{
    public InvalidKeyPolicyException(string message, int? statementIndex = null, string? sid = null, string? field = null, Exception? inner = null)
        : base(ErrorCatalog.InvalidKeyPolicy, Describe(message, statementIndex, sid, field), inner)
    {
        StatementIndex = statementIndex;
        Sid = sid;
        Field = field;
        Problem = message;
    }

    public int? StatementIndex { get; }
    public string? Sid { get; }
    public string? Field { get; }
    /// <summary>The problem alone, without the location prefix.</summary>
    public string Problem { get; }

    private static string Describe(string message, int? index, string? sid, string? field)
    {
        var where = index is { } i
            ? $"Statement {i}" + (string.IsNullOrEmpty(sid) ? "" : $" (Sid '{sid}')")
            : "The policy";
        return field is null ? $"{where}: {message}" : $"{where}, field {field}: {message}";
    }
}

/// <summary>A principal string does not follow the documented grammar (user:, uid:, group:, gid:, sid:, or *).</summary>
internal sealed class InvalidPrincipalException(string text, string reason)
    : EncryptionToolsException(ErrorCatalog.InvalidPrincipal,
        $"'{text}' is not a valid principal: {reason}. Use user:<name>, uid:<n>, group:<name>, gid:<n>, sid:<S-1-...>, or *.")
{
    public string Text { get; } = text;
}

/// <summary>The new key policy would leave no principal able to change it again (kms:PutKeyPolicy).</summary>
internal sealed class KeyPolicyLockoutException(string message)
    : EncryptionToolsException(ErrorCatalog.KeyPolicyLockout, message);

/// <summary>The caller may not perform an action on a key. <see cref="Decision"/> says why.</summary>
internal sealed class AccessDeniedException(AccessDecision decision)
    : EncryptionToolsException(ErrorCatalog.AccessDenied, decision.Reason)
{
    public AccessDecision Decision { get; } = decision;
}

/// <summary>A grant request is not valid (bad operations, both constraints, an empty constraint, a bad name...).</summary>
internal sealed class InvalidGrantException(string message)
    : EncryptionToolsException(ErrorCatalog.InvalidGrant, message);

/// <summary>No grant with that id exists on that key.</summary>
internal sealed class GrantNotFoundException(string grantId, string? keyId)
    : EncryptionToolsException(ErrorCatalog.GrantNotFound,
        keyId is null ? $"No grant with id '{grantId}' exists." : $"No grant with id '{grantId}' exists on key '{keyId}'.")
{
    public string GrantId { get; } = grantId;
}

/// <summary>A stored grant list or other access data does not parse.</summary>
internal sealed class InvalidAccessDataException(string message, Exception? inner = null)
    : EncryptionToolsException(ErrorCatalog.InvalidAccessData, message, inner);
