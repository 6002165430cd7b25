namespace EncryptionTools.Engine.Access;

/// <summary>The answer, with what decided it (a statement's index and Sid, or a grant id) and a reason fit for an error message.</summary>
public sealed record AccessDecision
{
    public required DecisionKind Kind { get; init; }
    public required string Principal { get; init; }
    public required string Action { get; init; }
    public required string Key { get; init; }
    public IReadOnlyDictionary<string, string>? EncryptionContext { get; init; }
    public int? StatementIndex { get; init; }
    public string? StatementSid { get; init; }
    public string? GrantId { get; init; }
    public required string Reason { get; init; }

    public bool IsAllowed => Kind == DecisionKind.Allowed;

    /// <summary>"statement 1 (Sid 'KeyUsers')", "grant 3f2a...", or "no statement or grant".</summary>
    public string DecidedBy => StatementIndex is { } i ? (StatementSid is { Length: > 0 } s ? $"statement {i} (Sid '{s}')" : $"statement {i}")
        : GrantId is not null ? $"grant {GrantId}" : Kind == DecisionKind.Allowed ? "the grant's retiring rule" : "no statement or grant";

    public override string ToString() => $"{Kind}: {Reason}";
}
