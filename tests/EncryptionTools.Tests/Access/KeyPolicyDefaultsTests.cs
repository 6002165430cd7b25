using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Access;

public class KeyPolicyDefaultsTests
{
    private static readonly KeyArn Key = new("store1", "k1");
    private static readonly CallerIdentity Alice = new("alice", 1001, groups: [new GroupInfo("alice", 1001)]);
    private static readonly CallerIdentity Owner = new("owner", 1000, groups: [new GroupInfo("admins", 10)]);
    private static readonly CallerIdentity Bob = new("bob", 1002);

    private static bool Allowed(KeyPolicy policy, CallerIdentity who, string action) =>
        AccessEvaluator.Evaluate(new AccessRequest
        {
            Caller = who, Action = action, Key = Key, Policy = policy,
            EncryptionContext = KmsActions.TakesEncryptionContext.Contains(action) ? new Dictionary<string, string> { ["a"] = "b" } : null,
        }).IsAllowed;

    [Fact]
    public void TheStoreWritesTheDefaultPolicyForANewKey()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "d" });
        var written = t.Store.GetKeyPolicy(key.KeyId);
        Assert.True(written.IsDefault);
        Assert.Equal(KeyPolicies.Default("user:" + KeyPolicies.CurrentUser(), "user:" + KeyPolicies.CurrentUser()), written.Policy);
        var policy = KeyPolicy.Parse(written.Policy);
        Assert.Equal(KeyPolicies.DefaultPolicyId, policy.Id);
        Assert.Equal(KeyPolicy.CurrentVersion, policy.Version);
        Assert.Equal("user:" + KeyPolicies.CurrentUser(), Assert.Single(Assert.Single(policy.Statements).Principals).ToString());
    }

    [Fact]
    public void TheDefaultPolicyGivesTheCreatorAndTheOwnerFullControlAndNobodyElseAnything()
    {
        var policy = KeyPolicy.Parse(KeyPolicies.Default("alice", "uid:1000"));
        Assert.Equal(KeyPolicies.DefaultPolicyId, policy.Id);
        var s = Assert.Single(policy.Statements);
        Assert.Equal(KeyPolicies.DefaultStatementSid, s.Sid);
        Assert.Equal(["user:alice", "uid:1000"], s.Principals.Select(p => p.ToString()));
        Assert.Empty(policy.Warnings);
        foreach (var action in KmsActions.Local)
        {
            Assert.True(Allowed(policy, Alice, action), action);
            Assert.True(Allowed(policy, Owner, action), action);
            Assert.False(Allowed(policy, Bob, action), action);
        }
        Assert.Contains("\"Action\":\"kms:*\"", policy.Text, StringComparison.Ordinal);
        Assert.Equal(policy.Text, KeyPolicy.Parse(policy.Text).Text);
        Assert.NotNull(KeyPolicies.CheckLockout(policy, Key, [Owner, Alice]));
    }

    [Fact]
    public void TheDefaultPolicyNamesOnePrincipalOnceWhenTheCreatorIsTheOwner()
    {
        var policy = KeyPolicy.Parse(KeyPolicies.Default("owner", "user:owner"));
        Assert.Equal("user:owner", Assert.Single(policy.Statements[0].Principals).ToString());
        Assert.Contains("\"EncTools\":\"user:owner\"", policy.Text, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> LockingPolicies() => new()
    {
        { "no PutKeyPolicy at all", """{"Statement":[{"Effect":"Allow","Principal":{"EncTools":"user:owner"},"Action":["kms:Decrypt","kms:Get*"],"Resource":"*"}]}""" },
        { "only for someone else", """{"Statement":[{"Effect":"Allow","Principal":{"EncTools":"user:bob"},"Action":"kms:*","Resource":"*"}]}""" },
        { "denied to everyone", """{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},{"Sid":"Freeze","Effect":"Deny","Principal":"*","Action":"kms:PutKeyPolicy","Resource":"*"}]}""" },
        { "only with an encryption context", """{"Statement":[{"Effect":"Allow","Principal":{"EncTools":"user:owner"},"Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:a":"b"}}}]}""" },
        { "only on another key", """{"Statement":[{"Effect":"Allow","Principal":{"EncTools":"user:owner"},"Action":"kms:*","Resource":"arn:enctools:kms:local:store1:key/k2"}]}""" },
        { "only for an AWS account", PolicyDocuments.AwsDefault },
        { "NotAction that excludes it", """{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"kms:Put*","Resource":"*"}]}""" },
    };

    [Theory]
    [MemberData(nameof(LockingPolicies))]
    public void APolicyThatLocksEveryoneOutIsRefusedUnlessBypassed(string name, string json)
    {
        var policy = KeyPolicy.Parse(json);
        var ex = Assert.Throws<KeyPolicyLockoutException>(() => KeyPolicies.CheckLockout(policy, Key, [Owner, Alice]));
        Assert.Equal("KeyPolicyLockout", ex.ErrorId);
        Assert.Contains("neither user:owner nor user:alice would be allowed kms:PutKeyPolicy", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-BypassLockoutSafetyCheck", ex.Message, StringComparison.Ordinal);
        Assert.Null(KeyPolicies.CheckLockout(policy, Key, [Owner, Alice], bypass: true));
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Theory]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"EncTools":"uid:1000"},"Action":"kms:PutKeyPolicy","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"EncTools":"group:admins"},"Action":"kms:Put*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"EncTools":"user:alice"},"Action":"kms:*","Resource":"arn:enctools:kms:local:store1:key/*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":{"EncTools":"user:owner"},"Action":"kms:*","Resource":"*"}]}""")]
    public void APolicyThatTheOwnerOrTheCallerCanChangeAgainPasses(string json)
    {
        var decision = KeyPolicies.CheckLockout(KeyPolicy.Parse(json), Key, [Owner, Alice]);
        Assert.NotNull(decision);
        Assert.True(decision!.IsAllowed);
        Assert.Equal(KmsActions.PutKeyPolicy, decision.Action);
    }
}
