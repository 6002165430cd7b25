namespace EncryptionTools.Engine.Store;

/// <summary>What a request must satisfy and what a key's state or manager forbids, with errors that say the way out.</summary>
internal static class KeyRules
{
    public static void ValidateRotationPeriod(int days)
    {
        if (days is < LocalKeyStore.MinRotationPeriodInDays or > LocalKeyStore.MaxRotationPeriodInDays)
            throw StoreContext.Invalid($"The rotation period must be from {LocalKeyStore.MinRotationPeriodInDays} to {LocalKeyStore.MaxRotationPeriodInDays} days; {days} was given.");
    }

    public static void ValidateTags(IReadOnlyDictionary<string, string>? tags)
    {
        if (tags is null) return;
        foreach (var (key, value) in tags)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > 128) throw StoreContext.Invalid($"A tag key must be 1 to 128 characters; '{key}' is not.");
            if (value is null || value.Length > 256) throw StoreContext.Invalid($"The value of tag '{key}' must be 0 to 256 characters.");
        }
    }

    public static void ValidateDescription(string? description)
    {
        if (description is { Length: > 8192 }) throw StoreContext.Invalid("A key description is at most 8,192 characters.");
    }

    public static void RefusePending(KeyRecord key, string action)
    {
        if (key.KeyState == KeyState.PendingDeletion)
            throw new KeyStateException(StoreErrorIds.KeyPendingDeletion, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is PendingDeletion (deletion on {key.DeletionDate:yyyy-MM-dd}) and cannot be {action}. Run Restore-EncKey -KeyId {key.KeyId} to cancel the deletion.");
    }

    /// <summary>Disabled and pending keys cannot be used; the error names the key, its state and the way back.</summary>
    public static void RefuseUnusable(KeyRecord key, string action)
    {
        RefusePending(key, action);
        if (key.KeyState == KeyState.Disabled)
            throw new KeyStateException(StoreErrorIds.KeyDisabled, key.KeyId, key.KeyState,
                $"The key {key.KeyId} is Disabled and cannot be {action}. Run Enable-EncKey -KeyId {key.KeyId} to use it again.");
    }

    public static KeyStoreException ManagedByModule(KeyRecord key, string what) =>
        new(StoreErrorIds.KeyManagedByModule, EngineErrorCategory.PermissionDenied,
            $"The key {key.KeyId} is the module-managed default key ({Aliases.DefaultKeyAlias}). {what}.") { Target = key.KeyId };
}
