using System.Security.Cryptography;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// Password mode: the root key is wrapped under a PBKDF2 key of the user's password. Unlock-EncKeyStore keeps the root
/// key for this process until its timeout (<see cref="UnlockedRootKeys"/>); unattended runs give the password in
/// <see cref="LocalKeyStore.PasswordEnvironmentVariable"/>.
/// </summary>
internal sealed class PasswordRootKeyProtector(StoreContext store, StoreAuditTrail audit) : IRootKeyProtector
{
    public StoreProtection Protection => StoreProtection.Password;

    public void Protect(StoreDescriptor descriptor, byte[] root, RootKeySecret secret)
    {
        var password = secret.Password;
        if (password is null || password.Length == 0 || password.All(char.IsWhiteSpace))
            throw new KeyStoreLockedException(StoreErrorIds.StorePasswordRequired, "The store password cannot be empty or only white space.");
        var floor = store.Options.PasswordIterationFloor;
        var count = secret.Iterations ?? floor;
        if (count < floor || count > LocalKeyStore.MaxPasswordIterations)
            throw StoreContext.Invalid($"The password iteration count must be from {floor:N0} to {LocalKeyStore.MaxPasswordIterations:N0}.");
        var salt = RandomNumberGenerator.GetBytes(32);
        var kek = StoreFiles.DeriveKek(password, salt, count);
        try
        {
            descriptor.Password = StoreFiles.WrapWithKek(root, kek, salt, count, descriptor.StoreId);
            // Verify before commit: the serialized descriptor must give the root key back with this KEK.
            var parsed = StoreDescriptor.Parse(descriptor.Serialize(), store.Location);
            if (parsed.Password is null || parsed.Password.Iterations != count || !parsed.Password.Salt.AsSpan().SequenceEqual(salt))
                throw new InvalidOperationException("The password wrap did not survive serialization.");
            var check = StoreFiles.UnwrapWithKek(parsed.Password, kek, descriptor.StoreId) ?? throw new InvalidOperationException("The password wrap does not verify.");
            var same = CryptographicOperations.FixedTimeEquals(check, root);
            CryptographicOperations.ZeroMemory(check);
            if (!same) throw new InvalidOperationException("The password wrap gave another key.");
        }
        finally { CryptographicOperations.ZeroMemory(kek); }
    }

    /// <summary>Checked when the wrap is made (<see cref="Protect"/>).</summary>
    public void VerifyRecoverable(StoreDescriptor parsed, byte[] root) { }

    /// <summary>The unlocked root key, or the password from the environment (which unlocks the store for this process).</summary>
    public byte[] Recover(StoreDescriptor descriptor)
    {
        var unlocked = Unlocked(descriptor);
        if (unlocked is not null) return unlocked;
        var fromEnvironment = (store.Options.GetEnvironment ?? Environment.GetEnvironmentVariable)(LocalKeyStore.PasswordEnvironmentVariable);
        if (string.IsNullOrEmpty(fromEnvironment))
            throw new KeyStoreLockedException(StoreErrorIds.StoreLocked,
                $"The key store '{store.Location}' is protected by a password and is locked. Run Unlock-EncKeyStore -StorePath '{store.Location}' " +
                $"(it prompts for the password), or set the environment variable {LocalKeyStore.PasswordEnvironmentVariable} for unattended runs.");
        var chars = fromEnvironment.ToCharArray();
        try
        {
            var root = Unwrap(descriptor, chars, "StoreUnlock", fromEnvironment: true);
            UnlockedRootKeys.Put(store.Location, descriptor.StoreId, root, store.Now + LocalKeyStore.DefaultUnlockTimeout);
            return root;
        }
        finally { Array.Clear(chars); }
    }

    /// <summary>The root key this process unlocked, if it is still the store's (another process may have changed it).</summary>
    public byte[]? Unlocked(StoreDescriptor descriptor) => UnlockedRootKeys.Current(store.Location, descriptor, store.Now);

    /// <summary>The root key under <paramref name="password"/>; a wrong password is recorded as <paramref name="operation"/>Failed.</summary>
    public byte[] Unwrap(StoreDescriptor descriptor, ReadOnlySpan<char> password, string operation, bool fromEnvironment = false)
    {
        var wrap = descriptor.Password ?? throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
            $"The key store '{store.Location}' is in password mode but has no wrapped root key.");
        if (wrap.Iterations < store.Options.PasswordIterationFloor || wrap.Iterations > LocalKeyStore.MaxPasswordIterations || wrap.Salt.Length < 16)
            throw new KeyStoreException(StoreErrorIds.StoreCorrupt, EngineErrorCategory.InvalidData,
                $"The key store '{store.Location}' has password parameters out of range ({wrap.Iterations} iterations).");
        var kek = StoreFiles.DeriveKek(password, wrap.Salt, wrap.Iterations);
        byte[]? root;
        try { root = StoreFiles.UnwrapWithKek(wrap, kek, descriptor.StoreId); }
        finally { CryptographicOperations.ZeroMemory(kek); }
        if (root is null || !StoreFiles.RootKeyMatches(descriptor, root))
        {
            if (root is not null) CryptographicOperations.ZeroMemory(root);
            audit.Emit(new StoreEvent { Time = store.Now, Operation = operation + "Failed", StoreLocation = store.Location, StoreId = descriptor.StoreId, Succeeded = false,
                ErrorId = StoreErrorIds.StorePasswordInvalid });
            throw new KeyStoreLockedException(StoreErrorIds.StorePasswordInvalid, fromEnvironment
                ? $"The password in the environment variable {LocalKeyStore.PasswordEnvironmentVariable} is wrong for the key store '{store.Location}'. Nothing was changed."
                : $"The password is wrong for the key store '{store.Location}'. Nothing was changed.");
        }
        return root;
    }
}
