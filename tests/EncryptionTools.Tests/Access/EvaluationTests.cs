using EncryptionTools.Engine;
using EncryptionTools.Engine.Access;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Access;

public class EvaluationTests
{
    private static readonly KeyArn Key = new("store1", "k1");

    private const string PolicyJson = """
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "user:owner" }, "Action": "kms:*", "Resource": "*" },
            { "Sid": "ITUsers", "Effect": "Allow", "Principal": { "EncTools": "group:it" },
              "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"], "Resource": "*",
              "Condition": { "StringEquals": { "kms:EncryptionContext:dept": "it" } } },
            { "Sid": "NoMallory", "Effect": "Deny", "Principal": { "EncTools": "user:mallory" }, "Action": "kms:*", "Resource": "*" },
            { "Sid": "RequireContext", "Effect": "Deny", "Principal": "*", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
              "Condition": { "Null": { "kms:EncryptionContextKeys": "true" } } },
            { "Sid": "CarolKnownKeys", "Effect": "Allow", "Principal": { "EncTools": "user:carol" }, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": { "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["dept", "project"] } } },
            { "Sid": "DaveAnyProject", "Effect": "Allow", "Principal": { "EncTools": "user:dave" }, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": { "ForAnyValue:StringLike": { "kms:EncryptionContextKeys": "proj*" } } },
            { "Sid": "ErinAllButAdmin", "Effect": "Allow", "Principal": { "EncTools": "uid:1005" },
              "NotAction": ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:ExportKeyMaterial"], "Resource": "*" },
            { "Sid": "FrankIgnoreCase", "Effect": "Allow", "Principal": { "EncTools": "user:frank" }, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": { "StringEqualsIgnoreCase": { "kms:EncryptionContext:DEPT": "IT" } } },
            { "Sid": "GinaIfExists", "Effect": "Allow", "Principal": { "EncTools": "user:gina" }, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": { "StringEqualsIfExists": { "kms:EncryptionContext:dept": "hr" } } },
            { "Sid": "HankNotSecret", "Effect": "Allow", "Principal": { "EncTools": "user:hank" }, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": { "StringNotEquals": { "kms:EncryptionContext:class": "secret" } } },
            { "Sid": "IvanOtherKeys", "Effect": "Allow", "Principal": { "EncTools": "user:ivan" }, "Action": "kms:*",
              "Resource": "arn:enctools:kms:local:store1:key/other-*" },
            { "Sid": "JudyLike", "Effect": "Allow", "Principal": { "EncTools": "user:judy" }, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": { "StringLike": { "kms:EncryptionContext:path": "/srv/share/*" } } },
            { "Sid": "KimNotLike", "Effect": "Deny", "Principal": { "EncTools": "user:kim" }, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": { "StringNotLike": { "kms:EncryptionContext:path": "/home/kim/*" } } },
            { "Sid": "KimAll", "Effect": "Allow", "Principal": { "EncTools": "user:kim" }, "Action": "kms:Decrypt", "Resource": "*" },
            { "Sid": "LeoNeedsDept", "Effect": "Allow", "Principal": { "EncTools": "user:leo" }, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": { "Null": { "kms:EncryptionContext:dept": "false" } } }
          ]
        }
        """;

    private static readonly KeyPolicy Policy = KeyPolicy.Parse(PolicyJson);

    private static readonly Dictionary<string, CallerIdentity> People = new()
    {
        ["owner"] = User("owner", 1000),
        ["alice"] = User("alice", 1001, ("it", 2000)),
        ["bob"] = User("bob", 1002),
        ["mallory"] = User("mallory", 1003, ("it", 2000)),
        ["carol"] = User("carol", 1004),
        ["dave"] = User("dave", 1006),
        ["erin"] = User("erin", 1005),
        ["frank"] = User("frank", 1007),
        ["gina"] = User("gina", 1008),
        ["hank"] = User("hank", 1009),
        ["ivan"] = User("ivan", 1010),
        ["judy"] = User("judy", 1011),
        ["kim"] = User("kim", 1012),
        ["leo"] = User("leo", 1013),
        ["ops1"] = User("ops1", 1014, ("ops", 3000)),
        ["nina"] = User("nina", 1015),
        ["oscar"] = User("oscar", 1016),
        ["stranger"] = User("stranger", 1999),
    };

