using EncryptionTools.Engine.Access;

namespace EncryptionTools.Tests.Access;

public class KeyPolicyParseTests
{
    private static string Doc(params string[] statements) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[" + string.Join(",", statements) + "]}";

    private const string Ok = "{\"Sid\":\"Ok\",\"Effect\":\"Allow\",\"Principal\":{\"EncTools\":\"user:owner\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}";

    [Fact]
    public void TheAwsDefaultKeyPolicyParsesAndAppliesToNoLocalPrincipal()
    {
        var policy = KeyPolicy.Parse(PolicyDocuments.AwsDefault);
        Assert.Equal("2012-10-17", policy.Version);
        Assert.Equal("key-default-1", policy.Id);
        var s = Assert.Single(policy.Statements);
        Assert.Equal("Enable IAM User Permissions", s.Sid);
        Assert.Equal(PolicyEffect.Allow, s.Effect);
        Assert.Equal(["kms:*"], s.Actions);
        Assert.Equal("arn:aws:iam::111122223333:root", Assert.Single(s.Principals).Foreign);
        Assert.Contains(policy.Warnings, w => w.Contains("non-local principals", StringComparison.Ordinal));
        Assert.Equal(PolicyDocuments.AwsDefault, policy.Text);
    }

    [Fact]
    public void TheAwsConsoleDefaultPolicyParses()
    {
        var policy = KeyPolicy.Parse(PolicyDocuments.AwsConsoleDefault);
        Assert.Equal(4, policy.Statements.Count);
        Assert.Equal(["Enable IAM User Permissions", "Allow access for Key Administrators", "Allow use of the key", "Allow attachment of persistent resources"],
            policy.Statements.Select(s => s.Sid));
        var grants = policy.Statements[3];
        var condition = Assert.Single(grants.Conditions);
        Assert.Equal(ConditionOperator.Bool, condition.Operator);
        Assert.Equal("kms:GrantIsForAWSResource", condition.Key);
        Assert.True(policy.Statements[1].AppliesToAction(KmsActions.PutKeyPolicy));
        Assert.True(policy.Statements[1].AppliesToAction(KmsActions.CreateAlias));
        Assert.False(policy.Statements[1].AppliesToAction(KmsActions.Decrypt));
        Assert.True(policy.Statements[2].AppliesToAction(KmsActions.ReEncryptFrom));
        Assert.True(policy.Statements[2].AppliesToAction(KmsActions.GenerateDataKeyWithoutPlaintext));
        Assert.False(policy.Statements[2].AppliesToAction(KmsActions.CreateGrant));
    }

    [Fact]
    public void TheFileSystemStatementsParseWithTheirAwsOnlyConditionKeysAlwaysAbsent()
    {
        var policy = KeyPolicy.Parse(PolicyDocuments.AwsFileSystem);
        var s = policy.Statements[0];
        Assert.Equal(Principal.Anyone, Assert.Single(s.Principals).Local);
        Assert.Equal([KmsActions.Encrypt, KmsActions.Decrypt, "kms:ReEncrypt*", KmsActions.GenerateDataKeyWithoutPlaintext, KmsActions.CreateGrant,
            KmsActions.DescribeKey, KmsActions.ListAliases], s.Actions);
        Assert.Equal(2, s.Conditions.Count);
        Assert.Contains(policy.Warnings, w => w.Contains("kms:ViaService", StringComparison.Ordinal));
        Assert.Contains(policy.Warnings, w => w.Contains("kms:CallerAccount", StringComparison.Ordinal));
        // kms:ViaService is never present here, so the statement never applies: no one gets in through it.
        var caller = new CallerIdentity("anyone", 1234);
        var decision = AccessEvaluator.Evaluate(new AccessRequest
        {
            Caller = caller, Action = KmsActions.Decrypt, Key = new KeyArn("s", "k"), Policy = policy, EncryptionContext = new Dictionary<string, string>(),
        });
        Assert.Equal(DecisionKind.ImplicitDeny, decision.Kind);
    }

    [Fact]
    public void TheTransferFamilyStatementParsesWithAForeignResource()
    {
        var policy = KeyPolicy.Parse(PolicyDocuments.AwsTransferFamily);
        var s = Assert.Single(policy.Statements);
        Assert.Equal([KmsActions.Decrypt, KmsActions.Encrypt, KmsActions.GenerateDataKey], s.Actions);
        Assert.Equal("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", Assert.Single(s.Resources));
        Assert.Contains(policy.Warnings, w => w.Contains("not a key of a local store", StringComparison.Ordinal));
        Assert.False(s.AppliesToResource(new KeyArn("111122223333", "1234abcd-12ab-34cd-56ef-1234567890ab")));
    }

    [Theory]
    [InlineData(PolicyDocuments.LocalConsoleStyle)]
    [InlineData(PolicyDocuments.LocalFileSystem)]
    [InlineData(PolicyDocuments.LocalTransfer)]
    public void TheLocalRewritesParseWithoutWarnings(string json)
    {
        var policy = KeyPolicy.Parse(json);
        Assert.DoesNotContain(policy.Warnings, w => !w.Contains("kms:GrantIsForAWSResource", StringComparison.Ordinal));
        Assert.All(policy.Statements, s => Assert.All(s.Principals, p => Assert.NotNull(p.Local)));
    }

    [Fact]
    public void AcceptsTheGrammarsVariations()
    {
        // A single statement object, no Version, actions in any case, NotAction, an array of principals of both kinds.
        var policy = KeyPolicy.Parse("""
            { "Statement": { "Effect": "Deny", "Principal": { "EncTools": ["group:contractors", "gid:5000"], "AWS": ["user:temp", "*"] },
                             "NotAction": ["KMS:decrypt", "kms:describe*"], "Resource": ["*", "arn:enctools:kms:local:store1:key/*"] } }
            """);
        Assert.Equal("2008-10-17", policy.Version);
        var s = Assert.Single(policy.Statements);
        Assert.Null(s.Sid);
        Assert.True(s.IsNotAction);
        Assert.Equal([KmsActions.Decrypt, "kms:describe*"], s.Actions);
        Assert.Equal(["group:contractors", "gid:5000", "user:temp", "*"], s.Principals.Select(p => p.ToString()));
        Assert.False(s.AppliesToAction("kms:Decrypt"));
        Assert.False(s.AppliesToAction("kms:DescribeKey"));
        Assert.True(s.AppliesToAction("kms:Encrypt"));
        Assert.True(s.AppliesToResource(new KeyArn("store1", "anything")));
        Assert.Equal("statement 0", s.Label);
    }

    [Fact]
    public void KeepsTheOriginalTextExactly()
    {
        var text = "{ \"Version\" : \"2012-10-17\",\n\n  \"Statement\" : [ " + Ok + " ]   }\n";
        Assert.Equal(text, KeyPolicy.Parse(text).Text);
        Assert.Equal(text, KeyPolicy.Parse(text).ToString());
    }

    [Fact]
    public void ConditionsParseEveryOperatorForm()
    {
        var policy = KeyPolicy.Parse(Doc("""
            { "Sid": "C", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
              "Condition": {
                "StringEquals": { "kms:EncryptionContext:dept": ["it", "hr"], "kms:EncryptionContext:tier": 3 },
                "StringNotEqualsIfExists": { "kms:EncryptionContext:class": "secret" },
                "ForAllValues:StringLike": { "kms:EncryptionContextKeys": ["dept", "proj*", "tier"] },
                "ForAnyValue:StringEqualsIgnoreCase": { "kms:EncryptionContextKeys": "DEPT" },
                "Null": { "kms:EncryptionContext:dept": false },
                "Bool": { "kms:GrantIsForAWSResource": true }
              } }
            """));
        var c = policy.Statements[0].Conditions;
        Assert.Equal(7, c.Count);
        Assert.Equal(["it", "hr"], c[0].Values);
        Assert.Equal(["3"], c[1].Values);
        Assert.True(c[2].IfExists);
        Assert.True(c[2].IsNegated);
        Assert.Equal(SetQualifier.ForAllValues, c[3].Qualifier);
        Assert.Equal(SetQualifier.ForAnyValue, c[4].Qualifier);
        Assert.Equal(ConditionOperator.Null, c[5].Operator);
        Assert.Equal(["false"], c[5].Values);
        Assert.Equal(["true"], c[6].Values);
    }

    /// <summary>Invalid documents: (name, json, statement index or -1, Sid, field, a fragment of the message).</summary>
    public static TheoryData<string, string, int, string?, string?, string> Invalid() => new()
    {
        { "not JSON", "{ \"Version\": ", -1, null, null, "not valid JSON" },
        { "trailing comma", Doc(Ok) + ",", -1, null, null, "not valid JSON" },
        { "comments", "{ /* hi */ \"Statement\": [" + Ok + "] }", -1, null, null, "not valid JSON" },
        { "an array", "[" + Ok + "]", -1, null, null, "must be a JSON object" },
        { "empty", "   ", -1, null, null, "empty" },
        { "no Statement", "{\"Version\":\"2012-10-17\"}", -1, null, "Statement", "missing" },
        { "empty Statement", Doc(), -1, null, "Statement", "no statements" },
        { "Statement a string", "{\"Statement\":\"x\"}", -1, null, "Statement", "array" },
        { "bad Version", "{\"Version\":\"2010-01-01\",\"Statement\":[" + Ok + "]}", -1, null, "Version", "not a policy language version" },
        { "Version a number", "{\"Version\":2012,\"Statement\":[" + Ok + "]}", -1, null, "Version", "string" },
        { "unknown top field", "{\"Statement\":[" + Ok + "],\"Owner\":\"x\"}", -1, null, "Owner", "not a field of a policy" },
        { "lower-case top field", "{\"statement\":[" + Ok + "]}", -1, null, "statement", "case-sensitive: write 'Statement'" },
        { "duplicate top field", "{\"Statement\":[" + Ok + "],\"Statement\":[" + Ok + "]}", -1, null, "Statement", "appears twice" },
        { "statement not an object", Doc(Ok, "42"), 1, null, "Statement[1]", "JSON object" },
        { "Sid not a string", Doc("{\"Sid\":5,\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, null, "Sid", "string" },
        { "duplicate Sid", Doc(Ok, Ok.Replace("user:owner", "user:other")), 1, "Ok", "Sid", "already used by statement 0" },
        { "missing Effect", Doc("{\"Sid\":\"S\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "Effect", "missing" },
        { "lower-case Effect value", Doc("{\"Sid\":\"S\",\"Effect\":\"allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "Effect", "not \"Allow\" or \"Deny\"" },
        { "lower-case field", Doc("{\"Sid\":\"S\",\"effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "effect", "write 'Effect'" },
        { "unknown statement field", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\",\"Comment\":\"x\"}"), 0, "S", "Comment", "not a field of a statement" },
        { "duplicate statement field", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "Effect", "appears twice" },
        { "missing Principal", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "Principal", "missing" },
        { "Principal a name", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"user:bob\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "Principal", "must be \"*\"" },
        { "bad principal string", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":{\"EncTools\":\"bob\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "Principal.EncTools", "'bob' is not a valid principal" },
        { "bad AWS principal", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"bob\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "Principal.AWS", "neither one of our principals" },
        { "unknown principal type", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":{\"Users\":\"user:bob\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "Principal.Users", "not a principal type" },
        { "empty principal list", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":{\"EncTools\":[]},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "Principal.EncTools", "empty array" },
        { "NotPrincipal", Doc("{\"Sid\":\"S\",\"Effect\":\"Deny\",\"NotPrincipal\":{\"EncTools\":\"user:a\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), 0, "S", "NotPrincipal", "not supported" },
        { "missing Action", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Resource\":\"*\"}"), 0, "S", "Action", "missing" },
        { "Action and NotAction", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"NotAction\":\"kms:Encrypt\",\"Resource\":\"*\"}"), 0, "S", "NotAction", "not both" },
        { "non-kms action", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}"), 0, "S", "Action", "not a kms: action" },
        { "unknown action", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"kms:Decrypt\",\"kms:Frobnicate\"],\"Resource\":\"*\"}"), 0, "S", "Action", "'kms:Frobnicate' is not a known kms: action" },
        { "wildcard matching nothing", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"NotAction\":\"kms:Frob*\",\"Resource\":\"*\"}"), 0, "S", "NotAction", "matches no known kms: action" },
        { "empty Action", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[],\"Resource\":\"*\"}"), 0, "S", "Action", "empty array" },
        { "Action a number", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":5,\"Resource\":\"*\"}"), 0, "S", "Action", "string or an array" },
        { "Action list with a number", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"kms:Decrypt\",5],\"Resource\":\"*\"}"), 0, "S", "Action", "only strings" },
        { "missing Resource", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\"}"), 0, "S", "Resource", "missing" },
        { "bad Resource", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"key/123\"}"), 0, "S", "Resource", "neither \"*\" nor a key ARN" },
        { "short local ARN", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"arn:enctools:kms:key/1\"}"), 0, "S", "Resource", "not of the form" },
        { "NotResource", Doc("{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"NotResource\":\"*\"}"), 0, "S", "NotResource", "not supported" },
        { "Condition not an object", Doc(Cond("[]")), 0, "S", "Condition", "object of operators" },
        { "unknown operator", Doc(Cond("{\"NumericLessThan\":{\"kms:EncryptionContext:n\":\"5\"}}")), 0, "S", "Condition.NumericLessThan", "not a supported condition operator" },
        { "operator in wrong case", Doc(Cond("{\"stringequals\":{\"kms:EncryptionContext:a\":\"b\"}}")), 0, "S", "Condition.stringequals", "not a supported condition operator" },
        { "unknown condition key", Doc(Cond("{\"StringEquals\":{\"kms:EncryptionContex:dept\":\"it\"}}")), 0, "S", "Condition.StringEquals.kms:EncryptionContex:dept", "not a condition key" },
        { "context key without a name", Doc(Cond("{\"StringEquals\":{\"kms:EncryptionContext:\":\"it\"}}")), 0, "S", "Condition.StringEquals.kms:EncryptionContext:", "not a condition key" },
        { "foreign condition key namespace", Doc(Cond("{\"StringEquals\":{\"s3:prefix\":\"x\"}}")), 0, "S", "Condition.StringEquals.s3:prefix", "not a condition key" },
        { "Null with a non-boolean", Doc(Cond("{\"Null\":{\"kms:EncryptionContext:a\":\"maybe\"}}")), 0, "S", "Condition.Null.kms:EncryptionContext:a", "not true or false" },
        { "qualified Null", Doc(Cond("{\"ForAllValues:Null\":{\"kms:EncryptionContextKeys\":\"true\"}}")), 0, "S", "Condition.ForAllValues:Null", "Null takes neither" },
        { "NullIfExists", Doc(Cond("{\"NullIfExists\":{\"kms:EncryptionContextKeys\":\"true\"}}")), 0, "S", "Condition.NullIfExists", "Null takes neither" },
        { "Bool with a word", Doc(Cond("{\"Bool\":{\"kms:GrantIsForAWSResource\":\"yes\"}}")), 0, "S", "Condition.Bool.kms:GrantIsForAWSResource", "not true or false" },
        { "empty value list", Doc(Cond("{\"StringEquals\":{\"kms:EncryptionContext:a\":[]}}")), 0, "S", "Condition.StringEquals.kms:EncryptionContext:a", "empty list" },
        { "object value", Doc(Cond("{\"StringEquals\":{\"kms:EncryptionContext:a\":{\"b\":1}}}")), 0, "S", "Condition.StringEquals.kms:EncryptionContext:a", "must be a string" },
        { "no keys under an operator", Doc(Cond("{\"StringEquals\":{}}")), 0, "S", "Condition.StringEquals", "names no condition key" },
        { "keys differing by case", Doc(Cond("{\"StringEquals\":{\"kms:EncryptionContext:a\":\"1\",\"KMS:ENCRYPTIONCONTEXT:A\":\"2\"}}")), 0, "S", "Condition.StringEquals.KMS:ENCRYPTIONCONTEXT:A", "appears twice" },
        { "policy variable", Doc(Cond("{\"StringEquals\":{\"kms:EncryptionContext:owner\":\"${aws:username}\"}}")), 0, "S", "Condition.StringEquals.kms:EncryptionContext:owner", "policy variable" },
        { "error in the third statement names it", Doc(Ok, Ok.Replace("\"Ok\"", "\"Two\""), "{\"Sid\":\"Third\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\",\"Condition\":{\"StringLikeX\":{}}}"), 2, "Third", "Condition.StringLikeX", "not a supported condition operator" },
        { "too large", "{\"Statement\":[" + Ok + "],\"Id\":\"" + new string('x', KeyPolicy.MaxBytes) + "\"}", -1, null, null, "larger than 32768 bytes" },
    };

    private static string Cond(string condition) =>
        "{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\",\"Condition\":" + condition + "}";

    [Theory]
    [MemberData(nameof(Invalid))]
    public void RefusesInvalidDocumentsNamingTheStatementAndField(string name, string json, int index, string? sid, string? field, string fragment)
    {
        var ex = Assert.Throws<InvalidKeyPolicyException>(() => KeyPolicy.Parse(json));
        Assert.Equal("InvalidKeyPolicy", ex.ErrorId);
        Assert.Equal(EncryptionTools.Engine.EngineErrorCategory.InvalidData, ex.Category);
        Assert.True(index < 0 ? ex.StatementIndex is null : ex.StatementIndex == index, $"{name}: statement {ex.StatementIndex} in: {ex.Message}");
        Assert.Equal(sid, ex.Sid);
        Assert.Equal(field, ex.Field);
        Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        if (index >= 0) Assert.StartsWith($"Statement {index}", ex.Message, StringComparison.Ordinal);
        if (sid is not null) Assert.Contains($"(Sid '{sid}')", ex.Message, StringComparison.Ordinal);
        if (field is not null) Assert.Contains($"field {field}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryKnownActionParsesAndEveryWildcardExpands()
    {
        foreach (var action in KmsActions.All)
        {
            var policy = KeyPolicy.Parse(Doc($"{{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"{action.ToUpperInvariant()}\",\"Resource\":\"*\"}}"));
            Assert.Equal(action, policy.Statements[0].Actions[0]);
        }
        Assert.Equal([KmsActions.ReEncryptFrom, KmsActions.ReEncryptTo], KmsActions.Expand("kms:ReEncrypt*"));
        Assert.Equal([KmsActions.GenerateDataKey, KmsActions.GenerateDataKeyWithoutPlaintext, KmsActions.GenerateDataKeyPair, KmsActions.GenerateDataKeyPairWithoutPlaintext],
            KmsActions.Expand("kms:GenerateDataKey*"));
        Assert.Equal(KmsActions.All.Count, KmsActions.Expand("kms:*").Count);
        Assert.Contains(KmsActions.ExportKeyMaterial, KmsActions.Local);
        Assert.Equal(KmsActions.All.Count, KmsActions.All.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }
}
