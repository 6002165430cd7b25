namespace EncryptionTools.Engine.Store;

/// <summary>
/// One way of keeping a store's 32-byte root key: a file beside the store, DPAPI, a password, or an AWS KMS key. Another
/// protection (another key service) is one more implementation plus its <see cref="StoreProtection"/> value and
/// its part of the descriptor; <see cref="RootKeyProtection"/> chooses the implementation by the descriptor's mode.
/// </summary>
internal interface IRootKeyProtector
{
    StoreProtection Protection { get; }

    /// <summary>Puts <paramref name="root"/> under this protection in a new <paramref name="descriptor"/> (File mode writes
    /// root.key first). <paramref name="secret"/> is what the user gave (the new password), if the protection needs it.</summary>
    void Protect(StoreDescriptor descriptor, byte[] root, RootKeySecret secret);

    /// <summary>The root key, checked against the descriptor (the caller zeroes it); <see cref="KeyStoreLockedException"/>
    /// when it needs something only the user can give.</summary>
    byte[] Recover(StoreDescriptor descriptor);

    /// <summary>Throws unless <paramref name="parsed"/>, the descriptor as it will be written, gives <paramref name="root"/>
    /// back: a descriptor whose root key cannot be recovered is never committed.</summary>
    void VerifyRecoverable(StoreDescriptor parsed, byte[] root);
}

/// <summary>What the user gave a protection: the new password and its PBKDF2 iteration count (password mode), the KMS
/// key ARN or alias ARN (AwsKms mode), and where the KMS calls made for it are reported (for the audit log).</summary>
internal readonly record struct RootKeySecret(char[]? Password, int? Iterations, string? KmsKeyId = null, Keyrings.IKeyUseSink? KmsUses = null);
