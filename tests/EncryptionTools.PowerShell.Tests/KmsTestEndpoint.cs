using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EncryptionTools.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// The KMS-API endpoint on loopback for the module's tests: the one test.sh started (ENCTOOLS_TEST_KMS_ENDPOINT), or
/// tests/kms/kms_server.py started here for the life of this test process; never skipped. Keys are set up over the KMS
/// JSON API with plain HTTP (moto takes any signature), so this test process never loads the AWS SDK itself: the module
/// must load it, into its own context. <see cref="UseInThisProcess"/> points the AWS SDK's standard chain here.
/// </summary>
public sealed class KmsTestEndpoint
{
    public const string Region = LocalKmsServer.Region;
    public const string Account = LocalKmsServer.Account;

    private static readonly Lazy<KmsTestEndpoint> Shared = new(() => new KmsTestEndpoint(), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static KmsTestEndpoint Instance => Shared.Value;

    private KmsTestEndpoint() =>
        Url = LocalKmsServer.Url(DocumentedExample.RepoRoot);

    /// <summary>http://127.0.0.1:PORT</summary>
    public string Url { get; }

    /// <summary>What a process needs to reach the endpoint through the AWS SDK's standard chain (and nothing of the caller's).</summary>
    public IReadOnlyDictionary<string, string?> ClientEnvironment =>
        new Dictionary<string, string?>(LocalKmsServer.ClientEnvironment(Url)) { ["ENCTOOLS_KMS_KEY_IDS"] = null };

    /// <summary>Sets <see cref="ClientEnvironment"/> in this process (the in-process runspaces share it); idempotent.</summary>
    public KmsTestEndpoint UseInThisProcess()
    {
        foreach (var (name, value) in ClientEnvironment) Environment.SetEnvironmentVariable(name, value);
        return this;
    }

    /// <summary>A new symmetric key; its key ARN.</summary>
    public string CreateKey(string description = "EncryptionTools module test key") =>
        Call("CreateKey", new JsonObject { ["Description"] = description })["KeyMetadata"]!["Arn"]!.GetValue<string>();

    /// <summary>Points alias/<paramref name="name"/> at the key (creates it, or moves it when it exists); the alias ARN.</summary>
    public string SetAlias(string keyArn, string name)
    {
        var alias = name.StartsWith("alias/", StringComparison.Ordinal) ? name : "alias/" + name;
        var body = new JsonObject { ["AliasName"] = alias, ["TargetKeyId"] = KeyId(keyArn) };
        try { Call("CreateAlias", body); }
        catch (KmsCallException ex) when (ex.Code.EndsWith("AlreadyExistsException", StringComparison.Ordinal))
        {
            Call("UpdateAlias", new JsonObject { ["AliasName"] = alias, ["TargetKeyId"] = KeyId(keyArn) });
        }
        return $"arn:aws:kms:{Region}:{Account}:{alias}";
    }

    public void Disable(string keyArn) => Call("DisableKey", new JsonObject { ["KeyId"] = KeyId(keyArn) });

    /// <summary>The key id part of a key ARN.</summary>
    public static string KeyId(string keyArn) => keyArn[(keyArn.IndexOf(":key/", StringComparison.Ordinal) + 5)..];

    /// <summary>A key ARN of this account that names no key.</summary>
    public static string MissingKeyArn() => $"arn:aws:kms:{Region}:{Account}:key/{Guid.NewGuid()}";

    private JsonNode Call(string operation, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url + "/");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "TrentService." + operation);
        // The endpoint reads the region from the credential scope and checks no signature.
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential=testing/20261205/{Region}/kms/aws4_request, SignedHeaders=host, Signature=0");
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        using var response = Http.Send(request);
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        var json = string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text)!;
        if (!response.IsSuccessStatusCode)
            throw new KmsCallException(json["__type"]?.GetValue<string>() ?? response.StatusCode.ToString(), $"{operation}: {text}");
        return json;
    }

}

public sealed class KmsCallException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
