using System.Text;
using System.Text.Json;

namespace EncryptionTools.Engine.Access;

/// <summary>
/// A key policy in the KMS JSON grammar, parsed and validated; <see cref="Text"/> keeps the document exactly as given.
/// See about_EncryptionTools_Policies for the grammar. Parse errors are <see cref="InvalidKeyPolicyException"/>s
/// naming the statement (index and Sid) and the field at fault.
/// </summary>
internal sealed class KeyPolicy
{
    /// <summary>KMS's limit on a key policy document, in UTF-8 bytes.</summary>
    public const int MaxBytes = 32 * 1024;
    public const string CurrentVersion = "2012-10-17";

    private KeyPolicy(string text, string version, string? id, IReadOnlyList<PolicyStatement> statements, IReadOnlyList<string> warnings)
    {
        Text = text;
        Version = version;
        Id = id;
        Statements = statements;
        Warnings = warnings;
    }

    /// <summary>The JSON document as it was given (what Get-EncKeyPolicy -AsJson returns).</summary>
    public string Text { get; }
    public string Version { get; }
    public string? Id { get; }
    public IReadOnlyList<PolicyStatement> Statements { get; }
    /// <summary>Things that parse but will not do what a KMS user may expect (AWS principals, absent condition keys...).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public override string ToString() => Text;