    private static CallerIdentity User(string name, uint uid, params (string Name, uint Gid)[] groups) =>
        new(name, uid, groups: groups.Select(g => new GroupInfo(g.Name, g.Gid)).Prepend(new GroupInfo(name, uid)));

    private static readonly GrantSet Grants = new();
    private static readonly Dictionary<string, string> GrantIds = MakeGrants();

    private static Dictionary<string, string> MakeGrants()
    {
        var issuer = Principal.User("owner");
        GrantRequest R(string key, string grantee, GrantOperation[] ops, GrantConstraints? c = null) =>
            new(key, Principal.Parse(grantee), ops) { Constraints = c };
        return new Dictionary<string, string>
        {
            ["g1"] = Grants.Create(R("k1", "user:bob", [GrantOperation.Decrypt], GrantConstraints.Subset(Ctx("dept=it")!)), issuer).Grant.GrantId,
            ["g2"] = Grants.Create(R("k1", "group:ops", [GrantOperation.Encrypt, GrantOperation.GenerateDataKey], GrantConstraints.Equal(Ctx("app=backup")!)), issuer).Grant.GrantId,
            ["g3"] = Grants.Create(R("k1", "user:bob", [GrantOperation.DescribeKey]), issuer).Grant.GrantId,
            ["g4"] = Grants.Create(R("k1", "user:mallory", [GrantOperation.Decrypt]), issuer).Grant.GrantId,
            ["g5"] = Grants.Create(R("other-key", "user:nina", [GrantOperation.Decrypt]), issuer).Grant.GrantId,
            ["g6"] = Grants.Create(R("k1", "user:oscar", [GrantOperation.Decrypt, GrantOperation.DescribeKey], GrantConstraints.Subset(Ctx("dept=it")!)), issuer).Grant.GrantId,
        };
    }

