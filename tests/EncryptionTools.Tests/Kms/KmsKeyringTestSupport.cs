using System.Collections.Concurrent;
using System.Text;
using Amazon.Runtime;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Kms;

namespace EncryptionTools.Tests.Kms;

/// <summary>What the keyring tests share: a provider on the local endpoint, a sink that keeps every call, message helpers.</summary>
internal static class KmsKeyringTestSupport
{
    public static KmsEndpoint Endpoint => KmsEndpoint.Instance;

    public static AwsKmsClientSettings Settings(string? url = null) => new()
    {
        EndpointUrl = url ?? Endpoint.Url,
        Credentials = new BasicAWSCredentials(KmsEndpoint.AccessKey, KmsEndpoint.SecretKey),
    };

    public static AwsKmsKeyringProvider Provider(string? url = null) => new(Settings(url));

    public static readonly IReadOnlyDictionary<string, string> Context = new Dictionary<string, string>
    {
        ["purpose"] = "kms keyring test",
        ["tenant"] = "contoso",
    };

    public static byte[] Encrypt(byte[] plaintext, IKeyring[] keyrings, IReadOnlyDictionary<string, string>? context = null, bool signed = false) =>
        Encrypt(plaintext, keyrings, out _, context, signed);

    public static byte[] Encrypt(byte[] plaintext, IKeyring[] keyrings, out EncryptResult result, IReadOnlyDictionary<string, string>? context = null, bool signed = false)
    {
        using var output = new MemoryStream();
        result = MessageEncryptor.Encrypt(new MemoryStream(plaintext), output, keyrings,
            new EncryptOptions { EncryptionContext = context ?? Context, Signed = signed, FrameLength = 1024 });
        return output.ToArray();
    }

    public static (byte[] Plaintext, DecryptResult Result) Decrypt(byte[] message, params IKeyring[] keyrings)
    {
        using var output = new MemoryStream();
        var result = MessageDecryptor.Decrypt(new MemoryStream(message), output, keyrings);
        return (output.ToArray(), result);
    }

    public static string Info(EncryptedDataKey edk) => Encoding.UTF8.GetString(edk.ProviderInfo);

    public static byte[] Plaintext(int length = 5000) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
}

/// <summary>Keeps every KMS call a keyring reports.</summary>
internal sealed class RecordingSink : IKeyUseSink
{
    private readonly ConcurrentQueue<ExternalKeyUse> _uses = new();
    public void Record(ExternalKeyUse use) => _uses.Enqueue(use);
    public IReadOnlyList<ExternalKeyUse> Uses => [.. _uses];
}

/// <summary>
/// A KMS endpoint that lies: an HTTP proxy on loopback in front of the local endpoint that passes every call through
/// and lets a test rewrite the JSON answer of one operation (a KeyId naming another key, a short plaintext), as a
/// compromised or buggy service would. The keyring under test talks real HTTP to it.
/// </summary>
internal sealed class LyingKmsEndpoint : IDisposable
{
    private readonly System.Net.HttpListener _listener = new();
    private readonly HttpClient _http = new();
    private readonly string _target;
    private readonly Func<string, System.Text.Json.Nodes.JsonObject, bool> _rewrite;
    private readonly Task _loop;

    /// <param name="rewrite">Called with the operation ("Decrypt") and the parsed answer; true when it changed it.</param>
    public LyingKmsEndpoint(string target, Func<string, System.Text.Json.Nodes.JsonObject, bool> rewrite)
    {
        _target = target;
        _rewrite = rewrite;
        var port = KmsEndpoint.ClosedPort();
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    public string Url { get; }

    public int Rewritten;

    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);

    /// <summary>How many requests of an operation ("Encrypt") reached the endpoint, retries included.</summary>
    public int Requests(string operation) => _requests.TryGetValue(operation, out var n) ? n : 0;

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            System.Net.HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is System.Net.HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                using var request = new HttpRequestMessage(HttpMethod.Post, _target + context.Request.RawUrl) { Content = new ByteArrayContent(body.ToArray()) };
                var amzTarget = context.Request.Headers["X-Amz-Target"] ?? "";
                _requests.AddOrUpdate(amzTarget[(amzTarget.LastIndexOf('.') + 1)..], 1, (_, n) => n + 1);
                request.Headers.TryAddWithoutValidation("X-Amz-Target", amzTarget);
                request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers["Authorization"]);
                request.Headers.TryAddWithoutValidation("X-Amz-Date", context.Request.Headers["X-Amz-Date"]);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
                using var response = await _http.SendAsync(request);
                var answer = await response.Content.ReadAsByteArrayAsync();
                var operation = amzTarget[(amzTarget.LastIndexOf('.') + 1)..];
                if (response.IsSuccessStatusCode && System.Text.Json.Nodes.JsonNode.Parse(answer) is System.Text.Json.Nodes.JsonObject json && _rewrite(operation, json))
                {
                    answer = Encoding.UTF8.GetBytes(json.ToJsonString());
                    Interlocked.Increment(ref Rewritten);
                }
                context.Response.StatusCode = (int)response.StatusCode;
                context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/x-amz-json-1.1";
                foreach (var header in response.Headers.Where(h => h.Key.StartsWith("x-amz", StringComparison.OrdinalIgnoreCase)))
                    context.Response.Headers[header.Key] = string.Join(",", header.Value);
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Net.HttpListenerException or IOException)
            {
                context.Response.Abort();
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _http.Dispose();
    }
}
