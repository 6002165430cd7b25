using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

/// <summary>
/// A provider's lifetime: disposing or locking it zeroes every key buffer it held (the cached document's key material,
/// its audit key and the audit log's copy), and the process's provider cache closes a store's provider on request.
/// </summary>
public sealed class ProviderLifetimeTests
{
    private static TestStore WithKeys()
    {
        var t = new TestStore().Initialized();
        t.Store.NewKey(new NewKeyRequest());
        t.Store.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072 });
        Assert.Equal(2, t.Store.GetKeys().Count); // the document is cached now
        return t;
    }

    private static void AssertHeldAndNonZero(IReadOnlyList<byte[]> buffers)
    {
        // Two keys' material (AES key, RSA private key), the document's audit key, the provider's copy and the log's copy.
        Assert.True(buffers.Count >= 5, $"only {buffers.Count} key buffer(s) held");
        Assert.All(buffers, b => Assert.Contains(b, x => x != 0));
    }

    [Fact]
    public void Dispose_zeroes_every_key_buffer_the_provider_held()
    {
        using var t = WithKeys();
        var held = t.Store.HeldKeyBuffers();
        AssertHeldAndNonZero(held);

        t.Store.Dispose();

        Assert.All(held, b => Assert.True(b.All(x => x == 0), $"a {b.Length}-byte key buffer was not wiped"));
        Assert.False(t.Store.HasCachedDocument);
        Assert.Empty(t.Store.HeldKeyBuffers());
    }

    [Fact]
    public void Lock_zeroes_the_cached_key_material_and_every_copy_of_the_audit_key()
    {
        using var t = WithKeys();
        var held = t.Store.HeldKeyBuffers();
        AssertHeldAndNonZero(held);

        t.Store.Lock();

        Assert.All(held, b => Assert.True(b.All(x => x == 0), $"a {b.Length}-byte key buffer was not wiped"));
        Assert.Empty(t.Store.HeldKeyBuffers());
        Assert.Equal(2, t.Store.GetKeys().Count); // and the store opens again from its files
        Assert.True(t.Store.VerifyAuditLog().IsValid);
    }

    [Fact]
    public void A_provider_used_after_Dispose_works_from_its_files_and_keeps_nothing()
    {
        using var t = WithKeys();
        t.Store.Dispose();
        var before = t.Store.DataDecryptions;

        Assert.Equal(2, t.Store.GetKeys().Count);
        t.Store.NewKey(new NewKeyRequest());

        Assert.True(t.Store.DataDecryptions > before);
        Assert.False(t.Store.HasCachedDocument);
        Assert.Empty(t.Store.HeldKeyBuffers());
        Assert.True(t.Open().VerifyAuditLog().IsValid);
    }

    [Fact]
    public void Close_drops_a_stores_provider_and_a_view_made_before_moves_to_the_next_one()
    {
        using var t = new TestStore().Initialized();
        var view = KeyStoreProviders.Get(t.Location, "Get-EncKey");
        try
        {
            var key = view.NewKey(new NewKeyRequest());
            Assert.Contains(t.Store.Location, KeyStoreProviders.OpenLocations);

            KeyStoreProviders.Close(t.Location);
            Assert.DoesNotContain(t.Store.Location, KeyStoreProviders.OpenLocations);

            Assert.Equal(key.KeyId, view.GetKey(key.KeyId).KeyId);
            Assert.Contains(t.Store.Location, KeyStoreProviders.OpenLocations);
        }
        finally { KeyStoreProviders.Close(t.Location); }
    }
}