    /// <summary>"a=1,b=2" → pairs; "" → empty; "-" → null (an operation without encryption context).</summary>
    internal static Dictionary<string, string>? Ctx(string text) =>
        text == "-" ? null : text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    /// <summary>principal × action × context × (the policy above) × (the grants above) → decision, and what decided.</summary>
    [Theory]
    [InlineData("owner", "kms:Decrypt", "dept=it", DecisionKind.Allowed, "S:Owner")]
    [InlineData("owner", "kms:Decrypt", "", DecisionKind.ExplicitDeny, "S:RequireContext")]
    [InlineData("owner", "kms:PutKeyPolicy", "-", DecisionKind.Allowed, "S:Owner")]
    [InlineData("owner", "kms:ScheduleKeyDeletion", "-", DecisionKind.Allowed, "S:Owner")]
    [InlineData("alice", "kms:Decrypt", "dept=it", DecisionKind.Allowed, "S:ITUsers")]
    [InlineData("alice", "kms:Decrypt", "dept=hr", DecisionKind.ImplicitDeny, "-")]
    [InlineData("alice", "kms:Decrypt", "DEPT=it", DecisionKind.Allowed, "S:ITUsers")]
    [InlineData("alice", "kms:Decrypt", "dept=IT", DecisionKind.ImplicitDeny, "-")]
    [InlineData("alice", "kms:ReEncryptFrom", "dept=it", DecisionKind.Allowed, "S:ITUsers")]
    [InlineData("alice", "kms:GenerateDataKeyWithoutPlaintext", "dept=it,x=y", DecisionKind.Allowed, "S:ITUsers")]
    [InlineData("alice", "kms:CreateGrant", "-", DecisionKind.ImplicitDeny, "-")]
    [InlineData("alice", "kms:DescribeKey", "-", DecisionKind.ImplicitDeny, "-")]
    [InlineData("mallory", "kms:Decrypt", "dept=it", DecisionKind.ExplicitDeny, "S:NoMallory")]
    [InlineData("mallory", "kms:DescribeKey", "-", DecisionKind.ExplicitDeny, "S:NoMallory")]
    [InlineData("bob", "kms:Decrypt", "dept=it,x=y", DecisionKind.Allowed, "G:g1")]
    [InlineData("bob", "kms:Decrypt", "dept=hr", DecisionKind.ImplicitDeny, "-")]
    [InlineData("bob", "kms:Decrypt", "Dept=it", DecisionKind.ImplicitDeny, "-")]
    [InlineData("bob", "kms:Decrypt", "dept=It", DecisionKind.ImplicitDeny, "-")]
    [InlineData("bob", "kms:Encrypt", "dept=it", DecisionKind.ImplicitDeny, "-")]
    [InlineData("bob", "kms:DescribeKey", "-", DecisionKind.Allowed, "G:g3")]
    [InlineData("bob", "kms:RevokeGrant", "-", DecisionKind.ImplicitDeny, "-")]
    [InlineData("ops1", "kms:Encrypt", "app=backup", DecisionKind.Allowed, "G:g2")]
    [InlineData("ops1", "kms:GenerateDataKey", "APP=backup", DecisionKind.ImplicitDeny, "-")]
    [InlineData("ops1", "kms:Encrypt", "app=backup,extra=1", DecisionKind.ImplicitDeny, "-")]
    [InlineData("ops1", "kms:GenerateDataKey", "app=Backup", DecisionKind.ImplicitDeny, "-")]
    [InlineData("ops1", "kms:GenerateDataKeyWithoutPlaintext", "app=backup", DecisionKind.ImplicitDeny, "-")]
    [InlineData("nina", "kms:Decrypt", "dept=it", DecisionKind.ImplicitDeny, "-")]
    [InlineData("oscar", "kms:DescribeKey", "-", DecisionKind.Allowed, "G:g6")]
    [InlineData("oscar", "kms:Decrypt", "dept=hr", DecisionKind.ImplicitDeny, "-")]
    [InlineData("oscar", "kms:Decrypt", "dept=it", DecisionKind.Allowed, "G:g6")]
    [InlineData("carol", "kms:Decrypt", "dept=it", DecisionKind.Allowed, "S:CarolKnownKeys")]
    [InlineData("carol", "kms:Decrypt", "dept=it,project=x", DecisionKind.Allowed, "S:CarolKnownKeys")]
    [InlineData("carol", "kms:Decrypt", "dept=it,owner=x", DecisionKind.ImplicitDeny, "-")]
    [InlineData("carol", "kms:Decrypt", "", DecisionKind.ExplicitDeny, "S:RequireContext")]
    [InlineData("dave", "kms:Decrypt", "project-a=1", DecisionKind.Allowed, "S:DaveAnyProject")]
    [InlineData("dave", "kms:Decrypt", "dept=it,projects=2", DecisionKind.Allowed, "S:DaveAnyProject")]
    [InlineData("dave", "kms:Decrypt", "dept=it", DecisionKind.ImplicitDeny, "-")]
    [InlineData("erin", "kms:Decrypt", "dept=x", DecisionKind.Allowed, "S:ErinAllButAdmin")]
    [InlineData("erin", "kms:CreateAlias", "-", DecisionKind.Allowed, "S:ErinAllButAdmin")]
    [InlineData("erin", "kms:PutKeyPolicy", "-", DecisionKind.ImplicitDeny, "-")]
    [InlineData("erin", "kms:ExportKeyMaterial", "-", DecisionKind.ImplicitDeny, "-")]
    [InlineData("erin", "kms:Encrypt", "", DecisionKind.ExplicitDeny, "S:RequireContext")]
    [InlineData("frank", "kms:Decrypt", "dept=it", DecisionKind.Allowed, "S:FrankIgnoreCase")]
    [InlineData("frank", "kms:Decrypt", "Dept=iT", DecisionKind.Allowed, "S:FrankIgnoreCase")]
    [InlineData("frank", "kms:Decrypt", "dept=hr", DecisionKind.ImplicitDeny, "-")]
    [InlineData("gina", "kms:Decrypt", "other=1", DecisionKind.Allowed, "S:GinaIfExists")]
    [InlineData("gina", "kms:Decrypt", "dept=hr", DecisionKind.Allowed, "S:GinaIfExists")]
    [InlineData("gina", "kms:Decrypt", "dept=it", DecisionKind.ImplicitDeny, "-")]
    [InlineData("hank", "kms:Decrypt", "class=public", DecisionKind.Allowed, "S:HankNotSecret")]
    [InlineData("hank", "kms:Decrypt", "dept=it", DecisionKind.Allowed, "S:HankNotSecret")]
    [InlineData("hank", "kms:Decrypt", "class=secret", DecisionKind.ImplicitDeny, "-")]
    [InlineData("ivan", "kms:Decrypt", "dept=it", DecisionKind.ImplicitDeny, "-")]
    [InlineData("judy", "kms:Decrypt", "path=/srv/share/a/b.txt", DecisionKind.Allowed, "S:JudyLike")]
    [InlineData("judy", "kms:Decrypt", "path=/srv/other/b.txt", DecisionKind.ImplicitDeny, "-")]
    [InlineData("judy", "kms:Decrypt", "path=/SRV/share/b.txt", DecisionKind.ImplicitDeny, "-")]
    [InlineData("kim", "kms:Decrypt", "path=/home/kim/notes", DecisionKind.Allowed, "S:KimAll")]
    [InlineData("kim", "kms:Decrypt", "path=/etc/shadow", DecisionKind.ExplicitDeny, "S:KimNotLike")]
    [InlineData("kim", "kms:Decrypt", "other=1", DecisionKind.ExplicitDeny, "S:KimNotLike")]
    [InlineData("leo", "kms:Decrypt", "dept=anything", DecisionKind.Allowed, "S:LeoNeedsDept")]
    [InlineData("leo", "kms:Decrypt", "other=1", DecisionKind.ImplicitDeny, "-")]
    [InlineData("stranger", "kms:Decrypt", "dept=it", DecisionKind.ImplicitDeny, "-")]
    [InlineData("stranger", "kms:DescribeKey", "-", DecisionKind.ImplicitDeny, "-")]
    public void DecisionTable(string who, string action, string context, DecisionKind expected, string decidedBy)
    {
        var decision = Evaluate(who, action, Ctx(context));
        Assert.True(expected == decision.Kind, $"{who} {action} {context}: expected {expected}, got {decision}");
        Assert.Equal(expected == DecisionKind.Allowed, decision.IsAllowed);
        switch (decidedBy[0])
        {
            case 'S':
                Assert.Equal(decidedBy[2..], decision.StatementSid);
                Assert.Equal(decidedBy[2..], Policy.Statements[decision.StatementIndex!.Value].Sid);
                Assert.Null(decision.GrantId);
                break;
            case 'G':
                Assert.Equal(GrantIds[decidedBy[2..]], decision.GrantId);
                Assert.Null(decision.StatementIndex);
                break;
            default:
                Assert.Null(decision.StatementIndex);
                Assert.Null(decision.GrantId);
                Assert.Equal("no statement or grant", decision.DecidedBy);
                break;
        }
        Assert.Equal($"user:{who}", decision.Principal);
        Assert.Equal(action, decision.Action);
        Assert.Equal(Key.ToString(), decision.Key);
    }

