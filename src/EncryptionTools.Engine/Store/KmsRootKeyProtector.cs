using System.Security.Cryptography;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// AwsKms mode: the root key is encrypted by an AWS KMS key (kms:Encrypt) under the encryption context
/// {"encryptiontools:store-id": store id}, and the descriptor keeps KMS's ciphertext blob. Whoever may call kms:Decrypt
/// on that key opens any copy of the store, on any machine, with no key file and no password; the context means a
/// blob moved into another store's descriptor is refused by KMS itself. The provider comes from
/// <see cref="KeyringProviders"/> (the module and the CLI register the AWS KMS one), so the engine never sees the AWS SDK.
/// The root key KMS gave is kept for this process as an unlocked password store's is (<see cref="UnlockedRootKeys"/>,
/// <see cref="LocalKeyStore.DefaultUnlockTimeout"/>), so a session does not call KMS for every use; Lock-EncKeyStore forgets it.
/// Each kms:Decrypt of the root key is recorded in the store's audit log with its request id.
/// </summary>
internal sealed class KmsRootKeyProtector(StoreContext store, StoreAuditTrail audit) : IRootKeyProtector
{
    /// <summary>The encryption context key that binds the wrapped root key to its store (its value: the store id).</summary>
    public const string StoreIdContextKey = "encryptiontools:store-id";

    public StoreProtection Protection => StoreProtection.AwsKms;

    /// <summary>The encryption context of a store's root key: its id only (nothing secret: KMS logs contexts in CloudTrail).</summary>
    public static IReadOnlyDictionary<string, string> Context(string storeId) => new Dictionary<string, string>(StringComparer.Ordinal) { [StoreIdContextKey] = storeId };

    /// <summary>The key ARN or alias ARN, trimmed; KmsInvalidKeyIdentifier for anything else (a bare key id or alias name
    /// would be ambiguous with the store's own keys).</summary>
    public static string ValidateKeyId(string? keyId)
    {
        var text = keyId?.Trim();
        if (string.IsNullOrEmpty(text))
            throw new EncryptionToolsException(ErrorCatalog.KmsInvalidKeyIdentifier,
                "AwsKms protection needs the AWS KMS key that wraps the root key: a key ARN or alias ARN (-KmsKeyId, --kms-key).");
        if (!AwsKmsArn.TryParse(text, out _))
            throw new EncryptionToolsException(ErrorCatalog.KmsInvalidKeyIdentifier,
                $"'{UntrustedText.Neutralize(text)}' is not an AWS KMS key ARN or alias ARN (arn:aws:kms:<region>:<account>:key/<id> or arn:aws:kms:<region>:<account>:alias/<name>).")
            { Target = text };
        return text;
    }

    public void Protect(StoreDescriptor descriptor, byte[] root, RootKeySecret secret)
    {
        var keyId = ValidateKeyId(secret.KmsKeyId);
        var uses = new KmsRootKeyCalls();
        var provider = Provider(keyId);
        byte[] blob;
        try { blob = provider.WrapSecret(keyId, root, Context(descriptor.StoreId), uses); }
        catch (Exception ex) when (Surfaced(ex, keyId, "encrypt the root key of", out var surfaced)) { throw surfaced; }
        descriptor.AwsKms = new StoreDescriptor.AwsKmsWrap { KeyId = keyId, KeyArn = ResolvedKeyArn(provider, keyId, uses), WrappedKey = blob };
        if (secret.KmsUses is { } sink) foreach (var use in uses.Items) sink.Record(use);
    }

    public byte[] Recover(StoreDescriptor descriptor) => Unlocked(descriptor) ?? Fetch(descriptor, LocalKeyStore.DefaultUnlockTimeout);

    /// <summary>The root key from KMS now, kept for this process for <paramref name="keepFor"/> (Unlock-EncKeyStore asks
    /// KMS up front and chooses how long; the caller zeroes what it gets).</summary>
    public byte[] Fetch(StoreDescriptor descriptor, TimeSpan keepFor)
    {
        var uses = new KmsRootKeyCalls();
        var root = Unwrap(descriptor, uses);
        // The kms:Decrypt that opened the store goes into its audit log ahead of the first record this process writes.
        foreach (var use in uses.Items)
            audit.Defer(ExternalKeyUseRecorder.ToEvent(use, null, "the key store's root key") with
                { Time = store.Now, StoreLocation = store.Location, StoreId = descriptor.StoreId });
        UnlockedRootKeys.Put(store.Location, descriptor.StoreId, root, store.Now + keepFor);
        return root;
    }

