using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

public class AliasTests
{
    [Theory]
    [InlineData("alias/")]
    [InlineData("")]
    [InlineData("alias/with space")]
    [InlineData("alias/ümlaut")]
    [InlineData("alias/trailing/")]
    [InlineData("alias/semi;colon")]
    public void Malformed_aliases_are_refused(string name)
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        StoreAssert.Fails(StoreErrorIds.AliasInvalid, () => t.Store.NewAlias(name, id));
    }

    [Theory]
    [InlineData("alias/prod/payroll-2026_a", "alias/prod/payroll-2026_a")]
    [InlineData("backup", "alias/backup")]
    [InlineData("ALIAS/Upper", "alias/Upper")]
    public void Well_formed_aliases_are_accepted_and_normalized(string name, string expected)
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var alias = t.Store.NewAlias(name, id);
        Assert.Equal(expected, alias.AliasName);
        Assert.Equal(id, alias.KeyId);
        Assert.Equal(Arns.Alias(t.Store.GetStoreInfo().StoreId!, expected), alias.AliasArn);
    }

    [Fact]
    public void A_256_character_alias_is_the_longest()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.NewAlias("alias/" + new string('a', 250), id);
        StoreAssert.Fails(StoreErrorIds.AliasInvalid, () => t.Store.NewAlias("alias/" + new string('b', 251), id));
    }

    [Fact]
    public void Aliases_are_unique_case_insensitively_and_repointable()
    {
        using var t = new TestStore();
        var a = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var b = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.NewAlias("alias/app", a);
        var ex = StoreAssert.Fails(StoreErrorIds.AliasExists, () => t.Store.NewAlias("alias/APP", b));
        Assert.Contains("Set-EncKeyAlias", ex.Message);
        StoreAssert.Fails(StoreErrorIds.AliasExists, () => t.Store.NewKey(new NewKeyRequest { Alias = "app" }));
        Assert.Equal(2, t.Store.GetKeys().Count); // the refused New-EncKey created nothing

        var moved = t.Store.SetAlias("alias/app", b);
        Assert.Equal(b, moved.KeyId);
        Assert.Equal(b, t.Store.GetKey("alias/app").KeyId);
        Assert.Empty(t.Store.GetKey(a).Aliases);
        Assert.Single(t.Store.GetAliases());
    }

    [Fact]
    public void A_key_can_have_several_aliases_and_each_alias_one_key()
    {
        using var t = new TestStore();
        var a = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.NewAlias("one", a);
        t.Store.NewAlias("two", a);
        Assert.Equal(["alias/one", "alias/two"], t.Store.GetKey(a).Aliases);
    }

    [Fact]
    public void Remove_and_set_need_an_existing_alias()
    {
        using var t = new TestStore();
        var a = t.Store.NewKey(new NewKeyRequest()).KeyId;
        StoreAssert.Fails(StoreErrorIds.AliasNotFound, () => t.Store.SetAlias("nope", a));
        StoreAssert.Fails(StoreErrorIds.AliasNotFound, () => t.Store.RemoveAlias("nope"));
        t.Store.NewAlias("yes", a);
        Assert.Equal("alias/yes", t.Store.RemoveAlias("yes").AliasName);
        Assert.Empty(t.Store.GetAliases());
        Assert.Equal(a, t.Store.GetKey(a).KeyId); // the key stays
    }

    [Theory]
    [InlineData("alias/enctools/default")]
    [InlineData("alias/enctools/mine")]
    [InlineData("alias/aws/s3")]
    public void Reserved_aliases_are_refused(string name)
    {
        using var t = new TestStore();
        var a = t.Store.NewKey(new NewKeyRequest()).KeyId;
        StoreAssert.Fails(StoreErrorIds.AliasReserved, () => t.Store.NewAlias(name, a));
        StoreAssert.Fails(StoreErrorIds.AliasReserved, () => t.Store.NewKey(new NewKeyRequest { Alias = name }));
    }

    [Fact]
    public void An_alias_cannot_point_to_a_key_pending_deletion_or_to_a_missing_key()
    {
        using var t = new TestStore();
        var a = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var b = t.Store.NewKey(new NewKeyRequest()).KeyId;
        t.Store.NewAlias("x", a);
        t.Store.ScheduleKeyDeletion(b, 7);
        StoreAssert.Fails(StoreErrorIds.KeyPendingDeletion, () => t.Store.NewAlias("y", b));
        StoreAssert.Fails(StoreErrorIds.KeyPendingDeletion, () => t.Store.SetAlias("x", b));
        StoreAssert.Fails(StoreErrorIds.KeyNotFound, () => t.Store.NewAlias("z", Guid.NewGuid().ToString()));
        Assert.Equal(a, t.Store.GetKey("x").KeyId);
    }
}