    private static AccessDecision Evaluate(string who, string action, IReadOnlyDictionary<string, string>? context, KeyArn? key = null) =>
        AccessEvaluator.Evaluate(new AccessRequest
        {
            Caller = People[who], Action = action, Key = key ?? Key, Policy = Policy, Grants = Grants.Grants, EncryptionContext = context,
        });

    [Fact]
    public void ResourcePatternsSelectKeys()
    {
        Assert.True(Evaluate("ivan", "kms:Decrypt", Ctx("dept=it"), new KeyArn("store1", "other-1")).IsAllowed);
        Assert.False(Evaluate("ivan", "kms:Decrypt", Ctx("dept=it"), new KeyArn("store2", "other-1")).IsAllowed);
        Assert.True(Evaluate("nina", "kms:Decrypt", Ctx("dept=it"), new KeyArn("store1", "other-key")).IsAllowed);
    }

    [Fact]
    public void AnImplicitDenyNamesThePrincipalActionKeyAndContext()
    {
        var decision = Evaluate("stranger", "kms:Decrypt", Ctx("dept=it,b=2"));
        Assert.Equal("user:stranger is not allowed kms:Decrypt on key arn:enctools:kms:local:store1:key/k1 with encryption context {b=2, dept=it}: "
            + "no statement or grant allows it.", decision.Reason);
        Assert.Equal("ImplicitDeny: " + decision.Reason, decision.ToString());
        Assert.Equal("user:stranger is not allowed kms:DescribeKey on key arn:enctools:kms:local:store1:key/k1: no statement or grant allows it.",
            Evaluate("stranger", "kms:DescribeKey", null).Reason);
    }

