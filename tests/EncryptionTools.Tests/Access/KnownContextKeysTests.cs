using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Access;

/// <summary>The context keys tab completion offers: those the store's policies test and its grants constrain.</summary>
public class KnownContextKeysTests
{
    private static readonly string Me = "user:" + EncryptionTools.Engine.Access.KeyPolicies.CurrentUser();

    [Fact]
    public void ComeFromPolicyConditionsAndGrantConstraintsOnly()
    {
        using var t = new TestStore().Initialized();
        Assert.Empty(KnownContextKeys.From(t.Store));

        var plain = t.Store.NewKey(new NewKeyRequest { Alias = "plain" });
        var policy = $$"""
        { "Version": "2012-10-17", "Statement": [
          { "Sid": "Admin", "Effect": "Allow", "Principal": { "EncTools": "{{Me}}" }, "Action": "kms:*", "Resource": "*" },
          { "Sid": "HrOnly", "Effect": "Allow", "Principal": { "EncTools": "group:hr" }, "Action": "kms:Decrypt", "Resource": "*",
            "Condition": { "StringEquals": { "kms:EncryptionContext:dept": "hr" },
                           "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": [ "dept", "project", "team*" ] } } } ] }
        """;
        t.Store.NewKey(new NewKeyRequest { Alias = "hr", Policy = policy });
        t.Store.CreateGrant(new GrantRequest(plain.KeyId, Principal.User("bob"), [GrantOperation.Decrypt])
        {
            Constraints = GrantConstraints.Equal(new Dictionary<string, string> { ["tenant"] = "contoso" }),
        });

        var keys = KnownContextKeys.From(t.Store);
        // Wildcard values name no single key, so they are not offered.
        Assert.Equal(["dept", "project", "tenant"], keys.Select(k => k.Key));
        Assert.StartsWith("policy of key", keys[0].Source);
        Assert.StartsWith("grant", keys[2].Source);
    }
}
