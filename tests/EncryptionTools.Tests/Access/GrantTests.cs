using EncryptionTools.Engine.Access;

namespace EncryptionTools.Tests.Access;

public class GrantTests
{
    private static readonly Principal Owner = Principal.User("owner");
    private static readonly Principal Bob = Principal.User("bob");

    private static CallerIdentity Who(string name, uint uid, params string[] groups) =>
        new(name, uid, groups: groups.Select((g, i) => new GroupInfo(g, (uint)(5000 + i))));

    private static GrantRequest Request(string name = "nightly-backup") => new("k1", Bob, [GrantOperation.Encrypt, GrantOperation.Decrypt])
    {
        Name = name,
        RetiringPrincipal = Principal.User("admin"),
        Constraints = GrantConstraints.Subset(new Dictionary<string, string> { ["dept"] = "it" }),
    };

    [Fact]
    public void CreatingAGrantRecordsEverything()
    {
        var set = new GrantSet();
        var now = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));
        var (grant, created) = set.Create(Request(), Owner, now);
        Assert.True(created);
        Assert.Matches("^[0-9a-f]{64}$", grant.GrantId);
        Assert.Equal("k1", grant.KeyId);
        Assert.Equal("nightly-backup", grant.Name);
        Assert.Equal(Bob, grant.GranteePrincipal);
        Assert.Equal(Principal.User("admin"), grant.RetiringPrincipal);
        Assert.Equal([GrantOperation.Decrypt, GrantOperation.Encrypt], grant.Operations);
        Assert.Equal("EncryptionContextSubset", grant.Constraints!.Type);
        Assert.Equal(now, grant.CreationDate);
        Assert.Equal(TimeSpan.Zero, grant.CreationDate.Offset);
        Assert.Equal(Owner, grant.IssuingPrincipal);
        Assert.Contains("for user:bob: Decrypt, Encrypt with EncryptionContextSubset {dept=it}", grant.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameNameAndArgumentsReturnTheExistingGrant()
    {
        var set = new GrantSet();
        var first = set.Create(Request(), Owner).Grant;
        // Operations in another order and repeated: still the same arguments.
        var again = set.Create(Request() with
        {
            Operations = [GrantOperation.Decrypt, GrantOperation.Encrypt, GrantOperation.Decrypt],
            Constraints = GrantConstraints.Subset(new Dictionary<string, string> { ["dept"] = "it" }),
        }, Principal.User("someone-else"));
        Assert.False(again.Created);
        Assert.Same(first, again.Grant);
        Assert.Single(set.Grants);
    }

    [Fact]
    public void TheSameNameWithOtherArgumentsCreatesAnotherGrantAsKmsDoes()
    {
        var set = new GrantSet();
        var first = set.Create(Request(), Owner).Grant;
        var variants = new[]
        {
            Request() with { Operations = [GrantOperation.Decrypt] },
            Request() with { GranteePrincipal = Principal.Group("it") },
            Request() with { RetiringPrincipal = null },
            Request() with { Constraints = GrantConstraints.Equal(new Dictionary<string, string> { ["dept"] = "it" }) },
            Request() with { Constraints = GrantConstraints.Subset(new Dictionary<string, string> { ["dept"] = "IT" }) },
            Request() with { Constraints = GrantConstraints.Subset(new Dictionary<string, string> { ["DEPT"] = "it" }) },
            Request() with { Constraints = null },
            Request() with { KeyId = "k2" },
        };
        foreach (var variant in variants)
        {
            var result = set.Create(variant, Owner);
            Assert.True(result.Created);
            Assert.NotEqual(first.GrantId, result.Grant.GrantId);
            Assert.Equal("nightly-backup", result.Grant.Name);
        }
        Assert.Equal(variants.Length + 1, set.Grants.Count);
        Assert.Equal(variants.Length + 1, set.Grants.Select(g => g.GrantId).Distinct().Count());
    }

    [Fact]
    public void WithoutANameEveryCallCreatesAGrant()
    {
        var set = new GrantSet();
        var a = set.Create(Request() with { Name = null }, Owner);
        var b = set.Create(Request() with { Name = null }, Owner);
        Assert.True(a.Created && b.Created);
        Assert.NotEqual(a.Grant.GrantId, b.Grant.GrantId);
    }

    public static TheoryData<string, GrantRequest> InvalidRequests() => new()
    {
        { "no operations", new GrantRequest("k1", Bob, []) },
        { "'*' grantee", new GrantRequest("k1", Principal.Anyone, [GrantOperation.Decrypt]) },
        { "'*' retiring", new GrantRequest("k1", Bob, [GrantOperation.Decrypt]) { RetiringPrincipal = Principal.Anyone } },
        { "empty key", new GrantRequest(" ", Bob, [GrantOperation.Decrypt]) },
        { "bad name", new GrantRequest("k1", Bob, [GrantOperation.Decrypt]) { Name = "has space" } },
        { "empty name", new GrantRequest("k1", Bob, [GrantOperation.Decrypt]) { Name = "" } },
        { "long name", new GrantRequest("k1", Bob, [GrantOperation.Decrypt]) { Name = new string('n', 257) } },
        { "undefined operation", new GrantRequest("k1", Bob, [(GrantOperation)99]) },
        { "constraint on GetPublicKey", new GrantRequest("k1", Bob, [GrantOperation.GetPublicKey, GrantOperation.Decrypt]) { Constraints = GrantConstraints.Subset(new Dictionary<string, string> { ["a"] = "b" }) } },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public void RefusesInvalidRequests(string name, GrantRequest request)
    {
        var ex = Assert.Throws<InvalidGrantException>(() => new GrantSet().Create(request, Owner));
        Assert.Equal("InvalidGrant", ex.ErrorId);
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public void ConstraintsAreOneKindAndNotEmpty()
    {
        var pairs = new Dictionary<string, string> { ["a"] = "b" };
        Assert.Throws<InvalidGrantException>(() => GrantConstraints.From(pairs, pairs));
        Assert.Throws<InvalidGrantException>(() => GrantConstraints.Subset(new Dictionary<string, string>()));
        Assert.Throws<InvalidGrantException>(() => GrantConstraints.Equal(new Dictionary<string, string> { [""] = "x" }));
        Assert.Throws<InvalidGrantException>(() => GrantConstraints.Equal(new Dictionary<string, string> { ["a"] = "x", ["A"] = "y" }));
        Assert.Null(GrantConstraints.From(null, null));
        Assert.Equal("EncryptionContextEquals", GrantConstraints.From(null, pairs)!.Type);
        // Constraints may sit beside DescribeKey, RetireGrant and CreateGrant, which ignore them.
        var ok = new GrantRequest("k1", Bob, [GrantOperation.Decrypt, GrantOperation.DescribeKey, GrantOperation.RetireGrant, GrantOperation.CreateGrant])
        {
            Constraints = GrantConstraints.Subset(pairs),
        };
        Assert.True(new GrantSet().Create(ok, Owner).Created);
    }

    [Fact]
    public void GrantOperationsParseFromEitherSpelling()
    {
        Assert.Equal(GrantOperation.Decrypt, GrantOperations.Parse("decrypt"));
        Assert.Equal(GrantOperation.ReEncryptFrom, GrantOperations.Parse("kms:ReEncryptFrom"));
        Assert.Equal("kms:GenerateDataKeyWithoutPlaintext", GrantOperation.GenerateDataKeyWithoutPlaintext.ToAction());
        Assert.Null(GrantOperations.FromAction(KmsActions.PutKeyPolicy));
        Assert.Null(GrantOperations.FromAction("kms:1"));
        Assert.Throws<InvalidGrantException>(() => GrantOperations.Parse("PutKeyPolicy"));
        Assert.All(Enum.GetValues<GrantOperation>(), op => Assert.True(KmsActions.IsKnown(op.ToAction())));
    }

    [Fact]
    public void ListFiltersByKeyGrantIdAndGrantee()
    {
        var set = new GrantSet();
        var a = set.Create(new GrantRequest("k1", Bob, [GrantOperation.Decrypt]), Owner).Grant;
        var b = set.Create(new GrantRequest("k1", Principal.Group("it"), [GrantOperation.Decrypt]), Owner).Grant;
        var c = set.Create(new GrantRequest("k2", Bob, [GrantOperation.Encrypt]), Owner).Grant;
        Assert.Equal([a, b, c], set.List());
        Assert.Equal([a, b], set.List(keyId: "k1"));
        Assert.Equal([a, c], set.List(grantee: Bob));
        Assert.Equal([c], set.List(keyId: "k2", grantee: Bob));
        Assert.Equal([b], set.List(grantId: b.GrantId));
        Assert.Empty(set.List(keyId: "k2", grantId: b.GrantId));
    }

    [Fact]
    public void RevokeRemovesAGrantOfTheKey()
    {
        var set = new GrantSet();
        var a = set.Create(new GrantRequest("k1", Bob, [GrantOperation.Decrypt]), Owner).Grant;
        Assert.Throws<GrantNotFoundException>(() => set.Revoke("k2", a.GrantId));
        Assert.Same(a, set.Revoke("k1", a.GrantId));
        Assert.Empty(set.Grants);
        var ex = Assert.Throws<GrantNotFoundException>(() => set.Revoke("k1", a.GrantId));
        Assert.Equal("GrantNotFound", ex.ErrorId);
    }

    /// <summary>KMS's rule: the retiring principal; the grantee only if the grant includes RetireGrant; the owner (KMS: the account).</summary>
    [Theory]
    [InlineData("admin", false, true)]
    [InlineData("bob", false, false)]
    [InlineData("bob", true, true)]
    [InlineData("owner", false, true)]
    [InlineData("stranger", true, false)]
    [InlineData("ops-member", false, true)]
    public void RetiringFollowsKmsRule(string who, bool grantHasRetireGrant, bool allowed)
    {
        var set = new GrantSet();
        GrantOperation[] ops = grantHasRetireGrant ? [GrantOperation.Decrypt, GrantOperation.RetireGrant] : [GrantOperation.Decrypt];
        var grant = set.Create(new GrantRequest("k1", Bob, ops) { RetiringPrincipal = Principal.User("admin") }, Owner).Grant;
        // A group as retiring principal works too.
        var groupGrant = set.Create(new GrantRequest("k1", Bob, [GrantOperation.Encrypt]) { RetiringPrincipal = Principal.Group("ops") }, Owner).Grant;
        var caller = who == "ops-member" ? Who("olga", 3, "ops") : Who(who, 2);
        var target = who == "ops-member" ? groupGrant : grant;
        if (allowed)
        {
            Assert.Same(target, set.Retire(target.GrantId, caller, storeOwner: Owner));
            Assert.DoesNotContain(target, set.Grants);
        }
        else
        {
            var ex = Assert.Throws<AccessDeniedException>(() => set.Retire(target.GrantId, caller, storeOwner: Owner));
            Assert.Equal(KmsActions.RetireGrant, ex.Decision.Action);
            Assert.Contains("only its retiring principal (user:admin), its grantee when the grant includes RetireGrant, or the store owner", ex.Message, StringComparison.Ordinal);
            Assert.Contains(target, set.Grants);
        }
    }

    [Fact]
    public void AGrantsRetireGrantOperationDoesNotAllowRetiringOtherGrants()
    {
        var set = new GrantSet();
        set.Create(new GrantRequest("k1", Bob, [GrantOperation.RetireGrant, GrantOperation.Decrypt]), Owner);
        var policy = KeyPolicy.Parse("""{"Statement":[{"Effect":"Allow","Principal":{"EncTools":"user:owner"},"Action":"kms:*","Resource":"*"}]}""");
        var decision = AccessEvaluator.Evaluate(new AccessRequest
        {
            Caller = Who("bob", 1), Action = KmsActions.RetireGrant, Key = new KeyArn("s", "k1"), Policy = policy, Grants = set.Grants,
        });
        Assert.False(decision.IsAllowed);
    }

    [Fact]
    public void RetiringNeedsTheGrantToExistOnTheNamedKey()
    {
        var set = new GrantSet();
        var grant = set.Create(new GrantRequest("k1", Bob, [GrantOperation.RetireGrant]), Owner).Grant;
        Assert.Throws<GrantNotFoundException>(() => set.Retire("nope", Who("bob", 1)));
        Assert.Throws<GrantNotFoundException>(() => set.Retire(grant.GrantId, Who("bob", 1), keyId: "k2"));
        Assert.Equal([grant], set.ListRetirable(Who("bob", 1)));
        Assert.Empty(set.ListRetirable(Who("carl", 1)));
        Assert.Equal([grant], set.ListRetirable(Who("owner", 9), Owner));
    }

    [Fact]
    public void GrantsRoundTripThroughJson()
    {
        var set = new GrantSet();
        set.Create(Request(), Owner);
        set.Create(new GrantRequest("k2", Principal.Sid("S-1-5-21-1-2-3-1001"), [GrantOperation.DescribeKey]), Principal.Uid(0));
        set.Create(new GrantRequest("k2", Principal.Gid(100), [GrantOperation.Encrypt]) { Constraints = GrantConstraints.Equal(new Dictionary<string, string> { ["a"] = "b" }) }, Owner);
        var json = set.ToJson();
        var back = GrantSet.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(set.Grants.Select(g => g.ToString()), back.Grants.Select(g => g.ToString()));
        Assert.Equal(set.Grants.Select(g => g.CreationDate), back.Grants.Select(g => g.CreationDate));
        Assert.Equal(set.Grants[0].Constraints, back.Grants[0].Constraints);
        Assert.Contains("\"Operations\":[\"Decrypt\",\"Encrypt\"]", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"Version\":2,\"Grants\":[]}")]
    [InlineData("{\"Version\":1,\"Grants\":[{\"GrantId\":\"x\",\"KeyId\":\"k\",\"GranteePrincipal\":\"bob\",\"Operations\":[\"Decrypt\"],\"CreationDate\":\"2025-01-01T00:00:00Z\",\"IssuingPrincipal\":\"user:o\"}]}")]
    [InlineData("{\"Version\":1,\"Grants\":[{\"GrantId\":\"x\",\"KeyId\":\"k\",\"GranteePrincipal\":\"user:bob\",\"Operations\":[\"Frob\"],\"CreationDate\":\"2025-01-01T00:00:00Z\",\"IssuingPrincipal\":\"user:o\"}]}")]
    [InlineData("{\"Version\":1,\"Grants\":[{\"GrantId\":\"\",\"KeyId\":\"k\",\"GranteePrincipal\":\"user:bob\",\"Operations\":[\"Decrypt\"],\"CreationDate\":\"2025-01-01T00:00:00Z\",\"IssuingPrincipal\":\"user:o\"}]}")]
    public void RefusesAStoredGrantListThatIsNotValid(string json)
    {
        var ex = Assert.Throws<InvalidAccessDataException>(() => GrantSet.FromJson(json));
        Assert.Equal("InvalidAccessData", ex.ErrorId);
    }

    [Fact]
    public void RemovingAKeyRemovesItsGrants()
    {
        var set = new GrantSet();
        set.Create(new GrantRequest("k1", Bob, [GrantOperation.Decrypt]), Owner);
        set.Create(new GrantRequest("k1", Bob, [GrantOperation.Encrypt]), Owner);
        set.Create(new GrantRequest("k2", Bob, [GrantOperation.Encrypt]), Owner);
        Assert.Equal(2, set.RemoveKey("k1"));
        Assert.Equal("k2", Assert.Single(set.Grants).KeyId);
    }

    [Fact]
    public void ConcurrentCreationWithOneNameMakesOneGrant()
    {
        var set = new GrantSet();
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 64, _ => ids.Add(set.Create(Request(), Owner).Grant.GrantId));
        Assert.Single(ids.Distinct());
        Assert.Single(set.Grants);
    }

    [Theory]
    [InlineData("dept", "hr", true)]
    [InlineData("DEPT", "hr", false)]
    [InlineData("Dept", "hr", false)]
    [InlineData("dept", "HR", false)]
    public void ConstraintKeysAndValuesMatchExactlyAsTheContextAndExpectContextDo(string key, string value, bool allowed)
    {
        // The context a file carries is authenticated byte for byte, and --expect-context compares it exactly: a
        // constraint must not admit a context that those would call different.
        var context = new Dictionary<string, string>(StringComparer.Ordinal) { [key] = value, ["other"] = "x" };
        var subset = GrantConstraints.Subset(new Dictionary<string, string> { ["dept"] = "hr" });
        Assert.Equal(allowed, subset.IsSatisfiedBy(context));
        var equal = GrantConstraints.Equal(new Dictionary<string, string> { ["dept"] = "hr", ["other"] = "x" });
        Assert.Equal(allowed, equal.IsSatisfiedBy(context));
        var expectOk = true;
        try { EncryptionTools.Engine.Format.EncryptionContext.RequirePairs(context, new Dictionary<string, string> { ["dept"] = "hr" }); }
        catch (EncryptionTools.Engine.EncryptionContextMismatchException) { expectOk = false; }
        Assert.Equal(expectOk, subset.IsSatisfiedBy(context));
    }
}
