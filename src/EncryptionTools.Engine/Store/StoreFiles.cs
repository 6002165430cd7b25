using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EncryptionTools.Engine.IO;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The plaintext descriptor (store.json): schema version, store id, root-key protection and the wrapped root key.
/// No key material in the clear and no metadata about keys.
/// </summary>
internal sealed class StoreDescriptor
{
    public const string FormatName = "EncryptionTools.KeyStore";
    public string Format { get; set; } = FormatName;
    public int SchemaVersion { get; set; } = StoreSchema.CurrentDescriptorVersion;
    public string StoreId { get; set; } = "";
    public StoreProtection Protection { get; set; }
    public DateTimeOffset CreationDate { get; set; }
    /// <summary>A 16-byte HKDF output of the root key: tells a wrong root key file or password from damaged data.</summary>
    public string RootKeyCheck { get; set; } = "";
    public DpapiWrap? Dpapi { get; set; }
    public PasswordWrap? Password { get; set; }
    public AwsKmsWrap? AwsKms { get; set; }
    /// <summary>
    /// Present only while the root key is being replaced: the previous root key, wrapped under the new one, so the data
    /// file still opens if a crash comes after this descriptor and before the data is re-sealed. Removed right after.
    /// </summary>
    public PreviousRootWrap? PreviousRoot { get; set; }

    public sealed class PreviousRootWrap
    {
        public byte[] Nonce { get; set; } = [];
        /// <summary>The previous root key followed by the 16-byte tag.</summary>
        public byte[] WrappedKey { get; set; } = [];
    }

    public sealed class DpapiWrap
    {
        public string Scope { get; set; } = "CurrentUser";
        public byte[] Blob { get; set; } = [];
    }

    public sealed class PasswordWrap
    {
        public string Kdf { get; set; } = "PBKDF2-HMAC-SHA512";
        public int Iterations { get; set; }
        public byte[] Salt { get; set; } = [];
        public string Wrap { get; set; } = "AES-256-GCM";
        public byte[] Nonce { get; set; } = [];
        /// <summary>Encrypted root key followed by the 16-byte tag.</summary>
        public byte[] WrappedKey { get; set; } = [];
    }

    /// <summary>
    /// AwsKms mode: the root key as KMS encrypted it (kms:Encrypt, encryption context <see cref="KmsRootKeyProtector.StoreIdContextKey"/>
    /// = the store id). Names the key and holds KMS's ciphertext blob only: nothing here opens without KMS.
    /// </summary>
    public sealed class AwsKmsWrap
    {
        /// <summary>The key ARN or alias ARN as the user gave it.</summary>
        public string KeyId { get; set; } = "";
        /// <summary>The key ARN KMS reported for the wrap (an alias resolved then); the root key is unwrapped with it.</summary>
        public string? KeyArn { get; set; }
        /// <summary>KMS's ciphertext blob (base64 in the file).</summary>
        public byte[] WrappedKey { get; set; } = [];
    }

    /// <summary>The serializer's metadata, built on the first write only (reads use <see cref="StoreJsonReader"/>).</summary>
    private static class Writer
    {
        internal static readonly JsonTypeInfo<StoreDescriptor> Info = StoreSchema.TypeInfo<StoreDescriptor>(new(StoreSchema.Json) { WriteIndented = true });
    }

    /// <summary>Written as schema 1 unless it needs 2 (AwsKms protection), so a module that predates AwsKms still opens the
    /// other stores and refuses a KMS-protected one as too new rather than as corrupt.</summary>
    public byte[] Serialize()
    {
        SchemaVersion = Protection == StoreProtection.AwsKms ? StoreSchema.CurrentDescriptorVersion : 1;
        return JsonSerializer.SerializeToUtf8Bytes(this, Writer.Info);
    }