    [Fact]
    public void ADenialSaysWhichStatementOrGrantAlmostAllowedIt()
    {
        var bob = Evaluate("bob", "kms:Decrypt", Ctx("dept=hr"));
        Assert.StartsWith("user:bob is not allowed kms:Decrypt on key arn:enctools:kms:local:store1:key/k1 with encryption context {dept=hr}: no statement or grant allows it (",
            bob.Reason, StringComparison.Ordinal);
        Assert.Contains($"grant {GrantIds["g1"]} allows it only with EncryptionContextSubset {{dept=it}}", bob.Reason, StringComparison.Ordinal);
        var alice = Evaluate("alice", "kms:Decrypt", Ctx("dept=hr"));
        Assert.Contains("statement 1 (Sid 'ITUsers') allows it only when StringEquals kms:EncryptionContext:dept [it] holds", alice.Reason, StringComparison.Ordinal);
        var mallory = Evaluate("mallory", "kms:Decrypt", Ctx("dept=it"));
        Assert.Equal("user:mallory performing kms:Decrypt on key arn:enctools:kms:local:store1:key/k1 with encryption context {dept=it} is explicitly denied "
            + "by statement 2 (Sid 'NoMallory') of the key policy.", mallory.Reason);
        Assert.Equal("statement 2 (Sid 'NoMallory')", mallory.DecidedBy);
    }

    [Fact]
    public void DemandThrowsATypedDenial()
    {
        var ex = Assert.Throws<AccessDeniedException>(() => AccessEvaluator.Demand(new AccessRequest
        {
            Caller = People["stranger"], Action = "kms:decrypt", Key = Key, Policy = Policy, EncryptionContext = Ctx("dept=it"),
        }));
        Assert.Equal("AccessDenied", ex.ErrorId);
        Assert.Equal(EncryptionTools.Engine.EngineErrorCategory.PermissionDenied, ex.Category);
        Assert.Equal(ex.Decision.Reason, ex.Message);
        Assert.Equal("kms:Decrypt", ex.Decision.Action);
        Assert.True(AccessEvaluator.Demand(new AccessRequest { Caller = People["owner"], Action = "kms:DescribeKey", Key = Key, Policy = Policy }).IsAllowed);
        Assert.Throws<ArgumentException>(() => AccessEvaluator.Evaluate(new AccessRequest { Caller = People["owner"], Action = "kms:Decrypt*", Key = Key, Policy = Policy }));
    }

