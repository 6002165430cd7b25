using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

/// <summary>A clock the tests move by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;
    public override DateTimeOffset GetUtcNow() => Now;
    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>A store in a fresh temporary directory, with a manual clock and an event recorder.</summary>
internal sealed class TestStore : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 15, 12, 0, 0, TimeSpan.Zero);

    /// <param name="passwordIterations">The PBKDF2 floor of this store: tests of the password logic use a low one; null is the product's 600,000.</param>
    /// <param name="locationSource">How the store was named: Parameter (the default here) never creates a store by use; Default (the per-user store) may.</param>
    public TestStore(Func<string, string?>? environment = null, int? passwordIterations = null, string locationSource = StoreLocation.FromParameter)
    {
        LocationSource = locationSource;
        PasswordIterations = passwordIterations ?? StoreFiles.MinimumPasswordIterations;
        Dir = new TempDir();
        Location = Path.Combine(Dir.Path, "store");
        Clock = new ManualClock(Start);
        Environment = environment ?? (_ => null);
        Store = Open();
    }

    public TempDir Dir { get; }
    public string Location { get; }
    public ManualClock Clock { get; }
    public MemoryStoreEventSink Events { get; } = new();
    public Func<string, string?> Environment { get; set; }
    public LocalKeyStore Store { get; private set; }
    public int PasswordIterations { get; }
    public string LocationSource { get; }

    /// <summary>A second provider on the same directory, as another session or process would have (no shared cache).</summary>
    public LocalKeyStore Open(TimeSpan? lockTimeout = null, EncryptionTools.Engine.Access.IPrincipalResolver? resolver = null) => new(Location, new LocalKeyStoreOptions
    {
        TimeProvider = Clock,
        EventSink = Events,
        GetEnvironment = n => Environment(n),
        LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(30),
        PasswordIterationFloor = PasswordIterations,
        PrincipalResolver = resolver,
        AuditLogOptions = new EncryptionTools.Engine.Audit.AuditLogOptions { Durable = false },
        LocationSource = LocationSource,
    });

    /// <summary>A provider on the same store acting as another principal (the test seam; never an environment variable).</summary>
    public LocalKeyStore As(EncryptionTools.Engine.Access.CallerIdentity identity) =>
        Open(resolver: new EncryptionTools.Engine.Access.StaticPrincipalResolver(identity));

    public void Reopen() => Store = Open();

    /// <summary>Creates the store on purpose (as New-EncKeyStore does): commands that only use keys never create one.</summary>
    public TestStore Initialized(StoreProtection? protection = null)
    {
        Store.CreateStore(new ProtectionChange { Protection = protection });
        return this;
    }

    public string File(string name) => Path.Combine(Location, name);

    public void Dispose()
    {
        Store.Dispose();
        // An unlock is process-wide; never leak one into another test.
        UnlockedRootKeys.Remove(Location);
        Dir.Dispose();
    }
}

internal static class StoreAssert
{
    public static T Throws<T>(string errorId, Action action) where T : Exception
    {
        var ex = Assert.Throws<T>(action);
        var id = (ex as EncryptionTools.Engine.EncryptionToolsException)?.ErrorId;
        Assert.Equal(errorId, id);
        return ex;
    }

    public static KeyStoreException Fails(string errorId, Action action)
    {
        var ex = Assert.ThrowsAny<KeyStoreException>(action);
        Assert.Equal(errorId, ex.ErrorId);
        return ex;
    }
}
