using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Audit;

/// <summary>What each record says: failures name their key, a denied access test is Denied, and every store change is
/// recorded under the KMS action of that change.</summary>
public sealed class AuditRecordTests
{
    private static readonly CallerIdentity Bob = new("bob", 5001, groups: [new GroupInfo("staff", 5001)]);

    [Fact]
    public void A_failed_operation_records_its_key_so_a_query_by_key_finds_it()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/pay" });
        t.Store.ScheduleKeyDeletion(key.KeyId, 7);
        Assert.ThrowsAny<KeyStoreException>(() => t.Store.RotateKey("alias/pay"));
        Assert.ThrowsAny<KeyStoreException>(() => t.Store.GetKey("alias/nope"));

        var failed = t.Store.QueryAudit(new AuditQuery { KeyId = key.KeyId, Result = AuditResult.Failed });
        Assert.Contains(failed, e => e.Reason is not null && e.Action == KmsActions.RotateKeyOnDemand);
        Assert.Contains(t.Store.QueryAudit(new AuditQuery { Result = AuditResult.Failed }), e => e.KeyId == "alias/nope");
    }

    [Fact]
    public void A_denied_key_access_test_is_recorded_as_Denied_and_an_allowed_one_as_Allowed()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        Assert.False(t.As(Bob).TestKeyAccess(key.KeyId, "kms:Decrypt").IsAllowed);
        Assert.True(t.Store.TestKeyAccess(key.KeyId, "kms:Decrypt").IsAllowed);

        var tests = t.Store.QueryAudit(new AuditQuery { Action = "KeyAccessTested" });
        Assert.Equal(2, tests.Count);
        Assert.Equal(AuditResult.Denied, tests[0].Result);
        Assert.Equal("user:bob", tests[0].Principal);
        Assert.Contains("kms:Decrypt", tests[0].Reason, StringComparison.Ordinal);
        Assert.Equal(AuditResult.Allowed, tests[1].Result);
    }

    [Fact]
    public void Every_store_change_is_recorded_under_its_own_KMS_action()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/one" });
        var other = t.Store.NewKey(new NewKeyRequest());
        t.Store.NewAlias("alias/two", key.KeyId);
        t.Store.SetAlias("alias/two", other.KeyId);
        t.Store.RemoveAlias("alias/two");
        t.Store.DisableKey(key.KeyId);
        t.Store.EnableKey(key.KeyId);
        t.Store.RotateKey(key.KeyId);
        t.Store.PutKeyPolicy(key.KeyId, t.Store.GetKeyPolicy(key.KeyId).Policy);
        var grant = t.Store.CreateGrant(new GrantRequest(key.KeyId, Principal.User("carol"), [GrantOperation.Decrypt]));
        t.Store.RevokeGrant(key.KeyId, grant.GrantId);
        t.Store.ScheduleKeyDeletion(other.KeyId, 7);
        t.Store.CancelKeyDeletion(other.KeyId);
        t.Store.GetOrCreateDefaultKey();

        var expected = new Dictionary<string, string>
        {
            ["KeyCreated"] = KmsActions.CreateKey, ["AliasCreated"] = KmsActions.CreateAlias, ["AliasUpdated"] = KmsActions.UpdateAlias,
            ["AliasDeleted"] = KmsActions.DeleteAlias, ["KeyDisabled"] = KmsActions.DisableKey, ["KeyEnabled"] = KmsActions.EnableKey,
            ["KeyRotated"] = KmsActions.RotateKeyOnDemand, ["KeyPolicyChanged"] = KmsActions.PutKeyPolicy, ["GrantCreated"] = KmsActions.CreateGrant,
            ["GrantRevoked"] = KmsActions.RevokeGrant, ["KeyDeletionScheduled"] = KmsActions.ScheduleKeyDeletion,
            ["KeyDeletionCancelled"] = KmsActions.CancelKeyDeletion,
        };
        string? OperationOf(AuditEvent e) => expected.Keys.FirstOrDefault(op => e.Action == op || e.Reason?.StartsWith(op, StringComparison.Ordinal) == true);
        var changes = t.Store.QueryAudit().Where(e => e.Result == AuditResult.Succeeded && OperationOf(e) is not null).ToList();
        foreach (var record in changes)
        {
            var operation = OperationOf(record)!;
            Assert.True(expected[operation] == record.Action, $"{operation} was recorded as {record.Action}, not {expected[operation]}");
        }
        Assert.Equal(3, changes.Count(e => e.Action == KmsActions.CreateAlias)); // alias/one, alias/two, and the default key's alias
        Assert.Equal(3, changes.Count(e => e.Action == KmsActions.CreateKey));
        foreach (var op in expected.Keys) Assert.Contains(changes, e => OperationOf(e) == op);
    }
}
