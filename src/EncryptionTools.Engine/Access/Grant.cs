using System.Text.RegularExpressions;

namespace EncryptionTools.Engine.Access;

/// <summary>A grant on one key: who may do which operations, under which encryption context constraint, and who may retire it.</summary>
public sealed partial class Grant
{
    public const int MaxNameLength = 256;

    internal Grant(string grantId, string keyId, string? name, Principal grantee, Principal? retiring, IReadOnlyList<GrantOperation> operations,
        GrantConstraints? constraints, DateTimeOffset creationDate, Principal issuingPrincipal)
    {
        GrantId = grantId;
        KeyId = keyId;
        Name = name;
        GranteePrincipal = grantee;
        RetiringPrincipal = retiring;
        Operations = operations;
        Constraints = constraints;
        CreationDate = creationDate;
        IssuingPrincipal = issuingPrincipal;
    }

    /// <summary>64 lower-case hex digits from 32 random bytes: unguessable and URL-safe.</summary>
    public string GrantId { get; }
    public string KeyId { get; }
    public string? Name { get; }
    public Principal GranteePrincipal { get; }
    public Principal? RetiringPrincipal { get; }
    /// <summary>Sorted, without repeats.</summary>
    public IReadOnlyList<GrantOperation> Operations { get; }
    public GrantConstraints? Constraints { get; }
    public DateTimeOffset CreationDate { get; }
    public Principal IssuingPrincipal { get; }

    public bool Allows(GrantOperation operation) => Operations.Contains(operation);

    public override string ToString() =>
        $"grant {GrantId}{(Name is null ? "" : $" ('{Name}')")} on key {KeyId} for {GranteePrincipal}: {string.Join(", ", Operations)}"
        + (Constraints is null ? "" : $" with {Constraints}");

    /// <summary>Validates a request and returns its operations sorted and without repeats.</summary>
    internal static IReadOnlyList<GrantOperation> Validate(GrantRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.KeyId)) throw new InvalidGrantException("A grant needs a key id.");
        ArgumentNullException.ThrowIfNull(request.GranteePrincipal);
        if (request.GranteePrincipal.Kind == PrincipalKind.Anyone)
            throw new InvalidGrantException("A grant's grantee must be a user, group or SID, not '*'; use the key policy to allow everyone.");
        if (request.RetiringPrincipal?.Kind == PrincipalKind.Anyone)
            throw new InvalidGrantException("A grant's retiring principal must be a user, group or SID, not '*'.");
        if (request.Operations is null || request.Operations.Count == 0) throw new InvalidGrantException("A grant needs at least one operation.");
        foreach (var op in request.Operations)
            if (!Enum.IsDefined(op)) throw new InvalidGrantException($"'{op}' is not a grant operation.");
        if (request.Name is not null && (request.Name.Length is 0 or > MaxNameLength || !NameRx().IsMatch(request.Name)))
            throw new InvalidGrantException($"The grant name '{request.Name}' is not valid: use 1 to {MaxNameLength} characters from A-Z a-z 0-9 : / _ - (as KMS does).");
        var operations = request.Operations.Distinct().Order().ToArray();
        if (request.Constraints is not null)
        {
            var unconstrainable = operations.Where(op => !GrantOperations.IgnoresConstraints(op) && !KmsActions.TakesEncryptionContext.Contains(op.ToAction())).ToArray();
            if (unconstrainable.Length > 0)
                throw new InvalidGrantException($"Encryption context constraints apply only to operations that take an encryption context; {string.Join(", ", unconstrainable)} do not.");
        }
        return operations;
    }

    [GeneratedRegex("^[a-zA-Z0-9:/_-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameRx();
}
