using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EncryptionTools.Engine.Access;

/// <summary>
/// The grants of a store (or of one key), in memory; the store persists them with <see cref="ToJson"/> and
/// <see cref="FromJson"/>, encrypted, and serializes changes under its own lock. Authorization is not done here except
/// for <see cref="Retire"/>, whose rule the grant itself carries: callers check kms:CreateGrant, kms:ListGrants and
/// kms:RevokeGrant with <see cref="AccessEvaluator"/> first.
/// </summary>
internal sealed partial class GrantSet
{
    private readonly object _gate = new();
    private readonly List<Grant> _grants = [];

    public GrantSet()
    {
    }

    public GrantSet(IEnumerable<Grant> grants) => _grants.AddRange(grants);

    public IReadOnlyList<Grant> Grants
    {
        get
        {
            lock (_gate) return _grants.ToArray();
        }
    }

    /// <summary>
    /// Creates a grant. As in KMS: without a name every call creates a new grant; with a name, a call whose arguments
    /// (key, grantee, retiring principal, operations, constraints) are identical to an existing grant of that name returns
    /// that grant and creates nothing. The same name with different arguments creates another grant: names need not be unique.
    /// </summary>
    public GrantCreateResult Create(GrantRequest request, Principal issuingPrincipal, DateTimeOffset? now = null)
    {
        var operations = Grant.Validate(request);
        ArgumentNullException.ThrowIfNull(issuingPrincipal);
        lock (_gate)
        {
            if (request.Name is not null)
            {
                var existing = _grants.FirstOrDefault(g => g.Name == request.Name && g.KeyId == request.KeyId
                    && g.GranteePrincipal == request.GranteePrincipal && g.RetiringPrincipal == request.RetiringPrincipal
                    && g.Operations.SequenceEqual(operations) && Equals(g.Constraints, request.Constraints));
                if (existing is not null) return new GrantCreateResult(existing, Created: false);
            }
            var grant = new Grant(NewGrantId(), request.KeyId, request.Name, request.GranteePrincipal, request.RetiringPrincipal, operations,
                request.Constraints, (now ?? DateTimeOffset.UtcNow).ToUniversalTime(), issuingPrincipal);
            _grants.Add(grant);
            return new GrantCreateResult(grant, Created: true);
        }
    }

    /// <summary>Grants filtered by key id, grant id and grantee (each optional; all given filters apply).</summary>
    public IReadOnlyList<Grant> List(string? keyId = null, string? grantId = null, Principal? grantee = null)
    {
        lock (_gate)
        {
            return _grants.Where(g => (keyId is null || g.KeyId == keyId)
                    && (grantId is null || g.GrantId == grantId)
                    && (grantee is null || g.GranteePrincipal == grantee))
                .ToArray();
        }
    }

    /// <summary>The grants a caller may retire (KMS's ListRetirableGrants).</summary>
    public IReadOnlyList<Grant> ListRetirable(CallerIdentity caller, Principal? storeOwner = null)
    {
        lock (_gate) return _grants.Where(g => AccessEvaluator.EvaluateRetire(g, caller, storeOwner).IsAllowed).ToArray();
    }

    /// <summary>Deletes a grant. The caller must already hold kms:RevokeGrant on the key (checked by the caller).</summary>
    public Grant Revoke(string keyId, string grantId)
    {
        lock (_gate)
        {
            var grant = _grants.FirstOrDefault(g => g.KeyId == keyId && g.GrantId == grantId) ?? throw new GrantNotFoundException(grantId, keyId);
            _grants.Remove(grant);
            return grant;
        }
    }

    /// <summary>
    /// Deletes a grant for a caller the grant allows to: its retiring principal, its grantee when the grant includes
    /// the RetireGrant operation, or the store owner (KMS's rule, where the owning account plays the store owner's part).
    /// Throws <see cref="AccessDeniedException"/> otherwise.
    /// </summary>
    public Grant Retire(string grantId, CallerIdentity caller, Principal? storeOwner = null, string? keyId = null)
    {
        lock (_gate)
        {
            var grant = _grants.FirstOrDefault(g => g.GrantId == grantId && (keyId is null || g.KeyId == keyId))
                ?? throw new GrantNotFoundException(grantId, keyId);
            var decision = AccessEvaluator.EvaluateRetire(grant, caller, storeOwner);
            if (!decision.IsAllowed) throw new AccessDeniedException(decision);
            _grants.Remove(grant);
            return grant;
        }
    }

    /// <summary>Removes every grant of a key (when the key is deleted). Returns how many.</summary>
    public int RemoveKey(string keyId)
    {
        lock (_gate) return _grants.RemoveAll(g => g.KeyId == keyId);
    }

    private static string NewGrantId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

    // ---- persistence ----

    // Generated metadata, so the store's grants read and write without reflection (the CLI is Native AOT).
    [JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
    [JsonSerializable(typeof(GrantsDto))]
    private sealed partial class GrantJsonContext : JsonSerializerContext;

    private sealed record GrantDto(string GrantId, string KeyId, string? Name, string GranteePrincipal, string? RetiringPrincipal,
        GrantOperation[] Operations, Dictionary<string, string>? EncryptionContextSubset, Dictionary<string, string>? EncryptionContextEquals,
        DateTimeOffset CreationDate, string IssuingPrincipal);

    private sealed record GrantsDto(int Version, GrantDto[] Grants);

    /// <summary>A compact JSON document of every grant, for the store to keep (encrypted).</summary>
    public string ToJson()
    {
        var dtos = Grants.Select(g => new GrantDto(g.GrantId, g.KeyId, g.Name, g.GranteePrincipal.ToString(), g.RetiringPrincipal?.ToString(),
            g.Operations.ToArray(), g.Constraints?.EncryptionContextSubset?.ToDictionary(), g.Constraints?.EncryptionContextEquals?.ToDictionary(),
            g.CreationDate, g.IssuingPrincipal.ToString())).ToArray();
        return JsonSerializer.Serialize(new GrantsDto(1, dtos), GrantJsonContext.Default.GrantsDto);
    }

    public static GrantSet FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var dto = JsonSerializer.Deserialize(json, GrantJsonContext.Default.GrantsDto) ?? throw new InvalidAccessDataException("The grant list is empty.");
            if (dto.Version != 1) throw new InvalidAccessDataException($"The grant list has version {dto.Version}; this module reads version 1.");
            var grants = new List<Grant>();
            foreach (var g in dto.Grants ?? [])
            {
                var request = new GrantRequest(g.KeyId, Principal.Parse(g.GranteePrincipal), g.Operations)
                {
                    RetiringPrincipal = g.RetiringPrincipal is null ? null : Principal.Parse(g.RetiringPrincipal),
                    Constraints = GrantConstraints.From(g.EncryptionContextSubset, g.EncryptionContextEquals),
                    Name = g.Name,
                };
                var operations = Grant.Validate(request);
                if (string.IsNullOrEmpty(g.GrantId)) throw new InvalidAccessDataException("A stored grant has no id.");
                grants.Add(new Grant(g.GrantId, g.KeyId, g.Name, request.GranteePrincipal, request.RetiringPrincipal, operations,
                    request.Constraints, g.CreationDate, Principal.Parse(g.IssuingPrincipal)));
            }
            return new GrantSet(grants);
        }
        catch (Exception ex) when (ex is JsonException or InvalidPrincipalException or InvalidGrantException or NotSupportedException)
        {
            throw new InvalidAccessDataException($"The stored grant list is not valid: {ex.Message}", ex);
        }
    }
}
