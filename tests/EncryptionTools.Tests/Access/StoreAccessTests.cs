using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Store;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Store;
using EncryptionTools.Tests.Files;
using EncryptionTools.Engine.Files;

namespace EncryptionTools.Tests.Access;

/// <summary>Policies, grants and the audit log through the store, with a second principal through the test seam.</summary>
public class StoreAccessTests
{
    private static readonly string Me = "user:" + EncryptionTools.Engine.Access.KeyPolicies.CurrentUser();
    private static readonly CallerIdentity Bob = new("bob", 5001, groups: [new GroupInfo("staff", 5001)]);

    private static Dictionary<string, string> Ctx(string dept) => new(StringComparer.Ordinal) { ["dept"] = dept };

    private static string Encrypt(TestStore t, LocalKeyStore store, string key, Dictionary<string, string> context, string name)
    {
        var plain = t.Dir.Write(name, Encoding.UTF8.GetBytes("salary table for " + name));
        using var keyring = store.CreateEncryptKeyring([key], new StoreFileContext { FilePath = plain + ".enc" });
        FileRoute.EncryptFile(plain, plain + ".enc", [keyring], new EncryptOptions { EncryptionContext = context });
        return plain + ".enc";
    }

    private static string Decrypt(TestStore t, LocalKeyStore store, string file)
    {
        var output = t.Dir.File("out-" + Guid.NewGuid().ToString("N"));
        using var keyring = store.CreateDecryptKeyring(null, new StoreFileContext { FilePath = file });
        FileRoute.DecryptFile(file, output, [keyring]);
        return File.ReadAllText(output);
    }