    public static StoreDescriptor Parse(byte[] utf8, string location)
    {
        StoreDescriptor? descriptor;
        try { descriptor = StoreJsonReader.ReadDescriptor(utf8); }
        catch (JsonException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The key store descriptor '{Path.Combine(location, StoreFiles.DescriptorFile)}' is not valid JSON: {ex.Message}", ex);
        }
        if (descriptor is null || descriptor.Format != FormatName || string.IsNullOrEmpty(descriptor.StoreId))
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"'{Path.Combine(location, StoreFiles.DescriptorFile)}' is not an EncryptionTools key store descriptor.");
        if (descriptor.SchemaVersion > StoreSchema.CurrentDescriptorVersion)
            throw new KeyStoreException(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidData,
                $"The key store '{location}' has descriptor schema version {descriptor.SchemaVersion}, newer than this module understands ({StoreSchema.CurrentDescriptorVersion}). Update the EncryptionTools module.");
        // Descriptor migrations go here when the descriptor schema changes.
        descriptor.SchemaVersion = StoreSchema.CurrentDescriptorVersion;
        return descriptor;
    }
}

/// <summary>File names, the sealing of the data file, and the root-key derivations.</summary>
internal static class StoreFiles
{
    public const string DescriptorFile = "store.json";
    public const string DataFile = "keys.dat";
    public const string RootKeyFile = "root.key";
    public const string LockFile = ".lock";
    /// <summary>Present while a store is being created; a store without a descriptor but with this marker may be re-created.</summary>
    public const string InitMarkerFile = ".initializing";

    public const int RootKeyBytes = 32;
    private static readonly byte[] Magic = "ETKS"u8.ToArray();
    private const int SaltBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    /// <summary>Magic, schema version, salt, nonce: read alone, it identifies one written content (salt and nonce are fresh per write).</summary>
    public const int HeaderBytes = 4 + 4 + SaltBytes + NonceBytes;