    /// <summary>The root key this process holds from KMS, if it is still the store's (another process may have changed it).</summary>
    public byte[]? Unlocked(StoreDescriptor descriptor) => UnlockedRootKeys.Current(store.Location, descriptor, store.Now);

    /// <summary>The root key from KMS now (kms:Decrypt), checked against the descriptor; kept nowhere (the caller zeroes it).</summary>
    public byte[] Unwrap(StoreDescriptor descriptor, IKeyUseSink? sink = null)
    {
        var wrap = descriptor.AwsKms;
        if (wrap is null || wrap.WrappedKey.Length == 0 || !AwsKmsArn.TryParse(wrap.KeyArn ?? wrap.KeyId, out _))
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The key store '{store.Location}' is protected by AWS KMS but its descriptor has no usable wrapped root key. Restore '{StoreFiles.DescriptorFile}' from a backup.")
            { Target = store.Location };
        var keyArn = wrap.KeyArn ?? wrap.KeyId;
        var provider = Provider(keyArn);
        byte[] root;
        try { root = provider.UnwrapSecret(keyArn, wrap.WrappedKey, Context(descriptor.StoreId), sink); }
        catch (Exception ex) when (Surfaced(ex, keyArn, "decrypt the root key of", out var surfaced)) { throw surfaced; }
        // KMS authenticated the blob under this store's context: a root key that does not match the descriptor means the
        // descriptor itself was altered, which is what StoreCorrupt says.
        return RootKeyProtection.Checked(store, descriptor, root);
    }

    /// <summary>Calls kms:Decrypt on the descriptor as it will be written: one KMS cannot open is never committed.</summary>
    public void VerifyRecoverable(StoreDescriptor parsed, byte[] root) => VerifyRecoverable(parsed, root, null);

    public void VerifyRecoverable(StoreDescriptor parsed, byte[] root, IKeyUseSink? sink)
    {
        var back = Unwrap(parsed, sink);
        var same = CryptographicOperations.FixedTimeEquals(back, root);
        CryptographicOperations.ZeroMemory(back);
        if (!same) throw new InvalidOperationException("AWS KMS did not give the root key back.");
    }

    private IKeyringProvider Provider(string keyId)
    {
        try
        {
            return KeyringProviders.ForIdentifier(keyId) ?? throw new EncryptionToolsException(ErrorCatalog.KmsUnavailable,
                $"'{UntrustedText.Neutralize(keyId)}' names an AWS KMS key, but AWS KMS support is not loaded in this process.");
        }
        catch (EncryptionToolsException ex) when (Surfaced(ex, keyId, "load AWS KMS support for", out var surfaced)) { throw surfaced; }
    }

    /// <summary>
    /// The key ARN of the wrap: the ARN given when it names a key; for an alias, the key KMS reported using (the
    /// provider's record of the call), else DescribeKey's answer. Null when neither says: the alias is used to unwrap.
    /// </summary>
    private static string? ResolvedKeyArn(IKeyringProvider provider, string keyId, KmsRootKeyCalls uses)
    {
        if (AwsKmsArn.TryParse(keyId, out var given) && !given.IsAlias) return keyId;
        foreach (var use in uses.Items)
            if (use.Succeeded && AwsKmsArn.TryParse(use.KeyIdentifier, out var arn) && !arn.IsAlias) return use.KeyIdentifier;
        try
        {
            var status = provider.Describe(keyId);
            return AwsKmsArn.TryParse(status.KeyArn, out var described) && !described.IsAlias ? status.KeyArn : null;
        }
        catch (Exception ex) when (ex is EncryptionToolsException or NotImplementedException or NotSupportedException) { return null; }
    }

    /// <summary>
    /// A KMS failure as the KMS catalog id it is (KmsAccessDenied, KmsEndpointUnreachable, ...), never as a corrupt
    /// store: the message names the store and the key, the target is the store's location. Anything the provider
    /// throws that is not a catalog error is KmsRequestFailed.
    /// </summary>
    private bool Surfaced(Exception ex, string keyId, string doing, out EncryptionToolsException surfaced)
    {
        surfaced = null!;
        if (ex is OperationCanceledException) return false;
        var error = ex is EncryptionToolsException known && ErrorCatalog.Find(known.ErrorId) is { Family: ErrorCatalog.KmsFamily } family
            ? family : ex is EncryptionToolsException ? null : ErrorCatalog.KmsRequestFailed;
        if (error is null) return false;
        surfaced = new EncryptionToolsException(error,
            $"Cannot {doing} the key store '{store.Location}' with AWS KMS key '{UntrustedText.Neutralize(keyId)}': {ex.Message}", ex) { Target = store.Location };
        return true;
    }
}
