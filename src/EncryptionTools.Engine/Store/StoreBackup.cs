using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Engine.Store;

/// <summary>Whom a store backup is encrypted to: a password, RSA public keys (of a key in the target's store), or both.</summary>
public sealed record StoreBackupProtection
{
    /// <summary>The caller owns the array and should clear it afterwards.</summary>
    public char[]? Password { get; init; }
    public int? PasswordIterations { get; init; }
    /// <summary>RSA public keys (PEM): the store holding the private key restores the backup.</summary>
    public IReadOnlyList<string> RecipientPems { get; init; } = [];
}

/// <summary>How to open a backup and protect the restored store.</summary>
public sealed record StoreRestoreRequest
{
    /// <summary>The backup's password, when it has one. The caller owns the array.</summary>
    public char[]? Password { get; init; }
    /// <summary>Keyrings that may open the backup (the decrypt keyring of a store holding a recipient's private key).</summary>
    public IReadOnlyList<IKeyring> Keyrings { get; init; } = [];
    /// <summary>The protection of the restored store's new root key (default: the platform default).</summary>
    public ProtectionChange Protection { get; init; } = new();
}

/// <summary>What Backup-EncKeyStore wrote (or Restore-EncKeyStore read).</summary>
public sealed record StoreBackupInfo
{
    public string? Path { get; init; }
    public required string StoreId { get; init; }
    public DateTimeOffset BackupDate { get; init; }
    public int KeyCount { get; init; }
    public int AliasCount { get; init; }
    public int AuditFileCount { get; init; }
    public long Bytes { get; init; }
    /// <summary>Password, Recipient, or Password+Recipient.</summary>
    public required string Protection { get; init; }
}

/// <summary>
/// The backup format: an AWS Encryption SDK message (suite 0x0478, the files' format) whose plaintext is a JSON
/// document holding the store's decrypted data document and its audit log files. A password wraps the data key through
/// a raw AES keyring whose key is PBKDF2-HMAC-SHA512 of the password (salt and count in the authenticated encryption
/// context); RSA recipients wrap it as for files. No new cryptography: the message format authenticates everything.
/// </summary>
internal static class StoreBackupFormat
{
    public const string FormatName = "EncryptionTools.StoreBackup";
    public const int FormatVersion = 1;
    public const string ContextKind = "enctools:backup";
    public const string ContextKindValue = "store/v1";
    public const string ContextStoreId = "enctools:store-id";
    public const string ContextSalt = "enctools:backup-salt";
    public const string ContextIterations = "enctools:backup-iterations";
    public const string PasswordNamespace = "enctools-backup";
    public const string PasswordKeyName = "password-pbkdf2-sha512";

    public sealed record Payload(string StoreId, DateTimeOffset BackupDate, string SourceLocation, byte[] Document, int DocumentVersion,
        IReadOnlyList<(string Name, byte[] Content)> AuditFiles);

    public static byte[] Serialize(Payload payload)
    {
        var files = new JsonArray();
        foreach (var (name, content) in payload.AuditFiles) files.Add((JsonNode)new JsonObject { ["name"] = name, ["content"] = Convert.ToBase64String(content) });
        var json = new JsonObject
        {
            ["format"] = FormatName,
            ["formatVersion"] = FormatVersion,
            ["storeId"] = payload.StoreId,
            ["backupDate"] = payload.BackupDate.ToString("O", CultureInfo.InvariantCulture),
            ["sourceLocation"] = payload.SourceLocation,
            ["documentVersion"] = payload.DocumentVersion,
            ["document"] = Convert.ToBase64String(payload.Document),
            ["auditFiles"] = files,
        };
        return JsonSerializer.SerializeToUtf8Bytes(json, JsonNodeContext.Default.JsonObject);
    }