    public static string RootKeyCheck(ReadOnlySpan<byte> rootKey) =>
        Convert.ToHexString(HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey.ToArray(), 16, info: "EncryptionTools key store root key check v1"u8.ToArray()));

    public static bool RootKeyMatches(StoreDescriptor descriptor, ReadOnlySpan<byte> rootKey) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(RootKeyCheck(rootKey)), Encoding.ASCII.GetBytes(descriptor.RootKeyCheck));

    /// <summary>
    /// Seals the data document: AES-256-GCM under HKDF-SHA256(root key, fresh 32-byte salt, "...data v1"), with the
    /// magic, the schema version, the salt and the store id in the AAD, so neither the version nor the store can be swapped.
    /// </summary>
    public static byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> rootKey, string storeId, int schemaVersion)
    {
        var output = new byte[HeaderBytes + plaintext.Length + TagBytes];
        Magic.CopyTo(output, 0);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(4), (uint)schemaVersion);
        RandomNumberGenerator.Fill(output.AsSpan(8, SaltBytes + NonceBytes));
        var salt = output.AsSpan(8, SaltBytes);
        var nonce = output.AsSpan(8 + SaltBytes, NonceBytes);
        var key = DataKey(rootKey, salt);
        try
        {
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Encrypt(nonce, plaintext, output.AsSpan(HeaderBytes, plaintext.Length), output.AsSpan(HeaderBytes + plaintext.Length), Aad(output, storeId));
        }
        finally { CryptographicOperations.ZeroMemory(key); }
        return output;
    }

    /// <summary>Reads the schema version of a sealed data file without decrypting it.</summary>
    public static int SealedVersion(ReadOnlySpan<byte> sealedData, string location)
    {
        if (sealedData.Length < HeaderBytes + TagBytes || !sealedData[..4].SequenceEqual(Magic))
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"'{Path.Combine(location, DataFile)}' is not an EncryptionTools key store data file (truncated or overwritten).");
        return (int)BinaryPrimitives.ReadUInt32BigEndian(sealedData[4..]);
    }

    /// <summary>Opens a sealed data file; the caller zeroes the returned plaintext.</summary>
    public static byte[] Open(byte[] sealedData, ReadOnlySpan<byte> rootKey, string storeId, string location)
    {
        SealedVersion(sealedData, location);
        var salt = sealedData.AsSpan(8, SaltBytes);
        var nonce = sealedData.AsSpan(8 + SaltBytes, NonceBytes);
        var length = sealedData.Length - HeaderBytes - TagBytes;
        var plaintext = new byte[length];
        var key = DataKey(rootKey, salt);
        try
        {
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Decrypt(nonce, sealedData.AsSpan(HeaderBytes, length), sealedData.AsSpan(HeaderBytes + length), plaintext, Aad(sealedData, storeId));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.SecurityError,
                $"The key store data '{Path.Combine(location, DataFile)}' failed authentication: it was altered, damaged, or belongs to another store. Restore it from a backup.", ex);
        }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    private static byte[] DataKey(ReadOnlySpan<byte> rootKey, ReadOnlySpan<byte> salt) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, rootKey.ToArray(), 32, salt.ToArray(), "EncryptionTools key store data v1"u8.ToArray());

    private static byte[] Aad(ReadOnlySpan<byte> sealedHeader, string storeId)
    {
        var id = Encoding.UTF8.GetBytes(storeId);
        var aad = new byte[8 + SaltBytes + id.Length];
        sealedHeader[..(8 + SaltBytes)].CopyTo(aad);
        id.CopyTo(aad, 8 + SaltBytes);
        return aad;
    }

    // ---- password wrapping of the root key ----

    public const int MinimumPasswordIterations = 600_000;

    /// <summary>Derives the key-encryption key from a password (PBKDF2-HMAC-SHA512); the caller zeroes it.</summary>
    public static byte[] DeriveKek(ReadOnlySpan<char> password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA512, 32);

    public static StoreDescriptor.PasswordWrap WrapWithKek(ReadOnlySpan<byte> rootKey, ReadOnlySpan<byte> kek, byte[] salt, int iterations, string storeId)
    {
        var wrap = new StoreDescriptor.PasswordWrap { Iterations = iterations, Salt = salt, Nonce = RandomNumberGenerator.GetBytes(NonceBytes) };
        var output = new byte[rootKey.Length + TagBytes];
        using (var gcm = new AesGcm(kek, TagBytes))
            gcm.Encrypt(wrap.Nonce, rootKey, output.AsSpan(0, rootKey.Length), output.AsSpan(rootKey.Length), PasswordAad(storeId, iterations, salt));
        wrap.WrappedKey = output;
        return wrap;
    }

    /// <summary>Null when the KEK (the password) is wrong.</summary>
    public static byte[]? UnwrapWithKek(StoreDescriptor.PasswordWrap wrap, ReadOnlySpan<byte> kek, string storeId)
    {
        if (wrap.WrappedKey.Length != RootKeyBytes + TagBytes || wrap.Nonce.Length != NonceBytes) return null;
        var rootKey = new byte[RootKeyBytes];
        try
        {
            using var gcm = new AesGcm(kek, TagBytes);
            gcm.Decrypt(wrap.Nonce, wrap.WrappedKey.AsSpan(0, RootKeyBytes), wrap.WrappedKey.AsSpan(RootKeyBytes), rootKey,
                PasswordAad(storeId, wrap.Iterations, wrap.Salt));
            return rootKey;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(rootKey);
            return null;
        }
    }

    /// <summary>Wraps the previous root key under a key derived from the new one (AES-256-GCM, the store id in the AAD).</summary>
    public static StoreDescriptor.PreviousRootWrap WrapPreviousRoot(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> newRoot, string storeId)
    {
        var wrap = new StoreDescriptor.PreviousRootWrap { Nonce = RandomNumberGenerator.GetBytes(NonceBytes) };
        var output = new byte[previous.Length + TagBytes];
        var kek = PreviousRootKek(newRoot);
        try
        {
            using var gcm = new AesGcm(kek, TagBytes);
            gcm.Encrypt(wrap.Nonce, previous, output.AsSpan(0, previous.Length), output.AsSpan(previous.Length), Encoding.UTF8.GetBytes(storeId));
        }
        finally { CryptographicOperations.ZeroMemory(kek); }
        wrap.WrappedKey = output;
        return wrap;
    }

    /// <summary>The previous root key (the caller zeroes it), or null when the wrap does not open under this root key.</summary>
    public static byte[]? UnwrapPreviousRoot(StoreDescriptor.PreviousRootWrap wrap, ReadOnlySpan<byte> newRoot, string storeId)
    {
        if (wrap.WrappedKey.Length != RootKeyBytes + TagBytes || wrap.Nonce.Length != NonceBytes) return null;
        var previous = new byte[RootKeyBytes];
        var kek = PreviousRootKek(newRoot);
        try
        {
            using var gcm = new AesGcm(kek, TagBytes);
            gcm.Decrypt(wrap.Nonce, wrap.WrappedKey.AsSpan(0, RootKeyBytes), wrap.WrappedKey.AsSpan(RootKeyBytes), previous, Encoding.UTF8.GetBytes(storeId));
            return previous;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(previous);
            return null;
        }
        finally { CryptographicOperations.ZeroMemory(kek); }
    }

    private static byte[] PreviousRootKek(ReadOnlySpan<byte> newRoot) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, newRoot.ToArray(), 32, info: "EncryptionTools key store previous root key v1"u8.ToArray());

    private static byte[] PasswordAad(string storeId, int iterations, byte[] salt) =>
        Encoding.UTF8.GetBytes($"EncryptionTools root key v1|{storeId}|PBKDF2-HMAC-SHA512|{iterations}|{Convert.ToBase64String(salt)}");

    /// <summary>Temp file (0600) + fsync + rename + directory fsync, through <see cref="AtomicFile"/>.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, string? crashPoint = null)
    {
        try
        {
            using var file = AtomicFile.Create(path, overwrite: true);
            file.Stream.Write(content);
            if (crashPoint is not null) LocalKeyStore.CrashPoint?.Invoke(crashPoint);
            file.Commit(StorePermissions.FileMode);
        }
        catch (OutputWriteException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StoreWriteFailed, EngineErrorCategory.WriteError,
                $"Cannot write the key store file '{path}': {ex.Message} The store keeps its previous state.", ex);
        }
    }
}