    public static KeyPolicy Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (string.IsNullOrWhiteSpace(json)) throw new InvalidKeyPolicyException("the document is empty");
        if (Encoding.UTF8.GetByteCount(json) > MaxBytes)
            throw new InvalidKeyPolicyException($"the document is larger than {MaxBytes} bytes");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
            throw new InvalidKeyPolicyException($"the document is not valid JSON{where}", inner: ex);
        }
        using (document)
        {
            return new Parser(json).Parse(document.RootElement);
        }
    }

    private sealed class Parser(string text)
    {
        private static readonly string[] TopFields = ["Version", "Id", "Statement"];
        private static readonly string[] StatementFields = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];
        private readonly List<string> _warnings = [];

        public KeyPolicy Parse(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidKeyPolicyException("the document must be a JSON object");
            var fields = Fields(root, TopFields, null, null, "");
            var version = "2008-10-17"; // IAM's default when Version is absent
            if (fields.TryGetValue("Version", out var v))
            {
                version = v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new InvalidKeyPolicyException("must be a string", field: "Version");
                if (version is not ("2012-10-17" or "2008-10-17"))
                    throw new InvalidKeyPolicyException($"'{version}' is not a policy language version; use \"2012-10-17\"", field: "Version");
            }
            string? id = null;
            if (fields.TryGetValue("Id", out var idElement))
                id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : throw new InvalidKeyPolicyException("must be a string", field: "Id");
            if (!fields.TryGetValue("Statement", out var statementsElement))
                throw new InvalidKeyPolicyException("is missing", field: "Statement");
            var elements = statementsElement.ValueKind switch
            {
                JsonValueKind.Array => statementsElement.EnumerateArray().ToList(),
                JsonValueKind.Object => [statementsElement],
                _ => throw new InvalidKeyPolicyException("must be an array of statement objects", field: "Statement"),
            };
            if (elements.Count == 0) throw new InvalidKeyPolicyException("has no statements", field: "Statement");
            var statements = new List<PolicyStatement>();
            var sids = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < elements.Count; i++)
            {
                var statement = ParseStatement(elements[i], i);
                if (statement.Sid is { Length: > 0 } sid)
                {
                    if (sids.TryGetValue(sid, out var first))
                        throw new InvalidKeyPolicyException($"the Sid '{sid}' is already used by statement {first}; Sids must be unique", i, sid, "Sid");
                    sids[sid] = i;
                }
                statements.Add(statement);
            }
            return new KeyPolicy(text, version, id, statements, _warnings);
        }

        private PolicyStatement ParseStatement(JsonElement element, int index)
        {
            if (element.ValueKind != JsonValueKind.Object)
                throw new InvalidKeyPolicyException("a statement must be a JSON object", index, field: $"Statement[{index}]");
            // The Sid first, so every later error can name it.
            string? sid = null;
            if (element.TryGetProperty("Sid", out var sidElement))
            {
                if (sidElement.ValueKind != JsonValueKind.String) throw new InvalidKeyPolicyException("must be a string", index, null, "Sid");
                sid = sidElement.GetString();
            }
            var f = Fields(element, StatementFields, index, sid, "");
            InvalidKeyPolicyException Error(string message, string field) => new(message, index, sid, field);

            if (!f.TryGetValue("Effect", out var effectElement)) throw Error("is missing; use \"Allow\" or \"Deny\"", "Effect");
            var effect = effectElement.ValueKind == JsonValueKind.String ? effectElement.GetString() : null;
            var parsedEffect = effect switch
            {
                "Allow" => PolicyEffect.Allow,
                "Deny" => PolicyEffect.Deny,
                _ => throw Error($"{Show(effectElement)} is not \"Allow\" or \"Deny\" (case-sensitive)", "Effect"),
            };

            if (f.ContainsKey("NotPrincipal"))
                throw Error("is not supported; name the principals in Principal, or use a Deny statement", "NotPrincipal");
            if (!f.TryGetValue("Principal", out var principalElement)) throw Error("is missing; a key policy statement must name its principals", "Principal");
            var principals = ParsePrincipal(principalElement, Error);
            if (principals.All(p => p.Local is null))
                _warnings.Add($"{Label(index, sid)} names only non-local principals ({string.Join(", ", principals)}); it applies to nobody here.");

            var hasAction = f.TryGetValue("Action", out var actionElement);
            var hasNotAction = f.TryGetValue("NotAction", out var notActionElement);
            if (hasAction == hasNotAction)
                throw Error(hasAction ? "a statement has either Action or NotAction, not both" : "is missing", hasAction ? "NotAction" : "Action");
            var actionField = hasAction ? "Action" : "NotAction";
            var actions = ParseActions(hasAction ? actionElement : notActionElement, actionField, Error);

            if (f.ContainsKey("NotResource")) throw Error("is not supported; use Resource", "NotResource");
            if (!f.TryGetValue("Resource", out var resourceElement)) throw Error("is missing; use \"*\" for this key", "Resource");
            var resources = ParseResources(resourceElement, index, sid, Error);

            var conditions = f.TryGetValue("Condition", out var conditionElement)
                ? ParseConditions(conditionElement, index, sid, Error)
                : [];
            return new PolicyStatement(index, sid, parsedEffect, principals, actions, hasNotAction, resources, conditions);
        }

        private List<PolicyPrincipal> ParsePrincipal(JsonElement element, Func<string, string, InvalidKeyPolicyException> error)
        {
            if (element.ValueKind == JsonValueKind.String)
            {
                return element.GetString() == "*"
                    ? [new PolicyPrincipal(Principal.Anyone, null)]
                    : throw error("a string Principal must be \"*\"; name principals as {\"EncTools\": \"user:alice\"}", "Principal");
            }
            if (element.ValueKind != JsonValueKind.Object)
                throw error("must be \"*\" or an object such as {\"EncTools\": [\"user:alice\", \"group:admins\"]}", "Principal");
            var result = new List<PolicyPrincipal>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var field = "Principal." + property.Name;
                if (!seen.Add(property.Name)) throw error("appears twice", field);
                var values = Strings(property.Value, field, error);
                switch (property.Name)
                {
                    case "EncTools":
                        foreach (var value in values)
                        {
                            try
                            {
                                result.Add(new PolicyPrincipal(Principal.Parse(value), null));
                            }
                            catch (InvalidPrincipalException ex)
                            {
                                throw error(ex.Message, field);
                            }
                        }
                        break;
                    case "AWS":
                        foreach (var value in values)
                        {
                            if (value == "*") result.Add(new PolicyPrincipal(Principal.Anyone, null));
                            else if (Principal.TryParse(value, out var local) && !value.StartsWith("arn:", StringComparison.OrdinalIgnoreCase))
                                result.Add(new PolicyPrincipal(local, null));
                            else if (value.StartsWith("arn:aws", StringComparison.Ordinal) || (value.Length == 12 && value.All(char.IsAsciiDigit)))
                                result.Add(new PolicyPrincipal(null, value));
                            else throw error($"'{value}' is neither one of our principals (user:, uid:, group:, gid:, sid:, *) nor an AWS account or ARN", field);
                        }
                        break;
                    case "Service":
                    case "Federated":
                    case "CanonicalUser":
                        result.AddRange(values.Select(v => new PolicyPrincipal(null, property.Name + ":" + v)));
                        break;
                    default:
                        throw error("is not a principal type; use EncTools (or AWS, read the same way)", field);
                }
            }
            if (result.Count == 0) throw error("names no principal", "Principal");
            return result;
        }

        private static List<string> ParseActions(JsonElement element, string field, Func<string, string, InvalidKeyPolicyException> error)
        {
            var result = new List<string>();
            foreach (var action in Strings(element, field, error))
            {
                if (action == "*")
                {
                    result.Add("*");
                    continue;
                }
                if (!action.StartsWith("kms:", StringComparison.OrdinalIgnoreCase))
                    throw error($"'{action}' is not a kms: action; a key policy only governs kms: actions", field);
                if (Wildcard.HasWildcards(action))
                {
                    if (KmsActions.Expand(action).Count == 0) throw error($"'{action}' matches no known kms: action", field);
                    result.Add(action);
                }
                else
                {
                    result.Add(KmsActions.Normalize(action) ?? throw error($"'{action}' is not a known kms: action", field));
                }
            }
            return result;
        }

        private List<string> ParseResources(JsonElement element, int index, string? sid, Func<string, string, InvalidKeyPolicyException> error)
        {
            var result = new List<string>();
            foreach (var resource in Strings(element, "Resource", error))
            {
                if (resource == "*" || resource.StartsWith(KeyArn.Prefix, StringComparison.OrdinalIgnoreCase))
                {
                    if (resource != "*" && resource.Count(c => c == ':') < 5)
                        throw error($"'{resource}' is not of the form {KeyArn.Prefix}{KeyArn.Region}:<storeId>:key/<keyId>", "Resource");
                    result.Add(resource);
                }
                else if (resource.StartsWith("arn:", StringComparison.OrdinalIgnoreCase))
                {
                    _warnings.Add($"{Label(index, sid)} names the resource '{resource}', which is not a key of a local store; it matches no key here.");
                    result.Add(resource);
                }
                else
                {
                    throw error($"'{resource}' is neither \"*\" nor a key ARN ({KeyArn.Prefix}{KeyArn.Region}:<storeId>:key/<keyId>)", "Resource");
                }
            }
            return result;
        }

        private List<PolicyCondition> ParseConditions(JsonElement element, int index, string? sid, Func<string, string, InvalidKeyPolicyException> error)
        {
            if (element.ValueKind != JsonValueKind.Object) throw error("must be an object of operators", "Condition");
            var result = new List<PolicyCondition>();
            var operators = new HashSet<string>(StringComparer.Ordinal);
            foreach (var op in element.EnumerateObject())
            {
                var field = "Condition." + op.Name;
                if (!operators.Add(op.Name)) throw error("appears twice", field);
                var (baseOp, qualifier, ifExists) = ParseOperator(op.Name, field, error);
                if (op.Value.ValueKind != JsonValueKind.Object) throw error("must be an object of condition keys", field);
                var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var key in op.Value.EnumerateObject())
                {
                    var keyField = field + "." + key.Name;
                    if (!keys.Add(key.Name)) throw error("appears twice (condition keys ignore case)", keyField);
                    switch (ConditionKeys.Classify(key.Name))
                    {
                        case ConditionKeys.Kind.Unknown:
                            throw error($"'{key.Name}' is not a condition key; use kms:EncryptionContext:<key>, kms:EncryptionContextKeys, "
                                + "kms:GrantOperations, kms:GranteePrincipal, kms:RetiringPrincipal, kms:GrantConstraintType or kms:GrantIsForAWSResource", keyField);
                        case ConditionKeys.Kind.Absent:
                            _warnings.Add($"{Label(index, sid)}: the condition key '{key.Name}' has no value in a local store; it is always absent.");
                            break;
                    }
                    var values = ConditionValues(key.Value, keyField, error);
                    if (baseOp is ConditionOperator.Null or ConditionOperator.Bool)
                    {
                        foreach (var v in values)
                            if (!v.Equals("true", StringComparison.OrdinalIgnoreCase) && !v.Equals("false", StringComparison.OrdinalIgnoreCase))
                                throw error($"'{v}' is not true or false", keyField);
                    }
                    foreach (var v in values)
                        if (v.Contains("${", StringComparison.Ordinal))
                            throw error($"'{v}' uses a policy variable; policy variables are not supported", keyField);
                    result.Add(new PolicyCondition(op.Name, baseOp, qualifier, ifExists, key.Name, values));
                }
                if (keys.Count == 0) throw error("names no condition key", field);
            }
            return result;
        }

        private static (ConditionOperator Op, SetQualifier Qualifier, bool IfExists) ParseOperator(string name, string field, Func<string, string, InvalidKeyPolicyException> error)
        {
            var rest = name;
            var qualifier = SetQualifier.None;
            if (rest.StartsWith("ForAllValues:", StringComparison.Ordinal))
            {
                qualifier = SetQualifier.ForAllValues;
                rest = rest["ForAllValues:".Length..];
            }
            else if (rest.StartsWith("ForAnyValue:", StringComparison.Ordinal))
            {
                qualifier = SetQualifier.ForAnyValue;
                rest = rest["ForAnyValue:".Length..];
            }
            var ifExists = rest.EndsWith("IfExists", StringComparison.Ordinal);
            if (ifExists) rest = rest[..^"IfExists".Length];
            if (!Enum.TryParse<ConditionOperator>(rest, ignoreCase: false, out var op) || !Enum.IsDefined(op) || rest != op.ToString())
                throw error($"'{name}' is not a supported condition operator; use StringEquals, StringNotEquals, StringEqualsIgnoreCase, "
                    + "StringNotEqualsIgnoreCase, StringLike, StringNotLike, ArnEquals, ArnNotEquals, ArnLike, ArnNotLike, Bool or Null, "
                    + "optionally with ForAllValues:/ForAnyValue: and ...IfExists", field);
            if (op == ConditionOperator.Null && (ifExists || qualifier != SetQualifier.None))
                throw error("Null takes neither ...IfExists nor ForAllValues:/ForAnyValue:", field);
            return (op, qualifier, ifExists);
        }

        private static List<string> ConditionValues(JsonElement element, string field, Func<string, string, InvalidKeyPolicyException> error)
        {
            static string? Scalar(JsonElement e) => e.ValueKind switch
            {
                JsonValueKind.String => e.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Number => e.GetRawText(),
                _ => null,
            };
            if (element.ValueKind == JsonValueKind.Array)
            {
                var list = element.EnumerateArray().Select(e => Scalar(e) ?? throw error("values must be strings, numbers or booleans", field)).ToList();
                if (list.Count == 0) throw error("has an empty list of values", field);
                return list;
            }
            return [Scalar(element) ?? throw error("must be a string, number, boolean, or an array of them", field)];
        }

        private static List<string> Strings(JsonElement element, string field, Func<string, string, InvalidKeyPolicyException> error)
        {
            if (element.ValueKind == JsonValueKind.String) return [element.GetString()!];
            if (element.ValueKind != JsonValueKind.Array) throw error("must be a string or an array of strings", field);
            var list = new List<string>();
            foreach (var item in element.EnumerateArray())
                list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw error("must contain only strings", field));
            if (list.Count == 0) throw error("is an empty array", field);
            return list;
        }

        private static Dictionary<string, JsonElement> Fields(JsonElement obj, string[] allowed, int? index, string? sid, string prefix)
        {
            var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in obj.EnumerateObject())
            {
                if (!allowed.Contains(property.Name, StringComparer.Ordinal))
                {
                    var hint = allowed.FirstOrDefault(a => a.Equals(property.Name, StringComparison.OrdinalIgnoreCase));
                    throw new InvalidKeyPolicyException(hint is not null
                        ? $"field names are case-sensitive: write '{hint}'"
                        : $"is not a field of a {(index is null ? "policy" : "statement")}; expected one of {string.Join(", ", allowed)}",
                        index, sid, prefix + property.Name);
                }
                if (!result.TryAdd(property.Name, property.Value))
                    throw new InvalidKeyPolicyException("appears twice", index, sid, prefix + property.Name);
            }
            return result;
        }

        private static string Show(JsonElement e) => e.ValueKind == JsonValueKind.String ? $"'{e.GetString()}'" : e.GetRawText();

        private static string Label(int index, string? sid) => sid is { Length: > 0 } ? $"Statement {index} (Sid '{sid}')" : $"Statement {index}";
    }
}
