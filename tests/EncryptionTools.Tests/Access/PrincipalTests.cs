using EncryptionTools.Engine.Access;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Access;

public class PrincipalTests
{
    [Theory]
    [InlineData("*", PrincipalKind.Anyone, "", "*")]
    [InlineData("user:alice", PrincipalKind.User, "alice", "user:alice")]
    [InlineData("USER:Alice", PrincipalKind.User, "Alice", "user:Alice")]
    [InlineData(@"user:CORP\alice", PrincipalKind.User, @"CORP\alice", @"user:CORP\alice")]
    [InlineData("user:alice@example.com", PrincipalKind.User, "alice@example.com", "user:alice@example.com")]
    [InlineData("group:backup-operators", PrincipalKind.Group, "backup-operators", "group:backup-operators")]
    [InlineData("group:Domain Users", PrincipalKind.Group, "Domain Users", "group:Domain Users")]
    [InlineData("uid:0", PrincipalKind.Uid, "0", "uid:0")]
    [InlineData("uid:1000", PrincipalKind.Uid, "1000", "uid:1000")]
    [InlineData("gid:4294967295", PrincipalKind.Gid, "4294967295", "gid:4294967295")]
    [InlineData("sid:S-1-5-32-544", PrincipalKind.Sid, "S-1-5-32-544", "sid:S-1-5-32-544")]
    [InlineData("SID:s-1-5-21-1004336348-1177238915-682003330-512", PrincipalKind.Sid, "S-1-5-21-1004336348-1177238915-682003330-512", "sid:S-1-5-21-1004336348-1177238915-682003330-512")]
    public void ParsesTheDocumentedForms(string text, PrincipalKind kind, string value, string canonical)
    {
        var p = Principal.Parse(text);
        Assert.Equal(kind, p.Kind);
        Assert.Equal(value, p.Value);
        Assert.Equal(canonical, p.ToString());
        Assert.Equal(p, Principal.Parse(p.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice")]
    [InlineData(":alice")]
    [InlineData("user:")]
    [InlineData("user: alice")]
    [InlineData("user:alice ")]
    [InlineData("user:a:b")]
    [InlineData("user:al*ce")]
    [InlineData("user:al?ce")]
    [InlineData("user:al\nice")]
    [InlineData("group:")]
    [InlineData("uid:-1")]
    [InlineData("uid:+1")]
    [InlineData("uid:01")]
    [InlineData("uid:1.0")]
    [InlineData("uid:4294967296")]
    [InlineData("uid:alice")]
    [InlineData("gid:")]
    [InlineData("sid:S-1")]
    [InlineData("sid:S-1-5")]
    [InlineData("sid:X-1-5-32")]
    [InlineData("sid:S-2-5-32")]
    [InlineData("sid:S-1-5-99999999999")]
    [InlineData("role:admin")]
    [InlineData("**")]
    public void RefusesEverythingElse(string text)
    {
        var ex = Assert.Throws<InvalidPrincipalException>(() => Principal.Parse(text));
        Assert.Equal("InvalidPrincipal", ex.ErrorId);
        Assert.False(Principal.TryParse(text, out _));
    }

    [Fact]
    public void RefusesOverlongNames() =>
        Assert.Throws<InvalidPrincipalException>(() => Principal.Parse("user:" + new string('a', Principal.MaxNameLength + 1)));

    [Fact]
    public void ParseAndToStringRoundTripForAnyValidName()
    {
        var names = ArbMap.Default.GeneratorFor<NonEmptyString>().Select(s => s.Get)
            .Where(s => s.Length <= Principal.MaxNameLength && !char.IsWhiteSpace(s[0]) && !char.IsWhiteSpace(s[^1])
                && !s.Any(c => char.IsControl(c) || c is ':' or '*' or '?'));
        Prop.ForAll(names.ToArbitrary(), name =>
        {
            var user = Principal.User(name);
            var group = Principal.Group(name);
            return Principal.Parse(user.ToString()) == user && Principal.Parse(group.ToString()) == group && user != group;
        }).QuickCheckThrowOnFailure();
        Prop.ForAll<uint>(id => Principal.Parse("uid:" + id).NumericId == id && Principal.Parse(Principal.Gid(id).ToString()) == Principal.Gid(id))
            .QuickCheckThrowOnFailure();
    }

    public static CallerIdentity Bob => new("bob", 1001, groups: [new GroupInfo("bob", 1001), new GroupInfo("it", 2000), new GroupInfo(null, 3000)]);

    [Theory]
    [InlineData("*", true)]
    [InlineData("user:bob", true)]
    [InlineData("user:Bob", false)]
    [InlineData("user:alice", false)]
    [InlineData("uid:1001", true)]
    [InlineData("uid:1000", false)]
    [InlineData("group:it", true)]
    [InlineData("group:IT", false)]
    [InlineData("group:hr", false)]
    [InlineData("gid:2000", true)]
    [InlineData("gid:3000", true)]
    [InlineData("gid:4000", false)]
    [InlineData("sid:S-1-5-32-544", false)]
    public void UnixIdentitiesMatchByNameAndIdExactly(string principal, bool matches) =>
        Assert.Equal(matches, Bob.Matches(Principal.Parse(principal)));

    [Theory]
    [InlineData(@"user:THISPC\Carol", true)]
    [InlineData("user:carol", true)]
    [InlineData("user:CAROL", true)]
    [InlineData(@"user:OTHER\carol", false)]
    [InlineData(@"group:BUILTIN\Administrators", true)]
    [InlineData("group:administrators", true)]
    [InlineData("sid:S-1-5-21-1-2-3-1001", true)]
    [InlineData("sid:s-1-5-32-544", true)]
    [InlineData("sid:S-1-5-32-545", false)]
    [InlineData("uid:0", false)]
    public void WindowsIdentitiesMatchNamesWithoutCaseAndBySid(string principal, bool matches)
    {
        var carol = new CallerIdentity(@"THISPC\carol", null, "S-1-5-21-1-2-3-1001",
            [new GroupInfo(@"BUILTIN\Administrators", null, "S-1-5-32-544"), new GroupInfo("Administrators", null, "S-1-5-32-544")],
            otherUserNames: ["carol"], ignoreCase: true);
        Assert.Equal(matches, carol.Matches(Principal.Parse(principal)));
    }

    [Fact]
    public void AnIdentityListsEveryPrincipalThatNamesIt()
    {
        var names = Bob.Principals.Select(p => p.ToString()).ToArray();
        Assert.Equal(["user:bob", "uid:1001", "group:bob", "gid:1001", "group:it", "gid:2000", "gid:3000"], names);
        Assert.Equal("user:bob", Bob.Primary.ToString());
        Assert.Equal("uid:42", new CallerIdentity(null, 42).Primary.ToString());
    }

    [Fact]
    public void TheCurrentProcessResolvesToItsRealAccount()
    {
        var me = SystemPrincipalResolver.Instance.Current();
        Assert.NotEmpty(me.Principals);
        if (OperatingSystem.IsWindows())
        {
            Assert.NotNull(me.UserSid);
            return;
        }
        Assert.NotNull(me.Uid);
        Assert.Equal(Environment.UserName, me.UserName);
        Assert.True(me.Matches(Principal.User(Environment.UserName)));
        Assert.True(me.Matches(Principal.Uid(me.Uid!.Value)));
        Assert.NotEmpty(me.Groups);
        Assert.All(me.Groups, g => Assert.NotNull(g.Gid));
        // Resolved fresh each call: the same answer twice.
        Assert.Equal(me.Principals, SystemPrincipalResolver.Instance.Current().Principals);
    }

    [Fact]
    public void ExistenceIsKnownWhereThePlatformCanTell()
    {
        var resolver = SystemPrincipalResolver.Instance;
        var me = resolver.Current();
        Assert.True(resolver.Exists(me.Primary));
        Assert.True(resolver.Exists(Principal.Anyone));
        Assert.False(resolver.Exists(Principal.User("no-such-user-" + Guid.NewGuid().ToString("N")[..12])));
        Assert.False(resolver.Exists(Principal.Group("no-such-group-" + Guid.NewGuid().ToString("N")[..12])));
        if (OperatingSystem.IsWindows())
        {
            Assert.Null(resolver.Exists(Principal.Uid(0)));
            return;
        }
        Assert.True(resolver.Exists(Principal.Uid(me.Uid!.Value)));
        Assert.True(resolver.Exists(Principal.Gid(me.Groups[0].Gid!.Value)));
        Assert.Null(resolver.Exists(Principal.Sid("S-1-5-32-544")));
        Assert.False(resolver.Exists(Principal.Uid(3_999_999_999)));
    }

    [Fact]
    public void LookupGivesAnotherAccountWithItsGroups()
    {
        if (OperatingSystem.IsWindows()) return;
        var root = SystemPrincipalResolver.Instance.Lookup(Principal.Uid(0));
        Assert.NotNull(root);
        Assert.Equal("root", root!.UserName);
        Assert.True(root.Matches(Principal.Gid(0)));
        Assert.Equal(root.Uid, SystemPrincipalResolver.Instance.Lookup(Principal.User("root"))!.Uid);
        Assert.Null(SystemPrincipalResolver.Instance.Lookup(Principal.Group("root")));
        Assert.Null(SystemPrincipalResolver.Instance.Lookup(Principal.User("no-such-user-" + Guid.NewGuid().ToString("N")[..12])));
    }

    [Fact]
    public void TheEtcPasswdFallbackParses()
    {
        var entries = UnixAccounts.ParsePasswd(["# comment", "root:x:0:0:root:/root:/bin/bash", "bad line", "alice:x:1000:1000::/home/alice:/bin/sh", "x:y:z:w"]).ToArray();
        Assert.Equal(2, entries.Length);
        Assert.Equal(new UnixAccounts.PasswdEntry("alice", 1000, 1000), entries[1]);
    }

    [Fact]
    public void AStaticResolverActsAsASecondPrincipal()
    {
        var alice = new CallerIdentity("alice", 1000, groups: [new GroupInfo("alice", 1000)]);
        var resolver = new StaticPrincipalResolver(Bob, alice);
        Assert.Same(Bob.GetType(), resolver.Current().GetType());
        Assert.Equal("user:bob", resolver.Current().Primary.ToString());
        Assert.Equal(1000u, resolver.Lookup(Principal.User("alice"))!.Uid);
        Assert.True(resolver.Exists(Principal.Group("it")));
        Assert.False(resolver.Exists(Principal.User("mallory")));
    }
}
