using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

public class KeyQueryTests
{
    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("alias/prod-*", "alias/prod-db", true)]
    [InlineData("alias/prod-*", "alias/dev-db", false)]
    [InlineData("ALIAS/P?od*", "alias/prod", true)]
    [InlineData("key[0-9]", "key7", true)]
    [InlineData("key[0-9]", "keyx", false)]
    [InlineData("a`*b", "a*b", true)]
    [InlineData("a`*b", "axb", false)]
    [InlineData("abc", "abcd", false)]
    public void Wildcards_match_like_PowerShell(string pattern, string text, bool expected) =>
        Assert.Equal(expected, KeyQueries.Like(pattern, text));

    [Fact]
    public void Get_keys_by_wildcard_exact_identifier_state_and_tag()
    {
        using var t = new TestStore();
        var prod = t.Store.NewKey(new NewKeyRequest { Alias = "prod-db", Tags = new Dictionary<string, string> { ["env"] = "production" } });
        var dev = t.Store.NewKey(new NewKeyRequest { Alias = "dev-db", Tags = new Dictionary<string, string> { ["env"] = "dev" } });
        t.Store.DisableKey(dev.KeyId);

        Assert.Equal(2, KeyQueries.GetKeys(t.Store, null).Count);
        Assert.Equal([prod.KeyId], KeyQueries.GetKeys(t.Store, ["alias/prod*"]).Select(k => k.KeyId));
        Assert.Equal([prod.KeyId], KeyQueries.GetKeys(t.Store, ["prod*"]).Select(k => k.KeyId));
        Assert.Equal(2, KeyQueries.GetKeys(t.Store, ["*-db", prod.KeyId]).Count); // no duplicates
        Assert.Empty(KeyQueries.GetKeys(t.Store, ["nomatch*"])); // a wildcard may match nothing
        Assert.Equal([dev.KeyId], KeyQueries.GetKeys(t.Store, null, KeyState.Disabled).Select(k => k.KeyId));
        Assert.Equal([prod.KeyId], KeyQueries.GetKeys(t.Store, null, tags: new Dictionary<string, string> { ["env"] = "prod*" }).Select(k => k.KeyId));

        var errors = new List<string>();
        var found = KeyQueries.GetKeys(t.Store, ["alias/missing", dev.Arn], onError: (id, ex) => errors.Add(id + ":" + ((KeyStoreException)ex).ErrorId));
        Assert.Equal([dev.KeyId], found.Select(k => k.KeyId)); // per-item error, the rest goes on
        Assert.Equal(["alias/missing:EncKeyNotFound"], errors);
    }

    [Fact]
    public void Get_aliases_by_name_pattern_and_by_key()
    {
        using var t = new TestStore();
        var a = t.Store.NewKey(new NewKeyRequest { Alias = "app/one" }).KeyId;
        t.Store.NewAlias("app/two", a);
        var b = t.Store.NewKey(new NewKeyRequest { Alias = "other" }).KeyId;
        Assert.Equal(3, KeyQueries.GetAliases(t.Store, null).Count);
        Assert.Equal(2, KeyQueries.GetAliases(t.Store, ["alias/app/*"]).Count);
        Assert.Equal(2, KeyQueries.GetAliases(t.Store, ["app/*"]).Count);
        Assert.Single(KeyQueries.GetAliases(t.Store, ["other"]));
        Assert.Equal(["alias/other"], KeyQueries.GetAliases(t.Store, null, b).Select(x => x.AliasName));
    }

    [Fact]
    public void Completion_offers_aliases_then_key_ids_with_tooltips()
    {
        using var t = new TestStore();
        var a = t.Store.NewKey(new NewKeyRequest { Alias = "payroll", Description = "HR" });
        var completions = KeyQueries.Complete(t.Store, "pay");
        Assert.Equal("alias/payroll", Assert.Single(completions).CompletionText);
        Assert.Contains("HR", completions[0].ToolTip);
        Assert.Equal(a.KeyId, Assert.Single(KeyQueries.Complete(t.Store, a.KeyId[..6])).CompletionText);
        Assert.Equal(2, KeyQueries.Complete(t.Store, "").Count);
    }

    [Fact]
    public void Tags_convert_from_a_hashtable_and_passwords_from_a_SecureString()
    {
        var tags = KeyQueries.ToTags(new System.Collections.Hashtable { ["env"] = "prod", ["tier"] = 1 });
        Assert.Equal("prod", tags!["env"]);
        Assert.Equal("1", tags["tier"]);
        Assert.Null(KeyQueries.ToTags(null));
        var chars = Passwords.ToChars(Passwords.FromText("pässword"));
        Assert.Equal("pässword", new string(chars));
        Passwords.Clear(chars);
        Assert.All(chars, c => Assert.Equal('\0', c));
    }
}