    /// <summary>The access-control acceptance scenario, step by step, read back from the audit log.</summary>
    [Fact]
    public void Done_when_scenario_grant_decrypt_with_context_then_revoke_all_audited_and_tamper_evident()
    {
        using var t = new TestStore();
        var owner = t.Store;
        var bob = t.As(Bob);
        var key = owner.NewKey(new NewKeyRequest { Alias = "x" });

        // Get-EncKeyPolicy on alias/x: the default policy, owner and creator only.
        var policy = owner.GetKeyPolicy("alias/x");
        Assert.True(policy.IsDefault);
        Assert.Equal(key.KeyId, policy.KeyId);
        Assert.Contains(EncryptionTools.Engine.Access.KeyPolicies.DefaultStatementSid, policy.Policy, StringComparison.Ordinal);
        Assert.DoesNotContain("user:bob", policy.Policy, StringComparison.Ordinal);

        var hr = Encrypt(t, owner, "alias/x", Ctx("hr"), "hr.txt");
        var it = Encrypt(t, owner, "alias/x", Ctx("it"), "it.txt");

        // Before any grant bob cannot decrypt at all.
        var before = Assert.Throws<NoDecryptableKeyException>(() => Decrypt(t, bob, hr));
        Assert.Equal(EdkFailureKind.NotAllowed, Assert.Single(before.Failures).Kind);

        // Grant bob Decrypt only, constrained to dept=hr.
        var grant = owner.CreateGrant(new GrantRequest("alias/x", Principal.User("bob"), [GrantOperation.Decrypt])
        {
            Constraints = GrantConstraints.Subset(Ctx("hr")),
            Name = "hr-read",
        });
        Assert.Equal(key.KeyId, grant.KeyId);
        Assert.Same(grant.GrantId, grant.GrantId);
        Assert.Equal(grant.GrantId, owner.CreateGrant(new GrantRequest(key.KeyId, Principal.User("bob"), [GrantOperation.Decrypt])
        {
            Constraints = GrantConstraints.Subset(Ctx("hr")),
            Name = "hr-read",
        }).GrantId); // idempotent per KMS
        Assert.Single(owner.GetGrants("alias/x"));

        // dept=it: refused, naming the missing permission and the context.
        var refused = Assert.Throws<NoDecryptableKeyException>(() => Decrypt(t, bob, it));
        var failure = Assert.Single(refused.Failures);
        Assert.Equal(EdkFailureKind.NotAllowed, failure.Kind);
        Assert.Contains("user:bob is not allowed kms:Decrypt", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("{dept=it}", failure.Reason, StringComparison.Ordinal);
        Assert.Contains(grant.GrantId, failure.Reason, StringComparison.Ordinal);

        // dept=hr: allowed by the grant.
        Assert.Equal("salary table for hr.txt", Decrypt(t, bob, hr));

        // Bob may do nothing else.
        var denied = Assert.Throws<AccessDeniedException>(() => bob.GetKeyPolicy("alias/x"));
        Assert.Equal("AccessDenied", denied.ErrorId);
        Assert.Equal(EngineErrorCategory.PermissionDenied, denied.Category);
        Assert.Contains("kms:GetKeyPolicy", denied.Message, StringComparison.Ordinal);

        // Revoke, then refused again.
        owner.RevokeGrant("alias/x", grant.GrantId);
        Assert.Empty(owner.GetGrants("alias/x"));
        var again = Assert.Throws<NoDecryptableKeyException>(() => Decrypt(t, bob, hr));
        Assert.Contains("no statement or grant allows it", Assert.Single(again.Failures).Reason, StringComparison.Ordinal);

        // Every step is in the audit log.
        var events = owner.QueryAudit();
        var root = t.Store.GetKeyPolicy(key.KeyId); // the owner is still allowed
        Assert.NotNull(root);
        Assert.Contains(events, e => e.Action == KmsActions.GetKeyPolicy && e.Result == AuditResult.Succeeded && e.KeyId == key.KeyId);
        Assert.Contains(events, e => e.Action == KmsActions.GetKeyPolicy && e.Result == AuditResult.Denied && e.Principal == "user:bob");
        Assert.Contains(events, e => e.Action == KmsActions.CreateGrant && e.Result == AuditResult.Succeeded);
        var bobDecrypts = events.Where(e => e.Principal == "user:bob" && e.Action == KmsActions.Decrypt).ToList();
        Assert.Equal([AuditResult.Denied, AuditResult.Denied, AuditResult.Succeeded, AuditResult.Denied], bobDecrypts.Select(e => e.Result));
        Assert.Equal("it", bobDecrypts[1].EncryptionContext!["dept"]);
        Assert.Equal(it, bobDecrypts[1].FilePath);
        Assert.Contains("kms:Decrypt", bobDecrypts[1].Reason, StringComparison.Ordinal);
        Assert.Equal($"grant {grant.GrantId}", bobDecrypts[2].DecidedBy);
        Assert.Equal("1", bobDecrypts[2].KeyVersion);
        Assert.Contains(events, e => e.Action == KmsActions.RevokeGrant && e.Result == AuditResult.Succeeded);
        Assert.Contains(events, e => e.Action == KmsActions.GenerateDataKey && e.FilePath == hr && e.Principal == Me);
        Assert.All(events, e => Assert.True(e.IsAuthentic));
        var verified = owner.VerifyAuditLog();
        Assert.True(verified.IsValid, verified.ToString());

        // Tamper: edit a record in the middle; verification names the first broken one.
        var log = Directory.GetFiles(Path.Combine(t.Location, "audit"), "audit-*.jsonl").Single();
        var lines = File.ReadAllLines(log);
        var target = Array.FindIndex(lines, l => l.Contains("\"dept\":\"it\"", StringComparison.Ordinal) && l.Contains("Denied", StringComparison.Ordinal));
        Assert.True(target > 0);
        lines[target] = lines[target].Replace("\"dept\":\"it\"", "\"dept\":\"hr\"", StringComparison.Ordinal);
        File.WriteAllLines(log, lines);
        var broken = owner.VerifyAuditLog();
        Assert.False(broken.IsValid);
        Assert.Equal(AuditBreakKind.Edited, broken.FirstBreak!.Kind);
        Assert.Equal(target + 1, broken.FirstBreak.Line);
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("reorder")]
    public void Deleting_or_reordering_a_record_is_reported_at_the_first_broken_one(string how)
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        for (var i = 0; i < 5; i++) t.Store.GetKey(key.KeyId);
        Assert.True(t.Store.VerifyAuditLog().IsValid);
        var log = Directory.GetFiles(Path.Combine(t.Location, "audit"), "audit-*.jsonl").Single();
        var lines = File.ReadAllLines(log).ToList();
        if (how == "delete") lines.RemoveAt(2);
        else (lines[2], lines[3]) = (lines[3], lines[2]);
        File.WriteAllLines(log, lines);
        var result = t.Store.VerifyAuditLog();
        Assert.False(result.IsValid);
        Assert.Equal(how == "delete" ? AuditBreakKind.Deleted : AuditBreakKind.Reordered, result.FirstBreak!.Kind);
        Assert.Equal(3, result.FirstBreak.Line);
    }

