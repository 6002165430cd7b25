using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EncryptionTools.Engine.Store;

/// <summary>Moving keys and whole stores between key stores: a key with all its versions, and encrypted store backups.</summary>
public interface IKeyTransfer
{
    /// <summary>Every version of an exportable key with its id, aliases, description, tags, rotation settings and policy.</summary>
    EncKeyPackage ExportKeyPackage(string keyIdentifier);

    /// <summary>Recreates the key of <paramref name="package"/> (same key id, every version); refuses any clash (<see cref="StoreErrorIds.KeyExists"/>).</summary>
    EncKey ImportKeyPackage(EncKeyPackage package);

    /// <summary>Writes an encrypted backup of the whole store (every key, alias, policy, grant and the audit log) to <paramref name="output"/>.</summary>
    StoreBackupInfo Backup(Stream output, StoreBackupProtection protection);

    /// <summary>Recreates a backed-up store at this provider's location, which must hold no store (<see cref="StoreErrorIds.StoreExists"/>).</summary>
    EncKeyStoreInfo Restore(Stream input, StoreRestoreRequest request);
}

/// <summary>
/// A key that moves whole (Export-EncKey without -Version): every version's material, the key id, aliases, description,
/// tags, rotation settings, minimum decryption version and policy. Grants stay behind: they delegate to principals of the
/// source machine and are re-created on purpose where the key lands. Holds secret material.
/// </summary>
public sealed class EncKeyPackage
{
    public const string FormatName = "EncryptionTools.KeyPackage";
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public required string KeyId { get; init; }
    /// <summary>The key's ARN in the store it came from (the ARN changes with the store; the key id does not).</summary>
    public required string SourceArn { get; init; }
    public required string SourceStoreId { get; init; }
    public KeySpec KeySpec { get; init; }
    public KeyOrigin Origin { get; init; }
    public string Description { get; init; } = "";
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    public IReadOnlyList<string> Aliases { get; init; } = [];
    public DateTimeOffset CreationDate { get; init; }
    public bool RotationEnabled { get; init; }
    public int RotationPeriodInDays { get; init; }
    public DateTimeOffset? NextRotationDate { get; init; }
    public int CurrentVersion => Versions.Count == 0 ? 0 : Versions[^1].Version;
    public int MinimumDecryptionVersion { get; init; } = 1;
    public bool Exportable { get; init; }
    public required string KeyNamespace { get; init; }
    /// <summary>The principal who created the key: the default policy names it.</summary>
    public string Creator { get; init; } = "";
    /// <summary>The key policy as set (JSON); null for the default policy (the creator and the target store's owner).</summary>
    public string? Policy { get; init; }
    public required IReadOnlyList<EncKeyPackageVersion> Versions { get; init; }

    // The current version as Export-EncKey -Version gives it, so scripts that read these properties keep working.
    public string KeyName => Versions.Count == 0 ? "" : Versions[^1].KeyName;
    public byte[]? KeyMaterial => Versions.Count == 0 ? null : Versions[^1].KeyMaterial;
    public string? KeyMaterialBase64 => KeyMaterial is null ? null : Convert.ToBase64String(KeyMaterial);
    public string? PublicKeyPem => Versions.Count == 0 ? null : Versions[^1].PublicKeyPem;
    public string? PrivateKeyPem => Versions.Count == 0 ? null : Versions[^1].PrivateKeyPem;

    public override string ToString() => KeyId;

