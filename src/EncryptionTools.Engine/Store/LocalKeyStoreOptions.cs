namespace EncryptionTools.Engine.Store;

/// <summary>Settings of a <see cref="LocalKeyStore"/>; the defaults are what the cmdlets use.</summary>
public sealed record LocalKeyStoreOptions
{
    /// <summary>The clock of rotations, deletion windows and unlock timeouts; tests inject their own.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
    public IStoreEventSink? EventSink { get; init; }
    /// <summary>How long a writer waits for another writer before <see cref="StoreErrorIds.StoreBusy"/>.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The protection of a store created on first use: DPAPI on Windows, File elsewhere.</summary>
    public StoreProtection? NewStoreProtection { get; init; }
    /// <summary>Reads environment variables (ENCRYPTIONTOOLS_STORE_PASSWORD); injectable for tests.</summary>
    public Func<string, string?>? GetEnvironment { get; init; }
    public string LocationSource { get; init; } = StoreLocation.FromParameter;
    /// <summary>Tests only: a lower PBKDF2 floor so the password logic can be tested without 2 s per derivation.
    /// Products always use 600,000 (<see cref="StoreFiles.MinimumPasswordIterations"/>).</summary>
    internal int PasswordIterationFloor { get; init; } = StoreFiles.MinimumPasswordIterations;
    /// <summary>Tests only: who the caller is (the seam to act as a second principal). Products always resolve the
    /// process's own identity with <see cref="Access.SystemPrincipalResolver"/>; no public switch or environment variable changes it.</summary>
    internal Access.IPrincipalResolver? PrincipalResolver { get; init; }
    /// <summary>Write every operation to the audit log in &lt;store&gt;/audit (on by default).</summary>
    public bool Audit { get; init; } = true;
    public Audit.AuditLogOptions? AuditLogOptions { get; init; }
    /// <summary>How long the decrypted document (key material included) stays cached after its last use; then it is
    /// dropped and wiped, and the next use decrypts the data file again (milliseconds).</summary>
    public TimeSpan DocumentCacheLifetime { get; init; } = TimeSpan.FromSeconds(60);
}
