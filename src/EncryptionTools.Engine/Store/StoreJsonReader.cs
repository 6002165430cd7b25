using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Reads the store's two documents, the sealed data (keys.dat) and the descriptor (store.json), with a
/// <see cref="Utf8JsonReader"/> and to the rules System.Text.Json applies with <see cref="StoreSchema.Json"/>: camelCase
/// names matched exactly, unknown properties skipped, the last of a repeated property wins, null only for reference and
/// nullable types, numbers only as numbers, dates in ISO 8601, bytes in base64, enums as <see cref="StoreEnumConverter{T}"/>
/// reads them. Why not the serializer: its metadata for these types is generic code over each value type, which no
/// precompiled image holds, so a process's first store read (every session's first command) compiled some two hundred
/// methods before it could parse a byte. Writes still use the serializer; a test holds both readers to the same results.
/// </summary>
internal static class StoreJsonReader
{
    private delegate T ItemReader<out T>(ref Utf8JsonReader reader);

    /// <summary>The data document, or null for a JSON null. Throws <see cref="JsonException"/> for anything else invalid.</summary>
    public static StoreDocument? ReadDocument(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        try
        {
            Next(ref reader);
            var doc = reader.TokenType == JsonTokenType.Null ? null : Document(ref reader);
            End(ref reader);
            return doc;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw new JsonException(ex.Message, ex);
        }
    }

    /// <summary>The descriptor, or null for a JSON null. Throws <see cref="JsonException"/> for anything else invalid.</summary>
    public static StoreDescriptor? ReadDescriptor(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        try
        {
            Next(ref reader);
            var descriptor = reader.TokenType == JsonTokenType.Null ? null : Descriptor(ref reader);
            End(ref reader);
            return descriptor;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw new JsonException(ex.Message, ex);
        }
    }