    public static Payload Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var o = JsonNode.Parse(Encoding.UTF8.GetString(utf8))!.AsObject();
            if ((string?)o["format"] != FormatName) throw new JsonException("not a store backup");
            if ((int?)o["formatVersion"] != FormatVersion) throw new JsonException($"format version {(int?)o["formatVersion"]} is not {FormatVersion}");
            var files = new List<(string, byte[])>();
            foreach (var f in o["auditFiles"]!.AsArray())
            {
                var name = (string)f!["name"]!;
                if (name != Path.GetFileName(name) || name.StartsWith('.') || !(name.StartsWith(Audit.AuditLog.FilePrefix, StringComparison.Ordinal) || name == Audit.AuditLog.HeadFileName))
                    throw new JsonException($"'{UntrustedText.Neutralize(name, 64)}' is not an audit log file name");
                files.Add((name, Convert.FromBase64String((string)f["content"]!)));
            }
            return new Payload((string)o["storeId"]!, DateTimeOffset.Parse((string)o["backupDate"]!, CultureInfo.InvariantCulture),
                (string?)o["sourceLocation"] ?? "", Convert.FromBase64String((string)o["document"]!), (int)o["documentVersion"]!, files);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NullReferenceException or KeyNotFoundException)
        {
            throw Invalid($"The backup decrypted, but its content is not a store backup this module reads: {ex.Message}", ex);
        }
    }

    /// <summary>Encrypts <paramref name="plaintext"/> to <paramref name="output"/> for the password and recipients.</summary>
    public static void Encrypt(byte[] plaintext, Stream output, string storeId, StoreBackupProtection protection, int minimumIterations)
    {
        var context = new Dictionary<string, string>(StringComparer.Ordinal) { [ContextKind] = ContextKindValue, [ContextStoreId] = storeId };
        var keyrings = new List<IKeyring>();
        try
        {
            if (protection.Password is { } password)
            {
                if (password.Length == 0 || password.All(char.IsWhiteSpace))
                    throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired, "The backup password cannot be empty or only white space.");
                var iterations = protection.PasswordIterations ?? minimumIterations;
                if (iterations < minimumIterations || iterations > LocalKeyStore.MaxPasswordIterations)
                    throw new KeyStoreException(StoreErrorIds.InvalidArgument, EngineErrorCategory.InvalidArgument,
                        $"The password iteration count must be from {minimumIterations:N0} to {LocalKeyStore.MaxPasswordIterations:N0}.");
                var salt = RandomNumberGenerator.GetBytes(32);
                context[ContextSalt] = Convert.ToBase64String(salt);
                context[ContextIterations] = iterations.ToString(CultureInfo.InvariantCulture);
                var kek = StoreFiles.DeriveKek(password, salt, iterations);
                try { keyrings.Add(new RawAesKeyring(PasswordNamespace, PasswordKeyName, kek)); }
                finally { CryptographicOperations.ZeroMemory(kek); }
            }
            foreach (var pem in protection.RecipientPems) keyrings.Add(RsaRecipient.FromPem(pem));
            if (keyrings.Count == 0)
                throw new KeyStoreException(StoreErrorIds.InvalidArgument, EngineErrorCategory.InvalidArgument,
                    "A backup needs a password or a recipient's public key to be encrypted to.");
            MessageEncryptor.Encrypt(new MemoryStream(plaintext, writable: false), output, keyrings, new EncryptOptions { EncryptionContext = context });
        }
        finally
        {
            foreach (var k in keyrings) (k as IDisposable)?.Dispose();
        }
    }

    /// <summary>Decrypts a backup (whole, authenticated) with the password and keyrings given; the caller zeroes the result.</summary>
    public static byte[] Decrypt(Stream input, StoreRestoreRequest request, int minimumIterations)
    {
        if (!input.CanSeek)
        {
            var copy = new MemoryStream();
            input.CopyTo(copy);
            copy.Position = 0;
            input = copy;
        }
        var start = input.Position;
        MessageHeader header;
        try { header = MessageHeader.Read(input); }
        catch (EncryptionToolsException ex)
        {
            throw Invalid($"This is not a key store backup: {ex.Message}", ex);
        }
        input.Position = start;
        if (!header.EncryptionContext.TryGetValue(ContextKind, out var kind) || kind != ContextKindValue)
            throw Invalid("This is an encrypted file, but not a key store backup of Backup-EncKeyStore.");
        var keyrings = new List<IKeyring>(request.Keyrings);
        RawAesKeyring? passwordKeyring = null;
        if (request.Password is { Length: > 0 } password && header.EncryptionContext.TryGetValue(ContextSalt, out var saltText)
            && header.EncryptionContext.TryGetValue(ContextIterations, out var iterationsText))
        {
            if (!int.TryParse(iterationsText, NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
                || iterations < minimumIterations || iterations > LocalKeyStore.MaxPasswordIterations)
                throw Invalid("The backup's password iteration count is out of range.");
            byte[] salt;
            try { salt = Convert.FromBase64String(saltText); }
            catch (FormatException ex) { throw Invalid("The backup's password salt is not base64.", ex); }
            var kek = StoreFiles.DeriveKek(password, salt, iterations);
            try { keyrings.Insert(0, passwordKeyring = new RawAesKeyring(PasswordNamespace, PasswordKeyName, kek)); }
            finally { CryptographicOperations.ZeroMemory(kek); }
        }
        if (keyrings.Count == 0)
            throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired,
                header.EncryptionContext.ContainsKey(ContextSalt)
                    ? "This backup is protected by a password: give it (-Password, or --password-stdin)."
                    : "This backup is encrypted to RSA keys only: name the key store that holds one of their private keys (-KeyStorePath, --key-store).");
        var plaintext = new MemoryStream();
        try
        {
            MessageDecryptor.Decrypt(input, plaintext, keyrings, new DecryptOptions
            {
                RequiredEncryptionContext = new Dictionary<string, string> { [ContextKind] = ContextKindValue },
            });
            return plaintext.ToArray();
        }
        catch (NoDecryptableKeyException ex)
        {
            throw Invalid("The backup did not open with the password or keys given: a wrong password, or a key that is not one of its recipients. " + ex.Message, ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext.GetBuffer());
            passwordKeyring?.Dispose();
        }
    }

    public static KeyStoreException Invalid(string message, Exception? inner = null) =>
        new(StoreErrorIds.BackupInvalid, EngineErrorCategory.InvalidData, message, inner);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class JsonNodeContext : System.Text.Json.Serialization.JsonSerializerContext;
