namespace EncryptionTools.Engine.Store;

/// <summary>A change of the store's root-key protection. The current password is needed whenever one is set.</summary>
public sealed record ProtectionChange
{
    /// <summary>The mode to switch to; null keeps the mode (with <see cref="NewPassword"/>: change the password).</summary>
    public StoreProtection? Protection { get; init; }
    /// <summary>The new password. The caller owns the array and should clear it afterwards.</summary>
    public char[]? NewPassword { get; init; }
    public char[]? CurrentPassword { get; init; }
    public int? PasswordIterations { get; init; }
}