    /// <summary>Bob, under a policy that gives him nothing (not even the default's), is refused every operation.</summary>
    public static TheoryData<string> Operations() =>
    [
        "GetKey", "UpdateKey.Description", "UpdateKey.Tags", "UpdateKey.RemoveTags", "UpdateKey.RotationOn", "UpdateKey.RotationOff",
        "UpdateKey.MinimumDecryptionVersion", "UpdateKey.Policy", "EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion",
        "RotateKey", "GetKeyRotations", "ExportKey", "NewAlias", "SetAlias", "RemoveAlias", "GetKeyPolicy", "PutKeyPolicy",
        "TestKeyAccess.Other", "CreateGrant", "GetGrants", "RevokeGrant", "RetireGrant", "Encrypt", "Decrypt",
    ];

    private static readonly Dictionary<string, string> ExpectedAction = new()
    {
        ["GetKey"] = KmsActions.DescribeKey, ["UpdateKey.Description"] = KmsActions.UpdateKeyDescription, ["UpdateKey.Tags"] = KmsActions.TagResource,
        ["UpdateKey.RemoveTags"] = KmsActions.UntagResource, ["UpdateKey.RotationOn"] = KmsActions.EnableKeyRotation,
        ["UpdateKey.RotationOff"] = KmsActions.DisableKeyRotation, ["UpdateKey.MinimumDecryptionVersion"] = KmsActions.DisableKey,
        ["UpdateKey.Policy"] = KmsActions.PutKeyPolicy, ["EnableKey"] = KmsActions.EnableKey, ["DisableKey"] = KmsActions.DisableKey,
        ["ScheduleKeyDeletion"] = KmsActions.ScheduleKeyDeletion, ["CancelKeyDeletion"] = KmsActions.CancelKeyDeletion,
        ["RotateKey"] = KmsActions.RotateKeyOnDemand, ["GetKeyRotations"] = KmsActions.ListKeyRotations, ["ExportKey"] = KmsActions.ExportKeyMaterial,
        ["NewAlias"] = KmsActions.CreateAlias, ["SetAlias"] = KmsActions.UpdateAlias, ["RemoveAlias"] = KmsActions.DeleteAlias,
        ["GetKeyPolicy"] = KmsActions.GetKeyPolicy, ["PutKeyPolicy"] = KmsActions.PutKeyPolicy, ["TestKeyAccess.Other"] = KmsActions.GetKeyPolicy,
        ["CreateGrant"] = KmsActions.CreateGrant, ["GetGrants"] = KmsActions.ListGrants, ["RevokeGrant"] = KmsActions.RevokeGrant,
        ["RetireGrant"] = KmsActions.RetireGrant, ["Encrypt"] = KmsActions.GenerateDataKey, ["Decrypt"] = KmsActions.Decrypt,
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public void Every_store_operation_refuses_when_the_policy_denies_it(string operation)
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "k", Exportable = true });
        var other = t.Store.NewKey(new NewKeyRequest { Alias = "other" });
        // Bob is allowed everything on 'other' and nothing on 'k' (an explicit deny also beats the grant below).
        var grant = t.Store.CreateGrant(new GrantRequest(key.KeyId, Principal.User("carol"), [GrantOperation.Decrypt]));
        t.Store.PutKeyPolicy(other.KeyId, AllowAll(Me, "user:bob"));
        t.Store.PutKeyPolicy(key.KeyId, $$"""
            { "Version": "2012-10-17", "Statement": [
              { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "{{Me}}" }, "Action": "kms:*", "Resource": "*" },
              { "Sid": "NotBob", "Effect": "Deny", "Principal": { "EncTools": "user:bob" }, "Action": "kms:*", "Resource": "*" } ] }
            """);
        var file = Encrypt(t, t.Store, key.KeyId, Ctx("hr"), "f.txt");
        if (operation == "CancelKeyDeletion") t.Store.ScheduleKeyDeletion(key.KeyId, 7);
        var bob = t.As(Bob);
        var before = t.Store.QueryAudit().Count;

        Action act = operation switch
        {
            "GetKey" => () => bob.GetKey("alias/k"),
            "UpdateKey.Description" => () => bob.UpdateKey("alias/k", new KeyUpdate { Description = "x" }),
            "UpdateKey.Tags" => () => bob.UpdateKey("alias/k", new KeyUpdate { Tags = new Dictionary<string, string> { ["a"] = "b" } }),
            "UpdateKey.RemoveTags" => () => bob.UpdateKey("alias/k", new KeyUpdate { RemoveTags = ["a"] }),
            "UpdateKey.RotationOn" => () => bob.UpdateKey("alias/k", new KeyUpdate { RotationEnabled = true }),
            "UpdateKey.RotationOff" => () => bob.UpdateKey("alias/k", new KeyUpdate { RotationEnabled = false }),
            "UpdateKey.MinimumDecryptionVersion" => () => bob.UpdateKey("alias/k", new KeyUpdate { MinimumDecryptionVersion = 1 }),
            "UpdateKey.Policy" => () => bob.UpdateKey("alias/k", new KeyUpdate { Policy = AllowAll("user:bob") }),
            "EnableKey" => () => bob.EnableKey("alias/k"),
            "DisableKey" => () => bob.DisableKey("alias/k"),
            "ScheduleKeyDeletion" => () => bob.ScheduleKeyDeletion("alias/k", 7),
            "CancelKeyDeletion" => () => bob.CancelKeyDeletion(key.KeyId),
            "RotateKey" => () => bob.RotateKey("alias/k"),
            "GetKeyRotations" => () => bob.GetKeyRotations("alias/k"),
            "ExportKey" => () => bob.ExportKey("alias/k"),
            "NewAlias" => () => bob.NewAlias("alias/k2", "alias/k"),
            "SetAlias" => () => bob.SetAlias("alias/other", "alias/k"),
            "RemoveAlias" => () => bob.RemoveAlias("alias/k"),
            "GetKeyPolicy" => () => bob.GetKeyPolicy("alias/k"),
            "PutKeyPolicy" => () => bob.PutKeyPolicy("alias/k", AllowAll("user:bob")),
            "TestKeyAccess.Other" => () => bob.TestKeyAccess("alias/k", "kms:Decrypt", Me),
            "CreateGrant" => () => bob.CreateGrant(new GrantRequest("alias/k", Principal.User("bob"), [GrantOperation.Decrypt])),
            "GetGrants" => () => bob.GetGrants("alias/k"),
            "RevokeGrant" => () => bob.RevokeGrant("alias/k", grant.GrantId),
            "RetireGrant" => () => bob.RetireGrant(grant.GrantId),
            "Encrypt" => () => Encrypt(t, bob, "alias/k", Ctx("hr"), "g.txt"),
            "Decrypt" => () => Decrypt(t, bob, file),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        var expected = ExpectedAction[operation];
        if (operation == "Decrypt")
        {
            var ex = Assert.Throws<NoDecryptableKeyException>(act);
            Assert.Contains(expected, Assert.Single(ex.Failures).Reason, StringComparison.Ordinal);
        }
        else
        {
            var ex = Assert.Throws<AccessDeniedException>(act);
            Assert.Equal("AccessDenied", ex.ErrorId);
            Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
            Assert.Contains("user:bob", ex.Message, StringComparison.Ordinal);
        }
        var denial = t.Store.QueryAudit().Skip(before).Last(e => e.Result == AuditResult.Denied);
        Assert.Equal("user:bob", denial.Principal);
        Assert.Equal(expected, denial.Action);

        // Nothing changed for the owner.
        var after = t.Store.GetKey(key.KeyId);
        Assert.Equal(operation == "CancelKeyDeletion" ? KeyState.PendingDeletion : KeyState.Enabled, after.KeyState);
        Assert.Equal(1, after.CurrentVersion);
        Assert.Single(t.Store.GetGrants(key.KeyId));
        // And bob may still use the key whose policy allows him.
        Assert.Equal(other.KeyId, bob.GetKey("alias/other").KeyId);
    }

    private static string AllowAll(params string[] principals) =>
        $$"""{ "Version": "2012-10-17", "Statement": [ { "Sid": "All", "Effect": "Allow", "Principal": { "EncTools": [{{string.Join(", ", principals.Select(p => $"\"{p}\""))}}] }, "Action": "kms:*", "Resource": "*" } ] }""";

    [Fact]
    public void Listing_shows_only_what_the_caller_may_see()
    {
        using var t = new TestStore();
        var mine = t.Store.NewKey(new NewKeyRequest { Alias = "mine" });
        var shared = t.Store.NewKey(new NewKeyRequest { Alias = "shared", Policy = AllowAll(Me, "group:staff") });
        t.Store.CreateGrant(new GrantRequest(mine.KeyId, Principal.User("bob"), [GrantOperation.Decrypt]));
        var bob = t.As(Bob);
        Assert.Equal([shared.KeyId], bob.GetKeys().Select(k => k.KeyId));
        Assert.Equal(["alias/shared"], bob.GetAliases().Select(a => a.AliasName));
        Assert.Empty(bob.GetGrants());
        Assert.Equal(2, t.Store.GetKeys().Count);
        Assert.Single(t.Store.GetGrants());
    }

    [Fact]
    public void Put_key_policy_validates_names_the_field_and_checks_lockout()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        var invalid = Assert.Throws<InvalidKeyPolicyException>(() => t.Store.PutKeyPolicy(key.KeyId, """
            { "Version": "2012-10-17", "Statement": [ { "Sid": "A", "Effect": "Allow", "Principal": "*", "Acton": "kms:Decrypt", "Resource": "*" } ] }
            """));
        Assert.Equal("InvalidKeyPolicy", invalid.ErrorId);
        Assert.Contains("Statement 0 (Sid 'A')", invalid.Message, StringComparison.Ordinal);
        Assert.Contains("Acton", invalid.Message, StringComparison.Ordinal);

        var lockout = AllowAll("user:bob");
        var ex = Assert.Throws<KeyPolicyLockoutException>(() => t.Store.PutKeyPolicy(key.KeyId, lockout));
        Assert.Equal("KeyPolicyLockout", ex.ErrorId);
        Assert.True(t.Store.GetKeyPolicy(key.KeyId).IsDefault);

        var set = t.Store.PutKeyPolicy(key.KeyId, lockout, bypassLockoutSafetyCheck: true);
        Assert.Equal(lockout, set.Policy);
        Assert.False(set.IsDefault);
        // The owner locked itself out; bob, the only principal, reads it back exactly.
        Assert.Throws<AccessDeniedException>(() => t.Store.GetKeyPolicy(key.KeyId));
        Assert.Equal(lockout, t.As(Bob).GetKeyPolicy(key.KeyId).Policy);

        var managed = t.Store.GetOrCreateDefaultKey();
        StoreAssert.Throws<KeyStoreException>(StoreErrorIds.KeyManagedByModule, () => t.Store.PutKeyPolicy(managed.KeyId, AllowAll(Me)));
    }

    [Fact]
    public void Policies_and_grants_are_kept_encrypted_and_survive_a_reopen()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        var text = AllowAll(Me, "user:zed-unique-principal");
        t.Store.PutKeyPolicy(key.KeyId, text);
        var grant = t.Store.CreateGrant(new GrantRequest(key.KeyId, Principal.User("grantee-unique-name"), [GrantOperation.Decrypt]));
        foreach (var file in Directory.GetFiles(t.Location))
        {
            var bytes = File.ReadAllText(file, Encoding.Latin1);
            Assert.DoesNotContain("zed-unique-principal", bytes, StringComparison.Ordinal);
            Assert.DoesNotContain("grantee-unique-name", bytes, StringComparison.Ordinal);
        }
        var reopened = t.Open();
        Assert.Equal(text, reopened.GetKeyPolicy(key.KeyId).Policy);
        Assert.Equal(grant.GrantId, Assert.Single(reopened.GetGrants(key.KeyId)).GrantId);
    }

    [Fact]
    public void Retire_follows_the_grants_rule_and_destruction_removes_grants_and_is_audited()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        var g1 = t.Store.CreateGrant(new GrantRequest(key.KeyId, Principal.User("carol"), [GrantOperation.Decrypt]) { RetiringPrincipal = Principal.User("bob") });
        var g2 = t.Store.CreateGrant(new GrantRequest(key.KeyId, Principal.User("carol"), [GrantOperation.Decrypt]));
        var bob = t.As(Bob);
        Assert.Equal(g1.GrantId, bob.RetireGrant(g1.GrantId).GrantId);
        Assert.Throws<AccessDeniedException>(() => bob.RetireGrant(g2.GrantId));
        Assert.Throws<GrantNotFoundException>(() => t.Store.RetireGrant(g1.GrantId));

        t.Store.ScheduleKeyDeletion(key.KeyId, 7);
        t.Clock.Advance(TimeSpan.FromDays(8));
        Assert.Empty(t.Store.GetGrants());
        var events = t.Store.QueryAudit();
        var destroyed = Assert.Single(events, e => e.Action == "KeyMaterialDestroyed");
        Assert.Equal(key.KeyId, destroyed.KeyId);
        Assert.Contains(events, e => e.Action == "GrantsDeleted" && e.KeyId == key.KeyId);
        Assert.Contains(events, e => e.Action == KmsActions.RetireGrant && e.Result == AuditResult.Denied && e.Principal == "user:bob");
        Assert.True(t.Store.VerifyAuditLog().IsValid);
    }

    [Fact]
    public void Test_key_access_shows_what_decided()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        var grant = t.Store.CreateGrant(new GrantRequest(key.KeyId, Principal.User("bob"), [GrantOperation.Decrypt]) { Constraints = GrantConstraints.Equal(Ctx("hr")) });
        var own = t.Store.TestKeyAccess(key.KeyId, "Decrypt");
        Assert.True(own.IsAllowed);
        Assert.Equal(0, own.StatementIndex);
        var bobHr = t.Store.TestKeyAccess(key.KeyId, "kms:Decrypt", "user:bob", Ctx("hr"));
        Assert.True(bobHr.IsAllowed);
        Assert.Equal(grant.GrantId, bobHr.GrantId);
        var bobIt = t.Store.TestKeyAccess(key.KeyId, "kms:Decrypt", "user:bob", Ctx("it"));
        Assert.Equal(DecisionKind.ImplicitDeny, bobIt.Kind);
        Assert.Throws<KeyStoreException>(() => t.Store.TestKeyAccess(key.KeyId, "kms:Frobnicate"));
        // Bob may test himself without kms:GetKeyPolicy.
        Assert.True(t.As(Bob).TestKeyAccess(key.KeyId, "kms:Decrypt", null, Ctx("hr")).IsAllowed);
        Assert.Contains(t.Store.QueryAudit(), e => e.Action == "KeyAccessTested" && e.Result == AuditResult.Allowed);
    }

    [Fact]
    public void Re_encryption_needs_ReEncryptFrom_and_ReEncryptTo_not_Decrypt()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        var file = Encrypt(t, t.Store, key.KeyId, Ctx("hr"), "r.txt");
        t.Store.CreateGrant(new GrantRequest(key.KeyId, Principal.User("bob"), [GrantOperation.ReEncryptFrom, GrantOperation.ReEncryptTo]));
        var bob = t.As(Bob);
        Assert.Throws<NoDecryptableKeyException>(() => Decrypt(t, bob, file));
        var header = FileCrypto.ReadHeader(file);
        var context = EncryptionTools.Engine.Format.EncryptionContext.Serialize(header.EncryptionContext);
        using var from = bob.CreateDecryptKeyring(null, new StoreFileContext { FilePath = file, ReEncrypt = true });
        var unwrapped = from.TryUnwrap(header.EncryptedDataKeys[0], context);
        Assert.NotNull(unwrapped?.DataKey);
        using var to = bob.CreateEncryptKeyring([key.KeyId], new StoreFileContext { FilePath = file, ReEncrypt = true });
        Assert.Single(to.Wrap(unwrapped!.Value.DataKey!, context));
        using var plainEncrypt = bob.CreateEncryptKeyring([key.KeyId]);
        Assert.Throws<AccessDeniedException>(() => plainEncrypt.Wrap(RandomNumberGenerator.GetBytes(32), context));
        var events = t.Store.QueryAudit();
        Assert.Contains(events, e => e.Action == KmsActions.ReEncryptFrom && e.Result == AuditResult.Succeeded && e.FilePath == file);
        Assert.Contains(events, e => e.Action == KmsActions.ReEncryptTo && e.Result == AuditResult.Succeeded);
    }

    [Fact]
    public void The_audit_log_is_owner_only_keyed_by_the_key_sealed_in_the_store_and_holds_no_key_material()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Exportable = true });
        var export = t.Store.ExportKey(key.KeyId);
        var dir = Path.Combine(t.Location, "audit");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            foreach (var f in Directory.GetFiles(dir).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f) & ~UnixFileMode.None);
        }
        var all = string.Concat(Directory.GetFiles(dir).Select(File.ReadAllText));
        Assert.DoesNotContain(Convert.ToBase64String(export.KeyMaterial!), all, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(export.KeyMaterial!), all, StringComparison.OrdinalIgnoreCase);
        var root = File.ReadAllBytes(t.File(StoreFiles.RootKeyFile));
        // A log keyed with the root key itself does not verify: the audit key is its own, sealed in the data file
        // (so that it survives a change of root key).
        Assert.False(new AuditLog(dir, root).Verify().IsValid);
        var document = System.Text.Json.Nodes.JsonNode.Parse(StoreFiles.Open(File.ReadAllBytes(t.File(StoreFiles.DataFile)), root, key.StoreId, t.Location))!;
        var auditKey = Convert.FromBase64String(document["auditKey"]!.GetValue<string>());
        Assert.Equal(32, auditKey.Length);
        Assert.NotEqual(root, auditKey);
        Assert.True(new AuditLog(dir, auditKey).Verify().IsValid);
    }

    [Fact]
    public void The_command_of_a_provider_view_is_recorded()
    {
        using var t = new TestStore();
        var view = new CommandProvider(t.Store, "Get-EncKey");
        var key = t.Store.NewKey(new NewKeyRequest());
        view.GetKey(key.KeyId);
        var e = t.Store.QueryAudit().Last(x => x.Action == KmsActions.DescribeKey);
        Assert.Equal("Get-EncKey", e.Command);
        Assert.False(string.IsNullOrEmpty(e.Host));
        Assert.Equal(Environment.ProcessId, e.ProcessId);
        Assert.Null(t.Store.QueryAudit().First(x => x.Action == KmsActions.CreateKey).Command);
        Assert.NotNull(KeyStoreProviders.Get(t.Location, "Get-EncKey"));
    }
}
