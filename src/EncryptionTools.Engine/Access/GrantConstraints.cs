namespace EncryptionTools.Engine.Access;

/// <summary>
/// A grant's encryption context constraint (KMS's GrantConstraints): either the request's context must contain these
/// pairs (<see cref="EncryptionContextSubset"/>) or be exactly these pairs (<see cref="EncryptionContextEquals"/>), never
/// both. Keys and values compare exactly (ordinal), as the encryption context itself does when a message is decrypted
/// and as -ExpectedEncryptionContext / --expect-context do. AWS KMS compares grant constraint keys without regard to
/// case; here a constraint never admits a context that differs from it, so a grant allows the same or less than KMS
/// would, never more. Keys that differ only in case are refused in one constraint, as KMS advises.
/// </summary>
public sealed class GrantConstraints : IEquatable<GrantConstraints>
{
    private GrantConstraints(IReadOnlyDictionary<string, string>? subset, IReadOnlyDictionary<string, string>? equals)
    {
        EncryptionContextSubset = subset;
        EncryptionContextEquals = equals;
    }

    public IReadOnlyDictionary<string, string>? EncryptionContextSubset { get; }
    public IReadOnlyDictionary<string, string>? EncryptionContextEquals { get; }

    /// <summary>"EncryptionContextSubset" or "EncryptionContextEquals" (the value of the kms:GrantConstraintType condition key).</summary>
    public string Type => EncryptionContextEquals is not null ? "EncryptionContextEquals" : "EncryptionContextSubset";

    private IReadOnlyDictionary<string, string> Pairs => EncryptionContextEquals ?? EncryptionContextSubset!;

    public static GrantConstraints Subset(IReadOnlyDictionary<string, string> pairs) => new(Check(pairs, "EncryptionContextSubset"), null);
    public static GrantConstraints Equal(IReadOnlyDictionary<string, string> pairs) => new(null, Check(pairs, "EncryptionContextEquals"));

    /// <summary>Builds from the two optional maps, refusing both at once; null when neither is given.</summary>
    public static GrantConstraints? From(IReadOnlyDictionary<string, string>? subset, IReadOnlyDictionary<string, string>? equals)
    {
        if (subset is not null && equals is not null)
            throw new InvalidGrantException("A grant takes EncryptionContextSubset or EncryptionContextEquals, not both.");
        return subset is not null ? Subset(subset) : equals is not null ? Equal(equals) : null;
    }

    /// <summary>Whether a cryptographic request with this encryption context satisfies the constraint.</summary>
    public bool IsSatisfiedBy(IReadOnlyDictionary<string, string> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (k, v) in context)
        {
            if (!request.TryGetValue(k, out var values)) request[k] = values = [];
            values.Add(v);
        }
        foreach (var (k, v) in Pairs)
            if (!request.TryGetValue(k, out var values) || !values.Contains(v, StringComparer.Ordinal)) return false;
        return EncryptionContextSubset is not null || context.Count == Pairs.Count;
    }

    /// <summary>
    /// Whether a grant with these constraints is equally strict or stricter than one with <paramref name="parent"/>: the
    /// rule KMS applies when a constrained grant's CreateGrant permission creates another grant.
    /// </summary>
    public static bool IsAtLeastAsStrict(GrantConstraints? child, GrantConstraints? parent)
    {
        if (parent is null) return true;
        if (child is null) return false;
        if (parent.EncryptionContextEquals is not null)
            return child.EncryptionContextEquals is not null && SamePairs(child.Pairs, parent.Pairs);
        return parent.Pairs.All(p => child.Pairs.Any(c => string.Equals(c.Key, p.Key, StringComparison.Ordinal) && c.Value == p.Value));
    }

    public bool Equals(GrantConstraints? other) =>
        other is not null && Type == other.Type && SamePairs(Pairs, other.Pairs);

    public override bool Equals(object? obj) => Equals(obj as GrantConstraints);

    public override int GetHashCode() =>
        HashCode.Combine(Type, Pairs.Count, string.Join("\n", Pairs.Keys.Order(StringComparer.Ordinal)));

    public override string ToString() => $"{Type} {AccessEvaluator.FormatContext(Pairs)}";

    private static bool SamePairs(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.Any(q => string.Equals(q.Key, p.Key, StringComparison.Ordinal) && q.Value == p.Value));

    private static Dictionary<string, string> Check(IReadOnlyDictionary<string, string> pairs, string name)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new InvalidGrantException($"{name} is empty; give at least one encryption context pair, or no constraint.");
        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        var folded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in pairs)
        {
            if (string.IsNullOrEmpty(k)) throw new InvalidGrantException($"{name} has an empty key.");
            if (v is null) throw new InvalidGrantException($"{name} has a null value for '{k}'.");
            if (!folded.Add(k)) throw new InvalidGrantException($"{name} has keys that differ only in case ('{k}'); keys that differ only in case are refused, so that no reader takes one for the other.");
            copy[k] = v;
        }
        return copy;
    }
}
