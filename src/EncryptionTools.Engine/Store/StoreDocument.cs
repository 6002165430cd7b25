using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EncryptionTools.Engine.Store;

// The encrypted content of the store (keys.dat): every key, version, alias, policy, grant and lifecycle record.
// Never written in plaintext; see StoreFiles for the sealing.

internal sealed class StoreDocument
{
    public int SchemaVersion { get; set; } = StoreSchema.CurrentDataVersion;
    public string StoreId { get; set; } = "";
    /// <summary>Incremented by every write: a cheap way to see that something changed.</summary>
    public long Revision { get; set; }
    public DateTimeOffset CreationDate { get; set; }
    public DateTimeOffset LastModifiedDate { get; set; }
    /// <summary>The principal who created the store (the "store owner" of the default key policy): user:name, or a bare
    /// name in stores made before principals (read as user:name).</summary>
    public string Owner { get; set; } = "";
    public List<KeyRecord> Keys { get; set; } = [];
    public List<AliasRecord> Aliases { get; set; } = [];
    /// <summary>Keys whose material was destroyed after their deletion window: id, dates and lifecycle history only.</summary>
    public List<DeletedKeyRecord> DeletedKeys { get; set; } = [];
    /// <summary>Every grant of the store, as <see cref="Access.GrantSet.ToJson"/> writes it (encrypted with the rest).</summary>
    public string? Grants { get; set; }
    /// <summary>The audit log's last record when this document was saved: the log can never end before it, so deleting or
    /// cutting the log is detected even without its head. Sealed with the rest, so no one without the root key can move it.</summary>
    public AuditAnchorRecord? AuditAnchor { get; set; }

    /// <summary>
    /// The audit log's HMAC key, sealed with the rest so that it survives a change of root key. Stores made before it
    /// was kept here derived it from their root key: a document without one gets that derivation when read (from the
    /// root key that sealed it) and keeps it from its next write.
    /// </summary>
    public byte[]? AuditKey { get; set; }

    /// <summary>Set once the key material was zeroed: a keyring is never built from a wiped document.</summary>
    [JsonIgnore] public bool Wiped { get; private set; }

    public void ZeroMaterial()
    {
        Wiped = true;
        foreach (var key in Keys) key.ZeroMaterial();
        if (AuditKey is not null) CryptographicOperations.ZeroMemory(AuditKey);
    }
}

internal sealed class AuditAnchorRecord
{
    public long Sequence { get; set; }
    public string Hash { get; set; } = "";
}

internal sealed class KeyRecord
{
    public string KeyId { get; set; } = "";
    public string Description { get; set; } = "";
    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);
    public KeyState KeyState { get; set; }
    public KeySpec KeySpec { get; set; }
    public KeyUsage KeyUsage { get; set; }
    public KeyOrigin Origin { get; set; }
    public KeyManager KeyManager { get; set; }
    public DateTimeOffset CreationDate { get; set; }
    public DateTimeOffset? DeletionDate { get; set; }
    public int? PendingDeletionWindowInDays { get; set; }
    public bool RotationEnabled { get; set; }
    public int RotationPeriodInDays { get; set; } = LocalKeyStore.DefaultRotationPeriodInDays;
    public DateTimeOffset? NextRotationDate { get; set; }
    public int MinimumDecryptionVersion { get; set; } = 1;
    public bool Exportable { get; set; }
    public string KeyNamespace { get; set; } = LocalKeyStore.DefaultKeyNamespace;
    public string Creator { get; set; } = "";
    /// <summary>The key policy as given; null means the default policy (creator and store owner have full control),
    /// rendered from <see cref="Creator"/> and the store owner when read, which keeps every default key small.</summary>
    public string? Policy { get; set; }
    /// <summary>Unused: grants live in <see cref="StoreDocument.Grants"/>; kept so older documents still read.</summary>
    public List<JsonObject> Grants { get; set; } = [];
    public List<KeyVersionRecord> Versions { get; set; } = [];
    public List<LifecycleRecord> History { get; set; } = [];

    [JsonIgnore] public KeyVersionRecord Current => Versions[^1];
    [JsonIgnore] public int CurrentVersion => Versions.Count == 0 ? 0 : Versions[^1].Version;

    public void ZeroMaterial()
    {
        foreach (var version in Versions) version.ZeroMaterial();
    }
}

internal sealed class KeyVersionRecord
{
    public int Version { get; set; }
    public string KeyName { get; set; } = "";
    public DateTimeOffset CreationDate { get; set; }
    public RotationType RotationType { get; set; }
    /// <summary>SYMMETRIC_DEFAULT: the 32-byte AES key.</summary>
    public byte[]? Material { get; set; }
    /// <summary>RSA: PKCS#8 private key.</summary>
    public byte[]? PrivateKey { get; set; }
    /// <summary>RSA: SubjectPublicKeyInfo.</summary>
    public byte[]? PublicKey { get; set; }