    /// <summary>The package as JSON text (secret: every version's material), for Import-EncKey -Package in another session.</summary>
    public string ToJson()
    {
        var versions = new JsonArray();
        foreach (var v in Versions)
            versions.Add((JsonNode)new JsonObject
            {
                ["version"] = v.Version,
                ["keyName"] = v.KeyName,
                ["creationDate"] = v.CreationDate.ToString("O", CultureInfo.InvariantCulture),
                ["rotationType"] = v.RotationType.ToString(),
                ["keyMaterial"] = v.KeyMaterial is null ? null : Convert.ToBase64String(v.KeyMaterial),
                ["privateKeyPem"] = v.PrivateKeyPem,
                ["publicKeyPem"] = v.PublicKeyPem,
            });
        var tags = new JsonObject();
        foreach (var (k, value) in Tags.OrderBy(t => t.Key, StringComparer.Ordinal)) tags[k] = value;
        return new JsonObject
        {
            ["format"] = FormatName,
            ["formatVersion"] = FormatVersion,
            ["keyId"] = KeyId,
            ["sourceArn"] = SourceArn,
            ["sourceStoreId"] = SourceStoreId,
            ["keySpec"] = KeySpec.ToString(),
            ["origin"] = Origin.ToString(),
            ["description"] = Description,
            ["tags"] = tags,
            ["aliases"] = new JsonArray(Aliases.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            ["creationDate"] = CreationDate.ToString("O", CultureInfo.InvariantCulture),
            ["rotationEnabled"] = RotationEnabled,
            ["rotationPeriodInDays"] = RotationPeriodInDays,
            ["nextRotationDate"] = NextRotationDate?.ToString("O", CultureInfo.InvariantCulture),
            ["minimumDecryptionVersion"] = MinimumDecryptionVersion,
            ["exportable"] = Exportable,
            ["keyNamespace"] = KeyNamespace,
            ["creator"] = Creator,
            ["policy"] = Policy,
            ["versions"] = versions,
        }.ToJsonString();
    }

    /// <summary>Reads <see cref="ToJson"/>'s text; PowerShell also converts a string to a package through this.</summary>
    public static EncKeyPackage Parse(string json)
    {
        try
        {
            var o = JsonNode.Parse(json ?? "")?.AsObject() ?? throw new JsonException("not a JSON object");
            if ((string?)o["format"] != FormatName) throw new JsonException($"'format' is not {FormatName}");
            var formatVersion = (int?)o["formatVersion"] ?? 0;
            if (formatVersion != CurrentFormatVersion)
                throw Invalid($"The key package has format version {formatVersion}; this module reads version {CurrentFormatVersion}.");
            var versions = new List<EncKeyPackageVersion>();
            foreach (var node in o["versions"]?.AsArray() ?? throw new JsonException("no 'versions'"))
            {
                var v = node!.AsObject();
                versions.Add(new EncKeyPackageVersion(
                    (int?)v["version"] ?? throw new JsonException("a version has no number"),
                    (string?)v["keyName"] ?? "",
                    DateTimeOffset.Parse((string?)v["creationDate"] ?? "", CultureInfo.InvariantCulture),
                    Enum.Parse<RotationType>((string?)v["rotationType"] ?? nameof(RotationType.OnDemand)),
                    (string?)v["keyMaterial"] is { } b64 ? Convert.FromBase64String(b64) : null,
                    (string?)v["privateKeyPem"],
                    (string?)v["publicKeyPem"]));
            }
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, value) in o["tags"]?.AsObject() ?? []) tags[k] = (string?)value ?? "";
            return new EncKeyPackage
            {
                FormatVersion = formatVersion,
                KeyId = (string?)o["keyId"] ?? throw new JsonException("no 'keyId'"),
                SourceArn = (string?)o["sourceArn"] ?? "",
                SourceStoreId = (string?)o["sourceStoreId"] ?? "",
                KeySpec = Enum.Parse<KeySpec>((string?)o["keySpec"] ?? "", ignoreCase: false),
                Origin = Enum.Parse<KeyOrigin>((string?)o["origin"] ?? nameof(KeyOrigin.EncryptionTools)),
                Description = (string?)o["description"] ?? "",
                Tags = tags,
                Aliases = (o["aliases"]?.AsArray() ?? []).Select(a => (string?)a ?? "").ToList(),
                CreationDate = DateTimeOffset.Parse((string?)o["creationDate"] ?? "", CultureInfo.InvariantCulture),
                RotationEnabled = (bool?)o["rotationEnabled"] ?? false,
                RotationPeriodInDays = (int?)o["rotationPeriodInDays"] ?? LocalKeyStore.DefaultRotationPeriodInDays,
                NextRotationDate = (string?)o["nextRotationDate"] is { } next ? DateTimeOffset.Parse(next, CultureInfo.InvariantCulture) : null,
                MinimumDecryptionVersion = (int?)o["minimumDecryptionVersion"] ?? 1,
                Exportable = (bool?)o["exportable"] ?? false,
                KeyNamespace = (string?)o["keyNamespace"] ?? throw new JsonException("no 'keyNamespace'"),
                Creator = (string?)o["creator"] ?? "",
                Policy = (string?)o["policy"],
                Versions = versions,
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException or InvalidOperationException or OverflowException)
        {
            throw Invalid($"The text is not a key package of Export-EncKey: {ex.Message}", ex);
        }
    }

    internal static KeyStoreException Invalid(string message, Exception? inner = null) =>
        new(StoreErrorIds.KeyPackageInvalid, EngineErrorCategory.InvalidData, message, inner);
}

/// <summary>One version of a moved key: AES material, or the RSA key pair as PEM.</summary>
public sealed record EncKeyPackageVersion(
    int Version,
    string KeyName,
    DateTimeOffset CreationDate,
    RotationType RotationType,
    byte[]? KeyMaterial,
    string? PrivateKeyPem,
    string? PublicKeyPem);