    [Fact]
    public void TheLocalRewritesOfTheAwsExamplesBehaveAsTheirAwsOriginals()
    {
        var key = new KeyArn(PolicyDocuments.StoreId, PolicyDocuments.KeyId);
        AccessDecision Eval(string json, CallerIdentity who, string action, KeyArn? k = null, string context = "dept=x") =>
            AccessEvaluator.Evaluate(new AccessRequest { Caller = who, Action = action, Key = k ?? key, Policy = KeyPolicy.Parse(json), EncryptionContext = Ctx(context) });

        var transfer = User("transfer", 2001);
        Assert.True(Eval(PolicyDocuments.LocalTransfer, transfer, KmsActions.Decrypt).IsAllowed);
        Assert.True(Eval(PolicyDocuments.LocalTransfer, transfer, KmsActions.Encrypt).IsAllowed);
        Assert.True(Eval(PolicyDocuments.LocalTransfer, transfer, KmsActions.GenerateDataKey).IsAllowed);
        Assert.False(Eval(PolicyDocuments.LocalTransfer, transfer, KmsActions.GenerateDataKeyWithoutPlaintext).IsAllowed);
        Assert.False(Eval(PolicyDocuments.LocalTransfer, transfer, KmsActions.DescribeKey, context: "-").IsAllowed);
        Assert.False(Eval(PolicyDocuments.LocalTransfer, transfer, KmsActions.Decrypt, new KeyArn(PolicyDocuments.StoreId, "another-key")).IsAllowed);

        var server = User("fs01", 2002, ("file-servers", 4000));
        foreach (var action in new[] { KmsActions.Encrypt, KmsActions.Decrypt, KmsActions.ReEncryptFrom, KmsActions.ReEncryptTo, KmsActions.GenerateDataKeyWithoutPlaintext })
            Assert.True(Eval(PolicyDocuments.LocalFileSystem, server, action).IsAllowed, action);
        Assert.True(Eval(PolicyDocuments.LocalFileSystem, server, KmsActions.ListAliases, context: "-").IsAllowed);
        Assert.False(Eval(PolicyDocuments.LocalFileSystem, server, KmsActions.GenerateDataKey).IsAllowed);
        Assert.False(Eval(PolicyDocuments.LocalFileSystem, server, KmsActions.PutKeyPolicy, context: "-").IsAllowed);

        var admin = User("kadmin", 2003, ("key-admins", 4001));
        var keyUser = User("kuser", 2004, ("key-users", 4002));
        var byUid = User("svc", 1500);
        Assert.True(Eval(PolicyDocuments.LocalConsoleStyle, admin, KmsActions.PutKeyPolicy, context: "-").IsAllowed);
        Assert.True(Eval(PolicyDocuments.LocalConsoleStyle, admin, KmsActions.ScheduleKeyDeletion, context: "-").IsAllowed);
        Assert.False(Eval(PolicyDocuments.LocalConsoleStyle, admin, KmsActions.Decrypt).IsAllowed);
        Assert.False(Eval(PolicyDocuments.LocalConsoleStyle, admin, KmsActions.ExportKeyMaterial, context: "-").IsAllowed);
        Assert.True(Eval(PolicyDocuments.LocalConsoleStyle, keyUser, KmsActions.Decrypt).IsAllowed);
        Assert.True(Eval(PolicyDocuments.LocalConsoleStyle, byUid, KmsActions.GenerateDataKey).IsAllowed);
        // Grants "for AWS resources" never happen locally: kms:GrantIsForAWSResource is false.
        Assert.False(Eval(PolicyDocuments.LocalConsoleStyle, keyUser, KmsActions.CreateGrant, context: "-").IsAllowed);
        Assert.True(Eval(PolicyDocuments.LocalConsoleStyle, User("owner", 1000), KmsActions.ExportKeyMaterial, context: "-").IsAllowed);
    }

    [Fact]
    public void GrantConditionKeysRestrictCreateGrant()
    {
        var policy = KeyPolicy.Parse("""
            { "Version": "2012-10-17", "Statement": [
              { "Sid": "Delegate", "Effect": "Allow", "Principal": { "EncTools": "user:lead" }, "Action": "kms:CreateGrant", "Resource": "*",
                "Condition": {
                  "ForAllValues:StringEquals": { "kms:GrantOperations": ["Decrypt", "Encrypt", "DescribeKey"] },
                  "StringEquals": { "kms:GrantConstraintType": "EncryptionContextSubset" },
                  "StringLike": { "kms:GranteePrincipal": "group:*" },
                  "Null": { "kms:RetiringPrincipal": "false" } } } ] }
            """);
        var lead = User("lead", 3001);
        bool Can(GrantRequest proposed) => AccessEvaluator.Evaluate(new AccessRequest
        {
            Caller = lead, Action = KmsActions.CreateGrant, Key = Key, Policy = policy, ProposedGrant = proposed,
        }).IsAllowed;
        var good = new GrantRequest("k1", Principal.Group("team"), [GrantOperation.Decrypt, GrantOperation.DescribeKey])
        {
            Constraints = GrantConstraints.Subset(Ctx("dept=it")!), RetiringPrincipal = Principal.User("lead"),
        };
        Assert.True(Can(good));
        Assert.False(Can(good with { Operations = [GrantOperation.Decrypt, GrantOperation.CreateGrant] }));
        Assert.False(Can(good with { Constraints = GrantConstraints.Equal(Ctx("dept=it")!) }));
        Assert.False(Can(good with { Constraints = null }));
        Assert.False(Can(good with { GranteePrincipal = Principal.User("someone") }));
        Assert.False(Can(good with { RetiringPrincipal = null }));
    }