/// <summary>Windows DPAPI (CurrentUser) for the root key; the entropy binds the blob to one store.</summary>
internal static class DpapiRootKey
{
    public static byte[] Protect(ReadOnlySpan<byte> rootKey, string storeId)
    {
        if (!OperatingSystem.IsWindows()) throw NotWindows();
        return ProtectedData.Protect(rootKey.ToArray(), Entropy(storeId), DataProtectionScope.CurrentUser);
    }

    public static byte[] Unprotect(byte[] blob, string storeId, string location)
    {
        if (!OperatingSystem.IsWindows()) throw NotWindows();
        try
        {
            return ProtectedData.Unprotect(blob, Entropy(storeId), DataProtectionScope.CurrentUser);
        }
        catch (CryptographicException ex)
        {
            throw new KeyStoreException(StoreErrorIds.StoreLocked, EngineErrorCategory.AuthenticationError,
                $"Windows DPAPI cannot unwrap the root key of the key store '{location}' for this user ({ex.Message}). " +
                "DPAPI keys belong to the Windows user who created the store; run as that user.", ex);
        }
    }

    private static byte[] Entropy(string storeId) => Encoding.UTF8.GetBytes("EncryptionTools key store " + storeId);

    private static KeyStoreException NotWindows() => new(StoreErrorIds.StoreUnsupported, EngineErrorCategory.InvalidOperation,
        "DPAPI protection exists only on Windows. Use -Protection File or -Protection Password.");
}
