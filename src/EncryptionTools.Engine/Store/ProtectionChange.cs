namespace EncryptionTools.Engine.Store;

/// <summary>A change of the store's root-key protection. The current password is needed whenever one is set; an AWS KMS
/// protection needs the KMS key (<see cref="KmsKeyId"/>).</summary>
public sealed record ProtectionChange
{
    /// <summary>The mode to switch to; null keeps the mode (with <see cref="NewPassword"/>: change the password).</summary>
    public StoreProtection? Protection { get; init; }
    /// <summary>The new password. The caller owns the array and should clear it afterwards.</summary>
    public char[]? NewPassword { get; init; }
    public char[]? CurrentPassword { get; init; }
    public int? PasswordIterations { get; init; }
    /// <summary>The AWS KMS key (a key ARN or alias ARN) that wraps the root key; implies <see cref="StoreProtection.AwsKms"/>.</summary>
    public string? KmsKeyId { get; init; }
}