    public void ZeroMaterial()
    {
        if (Material is not null) CryptographicOperations.ZeroMemory(Material);
        if (PrivateKey is not null) CryptographicOperations.ZeroMemory(PrivateKey);
    }
}

internal sealed class AliasRecord
{
    public string AliasName { get; set; } = "";
    public string KeyId { get; set; } = "";
    public DateTimeOffset CreationDate { get; set; }
    public DateTimeOffset LastUpdatedDate { get; set; }
}

/// <summary>One lifecycle event in a key's history (creation, state changes, rotations, exports, destruction).</summary>
internal sealed class LifecycleRecord
{
    public DateTimeOffset Date { get; set; }
    public string Event { get; set; } = "";
    public int? Version { get; set; }
    public string? Detail { get; set; }
    public string User { get; set; } = "";
}

internal sealed class DeletedKeyRecord
{
    public string KeyId { get; set; } = "";
    public string KeyNamespace { get; set; } = "";
    public DateTimeOffset CreationDate { get; set; }
    public DateTimeOffset DeletionDate { get; set; }
    public int Versions { get; set; }
    public List<string> KeyNames { get; set; } = [];
    public List<LifecycleRecord> History { get; set; } = [];
}

/// <summary>Schema versions and the migrations between them.</summary>
internal static class StoreSchema
{
    /// <summary>The descriptor's (store.json) schema: 2 adds AwsKms protection (a descriptor in another mode is still written as 1).</summary>
    public const int CurrentDescriptorVersion = 2;
    /// <summary>The encrypted data's (keys.dat) schema; it is also authenticated (in the AAD).</summary>
    public const int CurrentDataVersion = 1;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
        // Never embedded in HTML: escaping quotes as \u0022 would only double the size of every policy.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // Generated metadata and enums as names: no reflection at run time, which works in the Native AOT CLI. Reads go
        // through StoreJsonReader, to the same rules, without building this metadata.
        TypeInfoResolver = StoreJsonContext.Default,
        Converters =
        {
            new StoreEnumConverter<KeyState>(), new StoreEnumConverter<KeySpec>(), new StoreEnumConverter<KeyUsage>(),
            new StoreEnumConverter<KeyOrigin>(), new StoreEnumConverter<KeyManager>(), new StoreEnumConverter<RotationType>(),
            new StoreEnumConverter<StoreProtection>(),
        },
    };

    /// <summary>The data document's metadata under <see cref="Json"/>, for writes (reads use <see cref="StoreJsonReader"/>).</summary>
    internal static readonly JsonTypeInfo<StoreDocument> DocumentInfo = TypeInfo<StoreDocument>(Json);

    internal static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    /// <summary>
    /// Migrations of the data document: entry n turns a version-n document into version n+1. Add one per schema change
    /// and raise <see cref="CurrentDataVersion"/>; an older store is migrated in memory on read and written in the new
    /// schema by its next write.
    /// </summary>
    internal static readonly Dictionary<int, Action<JsonObject>> DataMigrations = new()
    {
        // [1] = doc => { ... doc["schemaVersion"] = 2; },
    };

    public static StoreDocument ParseData(ReadOnlySpan<byte> utf8, int version, string location)
    {
        if (version > CurrentDataVersion)
            throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidData,
                $"The key store '{location}' has data schema version {version}, newer than this module understands ({CurrentDataVersion}). Update the EncryptionTools module.");
        StoreDocument? doc;
        try
        {
            if (version == CurrentDataVersion)
            {
                doc = StoreJsonReader.ReadDocument(utf8);
            }
            else
            {
                var node = JsonNode.Parse(utf8)!.AsObject();
                for (var v = version; v < CurrentDataVersion; v++)
                {
                    if (!DataMigrations.TryGetValue(v, out var migrate))
                        throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidData,
                            $"The key store '{location}' has data schema version {version}, which this module cannot migrate.");
                    migrate(node);
                }
                doc = node.Deserialize(DocumentInfo);
            }
        }
        catch (JsonException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The key store '{location}' decrypted but its content is not valid: {ex.Message}", ex);
        }
        if (doc is null)
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData, $"The key store '{location}' is empty.");
        doc.SchemaVersion = CurrentDataVersion;
        return doc;
    }
}

/// <summary>Source-generated serialization metadata of the store's documents.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoreDocument))]
[JsonSerializable(typeof(StoreDescriptor))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