    [Fact]
    public void AGrantsCreateGrantPermissionOnlyMakesNarrowerGrants()
    {
        var grants = new GrantSet();
        var parent = grants.Create(new GrantRequest("k1", Principal.User("bob"), [GrantOperation.Decrypt, GrantOperation.CreateGrant, GrantOperation.DescribeKey])
        {
            Constraints = GrantConstraints.Subset(Ctx("dept=it")!),
        }, Principal.User("owner")).Grant;
        var exact = grants.Create(new GrantRequest("k1", Principal.User("eve"), [GrantOperation.Encrypt, GrantOperation.CreateGrant])
        {
            Constraints = GrantConstraints.Equal(Ctx("app=x")!),
        }, Principal.User("owner")).Grant;
        var empty = KeyPolicy.Parse("""{"Statement":[{"Effect":"Allow","Principal":{"EncTools":"user:owner"},"Action":"kms:*","Resource":"*"}]}""");
        AccessDecision Try(string who, GrantRequest? child) => AccessEvaluator.Evaluate(new AccessRequest
        {
            Caller = User(who, 1), Action = KmsActions.CreateGrant, Key = Key, Policy = empty, Grants = grants.Grants, ProposedGrant = child,
        });
        var decrypt = new GrantRequest("k1", Principal.User("carl"), [GrantOperation.Decrypt]);
        Assert.Equal(parent.GrantId, Try("bob", decrypt with { Constraints = GrantConstraints.Subset(Ctx("dept=it,team=a")!) }).GrantId);
        Assert.True(Try("bob", decrypt with { Constraints = GrantConstraints.Equal(Ctx("dept=it")!) }).IsAllowed);
        Assert.False(Try("bob", decrypt with { Constraints = GrantConstraints.Equal(Ctx("DEPT=it")!) }).IsAllowed); // keys compare exactly
        Assert.False(Try("bob", decrypt with { Constraints = GrantConstraints.Subset(Ctx("team=a")!) }).IsAllowed);
        Assert.False(Try("bob", decrypt).IsAllowed);
        Assert.Contains("at least as strict as EncryptionContextSubset {dept=it}", Try("bob", decrypt).Reason, StringComparison.Ordinal);
        var encrypt = Try("bob", decrypt with { Operations = [GrantOperation.Encrypt], Constraints = GrantConstraints.Subset(Ctx("dept=it")!) });
        Assert.False(encrypt.IsAllowed);
        Assert.Contains("only for its own operations, not Encrypt", encrypt.Reason, StringComparison.Ordinal);
        Assert.False(Try("bob", null).IsAllowed);
        var encryptChild = new GrantRequest("k1", Principal.User("carl"), [GrantOperation.Encrypt]);
        Assert.True(Try("eve", encryptChild with { Constraints = GrantConstraints.Equal(Ctx("app=x")!) }).IsAllowed);
        Assert.False(Try("eve", encryptChild with { Constraints = GrantConstraints.Subset(Ctx("app=x")!) }).IsAllowed);
        Assert.False(Try("eve", encryptChild with { Constraints = GrantConstraints.Equal(Ctx("app=x,b=c")!) }).IsAllowed);
    }