    private static StoreDocument Document(ref Utf8JsonReader r)
    {
        var d = new StoreDocument();
        StartObject(ref r, nameof(StoreDocument));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "schemaVersion": d.SchemaVersion = Int(ref r); break;
                case "storeId": d.StoreId = Text(ref r)!; break;
                case "revision": d.Revision = Long(ref r); break;
                case "creationDate": d.CreationDate = Date(ref r); break;
                case "lastModifiedDate": d.LastModifiedDate = Date(ref r); break;
                case "owner": d.Owner = Text(ref r)!; break;
                case "keys": d.Keys = ListOf(ref r, Key)!; break;
                case "aliases": d.Aliases = ListOf(ref r, Alias)!; break;
                case "deletedKeys": d.DeletedKeys = ListOf(ref r, DeletedKey)!; break;
                case "grants": d.Grants = Text(ref r); break;
                case "auditAnchor": d.AuditAnchor = r.TokenType == JsonTokenType.Null ? null : AuditAnchor(ref r); break;
                case "auditKey": d.AuditKey = Bytes(ref r); break;
                default: r.Skip(); break;
            }
        }
        return d;
    }

    private static AuditAnchorRecord AuditAnchor(ref Utf8JsonReader r)
    {
        var a = new AuditAnchorRecord();
        StartObject(ref r, nameof(AuditAnchorRecord));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "sequence": a.Sequence = Long(ref r); break;
                case "hash": a.Hash = Text(ref r)!; break;
                default: r.Skip(); break;
            }
        }
        return a;
    }

    private static KeyRecord Key(ref Utf8JsonReader r)
    {
        var k = new KeyRecord();
        StartObject(ref r, nameof(KeyRecord));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "keyId": k.KeyId = Text(ref r)!; break;
                case "description": k.Description = Text(ref r)!; break;
                case "tags": k.Tags = Tags(ref r)!; break;
                case "keyState": k.KeyState = (KeyState)Member(ref r, typeof(KeyState)); break;
                case "keySpec": k.KeySpec = (KeySpec)Member(ref r, typeof(KeySpec)); break;
                case "keyUsage": k.KeyUsage = (KeyUsage)Member(ref r, typeof(KeyUsage)); break;
                case "origin": k.Origin = (KeyOrigin)Member(ref r, typeof(KeyOrigin)); break;
                case "keyManager": k.KeyManager = (KeyManager)Member(ref r, typeof(KeyManager)); break;
                case "creationDate": k.CreationDate = Date(ref r); break;
                case "deletionDate": k.DeletionDate = NullableDate(ref r); break;
                case "pendingDeletionWindowInDays": k.PendingDeletionWindowInDays = NullableInt32(ref r); break;
                case "rotationEnabled": k.RotationEnabled = Bool(ref r); break;
                case "rotationPeriodInDays": k.RotationPeriodInDays = Int(ref r); break;
                case "nextRotationDate": k.NextRotationDate = NullableDate(ref r); break;
                case "minimumDecryptionVersion": k.MinimumDecryptionVersion = Int(ref r); break;
                case "exportable": k.Exportable = Bool(ref r); break;
                case "keyNamespace": k.KeyNamespace = Text(ref r)!; break;
                case "creator": k.Creator = Text(ref r)!; break;
                case "policy": k.Policy = Text(ref r); break;
                case "grants": k.Grants = ListOf(ref r, LegacyGrant)!; break;
                case "versions": k.Versions = ListOf(ref r, KeyVersion)!; break;
                case "history": k.History = ListOf(ref r, Lifecycle)!; break;
                default: r.Skip(); break;
            }
        }
        return k;
    }

    private static KeyVersionRecord KeyVersion(ref Utf8JsonReader r)
    {
        var v = new KeyVersionRecord();
        StartObject(ref r, nameof(KeyVersionRecord));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "version": v.Version = Int(ref r); break;
                case "keyName": v.KeyName = Text(ref r)!; break;
                case "creationDate": v.CreationDate = Date(ref r); break;
                case "rotationType": v.RotationType = (RotationType)Member(ref r, typeof(RotationType)); break;
                case "material": v.Material = Bytes(ref r); break;
                case "privateKey": v.PrivateKey = Bytes(ref r); break;
                case "publicKey": v.PublicKey = Bytes(ref r); break;
                default: r.Skip(); break;
            }
        }
        return v;
    }

    private static AliasRecord Alias(ref Utf8JsonReader r)
    {
        var a = new AliasRecord();
        StartObject(ref r, nameof(AliasRecord));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "aliasName": a.AliasName = Text(ref r)!; break;
                case "keyId": a.KeyId = Text(ref r)!; break;
                case "creationDate": a.CreationDate = Date(ref r); break;
                case "lastUpdatedDate": a.LastUpdatedDate = Date(ref r); break;
                default: r.Skip(); break;
            }
        }
        return a;
    }

    private static LifecycleRecord Lifecycle(ref Utf8JsonReader r)
    {
        var e = new LifecycleRecord();
        StartObject(ref r, nameof(LifecycleRecord));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "date": e.Date = Date(ref r); break;
                case "event": e.Event = Text(ref r)!; break;
                case "version": e.Version = NullableInt32(ref r); break;
                case "detail": e.Detail = Text(ref r); break;
                case "user": e.User = Text(ref r)!; break;
                default: r.Skip(); break;
            }
        }
        return e;
    }

    private static DeletedKeyRecord DeletedKey(ref Utf8JsonReader r)
    {
        var k = new DeletedKeyRecord();
        StartObject(ref r, nameof(DeletedKeyRecord));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "keyId": k.KeyId = Text(ref r)!; break;
                case "keyNamespace": k.KeyNamespace = Text(ref r)!; break;
                case "creationDate": k.CreationDate = Date(ref r); break;
                case "deletionDate": k.DeletionDate = Date(ref r); break;
                case "versions": k.Versions = Int(ref r); break;
                case "keyNames": k.KeyNames = ListOf(ref r, TextItem)!; break;
                case "history": k.History = ListOf(ref r, Lifecycle)!; break;
                default: r.Skip(); break;
            }
        }
        return k;
    }

    /// <summary>The grants list of stores made before grants moved to the document: kept as JSON, never interpreted.</summary>
    private static JsonObject LegacyGrant(ref Utf8JsonReader r) =>
        JsonNode.Parse(ref r) as JsonObject ?? throw Mismatch(ref r, "an object");

    private static StoreDescriptor Descriptor(ref Utf8JsonReader r)
    {
        var d = new StoreDescriptor();
        StartObject(ref r, nameof(StoreDescriptor));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "format": d.Format = Text(ref r)!; break;
                case "schemaVersion": d.SchemaVersion = Int(ref r); break;
                case "storeId": d.StoreId = Text(ref r)!; break;
                case "protection": d.Protection = (StoreProtection)Member(ref r, typeof(StoreProtection)); break;
                case "creationDate": d.CreationDate = Date(ref r); break;
                case "rootKeyCheck": d.RootKeyCheck = Text(ref r)!; break;
                case "dpapi": d.Dpapi = r.TokenType == JsonTokenType.Null ? null : Dpapi(ref r); break;
                case "password": d.Password = r.TokenType == JsonTokenType.Null ? null : Password(ref r); break;
                case "awsKms": d.AwsKms = r.TokenType == JsonTokenType.Null ? null : AwsKms(ref r); break;
                case "previousRoot": d.PreviousRoot = r.TokenType == JsonTokenType.Null ? null : PreviousRoot(ref r); break;
                default: r.Skip(); break;
            }
        }
        return d;
    }

    private static StoreDescriptor.DpapiWrap Dpapi(ref Utf8JsonReader r)
    {
        var w = new StoreDescriptor.DpapiWrap();
        StartObject(ref r, nameof(StoreDescriptor.DpapiWrap));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "scope": w.Scope = Text(ref r)!; break;
                case "blob": w.Blob = Bytes(ref r)!; break;
                default: r.Skip(); break;
            }
        }
        return w;
    }

    private static StoreDescriptor.PasswordWrap Password(ref Utf8JsonReader r)
    {
        var w = new StoreDescriptor.PasswordWrap();
        StartObject(ref r, nameof(StoreDescriptor.PasswordWrap));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "kdf": w.Kdf = Text(ref r)!; break;
                case "iterations": w.Iterations = Int(ref r); break;
                case "salt": w.Salt = Bytes(ref r)!; break;
                case "wrap": w.Wrap = Text(ref r)!; break;
                case "nonce": w.Nonce = Bytes(ref r)!; break;
                case "wrappedKey": w.WrappedKey = Bytes(ref r)!; break;
                default: r.Skip(); break;
            }
        }
        return w;
    }

    private static StoreDescriptor.AwsKmsWrap AwsKms(ref Utf8JsonReader r)
    {
        var w = new StoreDescriptor.AwsKmsWrap();
        StartObject(ref r, nameof(StoreDescriptor.AwsKmsWrap));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "keyId": w.KeyId = Text(ref r)!; break;
                case "keyArn": w.KeyArn = Text(ref r); break;
                case "wrappedKey": w.WrappedKey = Bytes(ref r)!; break;
                default: r.Skip(); break;
            }
        }
        return w;
    }

    private static StoreDescriptor.PreviousRootWrap PreviousRoot(ref Utf8JsonReader r)
    {
        var w = new StoreDescriptor.PreviousRootWrap();
        StartObject(ref r, nameof(StoreDescriptor.PreviousRootWrap));
        while (NextProperty(ref r, out var name))
        {
            switch (name)
            {
                case "nonce": w.Nonce = Bytes(ref r)!; break;
                case "wrappedKey": w.WrappedKey = Bytes(ref r)!; break;
                default: r.Skip(); break;
            }
        }
        return w;
    }

    // Values. Each starts on its token and leaves the reader on the value's last token.

    private static string? Text(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => r.GetString(),
        _ => throw Mismatch(ref r, "a string"),
    };

    private static string TextItem(ref Utf8JsonReader r) => Text(ref r)!;

    private static int Int(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var value) ? value : throw Mismatch(ref r, "a 32-bit integer");

    private static int? NullableInt32(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : Int(ref r);

    private static long Long(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var value) ? value : throw Mismatch(ref r, "a 64-bit integer");

    private static bool Bool(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Mismatch(ref r, "true or false"),
    };

    private static DateTimeOffset Date(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String && r.TryGetDateTimeOffset(out var value) ? value : throw Mismatch(ref r, "an ISO 8601 date");

    private static DateTimeOffset? NullableDate(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : Date(ref r);

    private static byte[]? Bytes(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String when r.TryGetBytesFromBase64(out var value) => value,
        _ => throw Mismatch(ref r, "base64 bytes"),
    };

    /// <summary>An enum of the store's documents: a member's name in any case, or any 32-bit number (what the serializer's
    /// string enum converter read; <see cref="StoreEnumConverter{T}"/> reads through this too). By <see cref="Type"/>
    /// rather than generically, as generic enum code over these types would be compiled at run time.</summary>
    internal static int Member(ref Utf8JsonReader r, Type type)
    {
        if (r.TokenType == JsonTokenType.String)
        {
            var text = r.GetString();
            var names = Enum.GetNames(type);
            for (var i = 0; i < names.Length; i++)
            {
                if (string.Equals(names[i], text, StringComparison.OrdinalIgnoreCase))
                    return Convert.ToInt32(Enum.Parse(type, names[i]), CultureInfo.InvariantCulture);
            }
        }
        else if (r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var number))
        {
            return number;
        }
        throw Mismatch(ref r, $"a {type.Name} value");
    }

    private static Dictionary<string, string>? Tags(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        StartObject(ref r, "tags");
        while (NextProperty(ref r, out var name)) tags[name] = Text(ref r)!;
        return tags;
    }

    private static List<T>? ListOf<T>(ref Utf8JsonReader r, ItemReader<T> item) where T : class
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        if (r.TokenType != JsonTokenType.StartArray) throw Mismatch(ref r, "an array");
        var list = new List<T>();
        while (true)
        {
            Next(ref r);
            if (r.TokenType == JsonTokenType.EndArray) return list;
            list.Add(r.TokenType == JsonTokenType.Null ? null! : item(ref r));
        }
    }

    // Structure.

    private static void Next(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new JsonException("The JSON ends early.");
    }

    private static void End(ref Utf8JsonReader r)
    {
        // Anything but white space after the value makes Read throw.
        if (r.Read()) throw new JsonException("The JSON has more than one value.");
    }

    private static void StartObject(ref Utf8JsonReader r, string what)
    {
        if (r.TokenType != JsonTokenType.StartObject) throw Mismatch(ref r, $"an object ({what})");
    }

    /// <summary>Moves to the next property's value and names it; false at the end of the object.</summary>
    private static bool NextProperty(ref Utf8JsonReader r, out string name)
    {
        Next(ref r);
        if (r.TokenType == JsonTokenType.EndObject)
        {
            name = "";
            return false;
        }
        name = r.GetString()!;
        Next(ref r);
        return true;
    }

    private static JsonException Mismatch(ref Utf8JsonReader r, string expected) =>
        new($"Expected {expected} at byte {r.TokenStartIndex.ToString(CultureInfo.InvariantCulture)}, found {r.TokenType}.");
}