    private static Gen<Dictionary<string, string>> Contexts() =>
        Gen.ListOf(Gen.Zip(Gen.Elements("dept", "Dept", "DEPT", "app", "project", "x"), Gen.Elements("it", "IT", "hr", "backup", "")))
            .Select(pairs =>
            {
                var d = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in pairs) d[k] = v;
                return d;
            });

    [Fact]
    public void AnExplicitDenyAlwaysWins()
    {
        var policy = KeyPolicy.Parse("""
            {"Statement":[
              {"Sid":"All","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
              {"Sid":"NotX","Effect":"Deny","Principal":{"EncTools":"group:x"},"Action":"*","Resource":"*"}]}
            """);
        var x = User("xavier", 7, ("x", 70));
        var grants = new GrantSet();
        grants.Create(new GrantRequest("k1", Principal.User("xavier"), Enum.GetValues<GrantOperation>()), Principal.User("owner"));
        Prop.ForAll(Contexts().ToArbitrary(), Gen.Elements(KmsActions.All.ToArray()).ToArbitrary(), (context, action) =>
        {
            var decision = AccessEvaluator.Evaluate(new AccessRequest { Caller = x, Action = action, Key = Key, Policy = policy, Grants = grants.Grants, EncryptionContext = context });
            var other = AccessEvaluator.Evaluate(new AccessRequest { Caller = User("y", 8), Action = action, Key = Key, Policy = policy, EncryptionContext = context });
            return decision.Kind == DecisionKind.ExplicitDeny && decision.StatementSid == "NotX" && other.IsAllowed;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void StringEqualsOnAContextKeyMatchesTheKeyInAnyCaseAndTheValueExactly()
    {
        var policy = KeyPolicy.Parse("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:dept":"it"}}}]}""");
        Prop.ForAll(Contexts().ToArbitrary(), context =>
        {
            var allowed = AccessEvaluator.Evaluate(new AccessRequest { Caller = User("a", 1), Action = KmsActions.Decrypt, Key = Key, Policy = policy, EncryptionContext = context }).IsAllowed;
            return allowed == context.Any(p => p.Key.Equals("dept", StringComparison.OrdinalIgnoreCase) && p.Value == "it");
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void GrantConstraintsMatchKeysAndValuesExactly()
    {
        var subset = GrantConstraints.Subset(Ctx("dept=it,app=x")!);
        var equal = GrantConstraints.Equal(Ctx("dept=it,app=x")!);
        Prop.ForAll(Contexts().ToArbitrary(), context =>
        {
            bool Has(string k, string v) => context.Any(p => p.Key.Equals(k, StringComparison.Ordinal) && p.Value == v);
            var containsAll = Has("dept", "it") && Has("app", "x");
            return subset.IsSatisfiedBy(context) == containsAll && equal.IsSatisfiedBy(context) == (containsAll && context.Count == 2);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void NegatedAndQualifiedOperatorsFollowIamForAbsentKeys()
    {
        PolicyCondition C(ConditionOperator op, SetQualifier q = SetQualifier.None, bool ifExists = false) => new(op.ToString(), op, q, ifExists, "k", ["v"]);
        Assert.False(C(ConditionOperator.StringEquals).Evaluate(null));
        Assert.True(C(ConditionOperator.StringNotEquals).Evaluate(null));
        Assert.True(C(ConditionOperator.StringNotLike).Evaluate([]));
        Assert.True(C(ConditionOperator.StringEquals, ifExists: true).Evaluate(null));
        Assert.True(C(ConditionOperator.StringEquals, SetQualifier.ForAllValues).Evaluate(null));
        Assert.False(C(ConditionOperator.StringEquals, SetQualifier.ForAnyValue).Evaluate(null));
        Assert.True(C(ConditionOperator.StringNotEquals, SetQualifier.ForAllValues).Evaluate(["a", "b"]));
        Assert.False(C(ConditionOperator.StringNotEquals, SetQualifier.ForAllValues).Evaluate(["a", "v"]));
        Assert.True(C(ConditionOperator.StringNotEquals, SetQualifier.ForAnyValue).Evaluate(["a", "v"]));
        Assert.False(C(ConditionOperator.StringNotEquals).Evaluate(["a", "v"]));
        Assert.True(C(ConditionOperator.StringEquals).Evaluate(["a", "v"]));
        Assert.True(C(ConditionOperator.ArnLike).Evaluate(["v"]));
        Assert.False(C(ConditionOperator.ArnNotEquals).Evaluate(["v"]));
        Assert.True(new PolicyCondition("Bool", ConditionOperator.Bool, SetQualifier.None, false, "k", ["TRUE"]).Evaluate(["true"]));
        Assert.True(new PolicyCondition("Null", ConditionOperator.Null, SetQualifier.None, false, "k", ["true"]).Evaluate(null));
        Assert.False(new PolicyCondition("Null", ConditionOperator.Null, SetQualifier.None, false, "k", ["true"]).Evaluate(["x"]));
    }

    [Theory]
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a*c", "abbbd", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("*a*b*", "xxaxxbxx", true)]
    [InlineData("kms:ReEncrypt*", "kms:ReEncryptTo", true)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("a", "", false)]
    public void WildcardsMatchLikeIam(string pattern, string text, bool expected) =>
        Assert.Equal(expected, Wildcard.IsMatch(pattern, text, ignoreCase: false));

    [Fact]
    public void WildcardMatchingIsFastOnHostilePatterns()
    {
        var pattern = string.Concat(Enumerable.Repeat("*a", 200)) + "b";
        var text = new string('a', 5000);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(Wildcard.IsMatch(pattern, text, ignoreCase: false));
        Assert.True(watch.ElapsedMilliseconds < 2000, $"took {watch.ElapsedMilliseconds} ms");
    }
}
