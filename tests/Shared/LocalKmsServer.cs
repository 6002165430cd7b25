using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EncryptionTools.TestSupport;

/// <summary>
/// The KMS-API endpoint on loopback both test projects use (compiled into each): the one test.sh started
/// (ENCTOOLS_TEST_KMS_ENDPOINT), or tests/kms/kms_server.py started for the life of the test process. Never skipped:
/// an endpoint that cannot start fails the tests that need it.
/// </summary>
internal static class LocalKmsServer
{
    public const string Region = "us-east-1";
    public const string Account = "123456789012";

    private static Process? _server;

    /// <summary>The endpoint's URL (http://127.0.0.1:PORT), starting a server when test.sh gave none.</summary>
    public static string Url(string repoRoot) =>
        Environment.GetEnvironmentVariable("ENCTOOLS_TEST_KMS_ENDPOINT") is { Length: > 0 } given ? given.TrimEnd('/') : Start(repoRoot);

    /// <summary>
    /// The environment a process needs to reach <paramref name="url"/> through the AWS SDK's standard chain: static
    /// credentials, the region and AWS_ENDPOINT_URL_KMS; nothing else of the caller's AWS settings leaks in.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> ClientEnvironment(string url) => new Dictionary<string, string?>
    {
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_REGION"] = Region,
        ["AWS_DEFAULT_REGION"] = Region,
        ["AWS_ENDPOINT_URL_KMS"] = url,
        ["AWS_ENDPOINT_URL"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    /// <summary>A loopback port nothing listens on (for the unreachable-endpoint tests).</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Start(string repoRoot)
    {
        var script = Path.Combine(repoRoot, "tests", "kms", "kms_server.py");
        var port = ClosedPort();
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) }) info.ArgumentList.Add(a);
        var server = _server = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { server.Kill(); } catch (InvalidOperationException) { } };
        var url = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !server.HasExited)
        {
            try
            {
                if (http.GetAsync(url + "/moto-api/data.json").GetAwaiter().GetResult().IsSuccessStatusCode) return url;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            Thread.Sleep(200);
        }
        throw new InvalidOperationException($"The local KMS endpoint ({script}, needs Python with moto 5.2.1) did not start on {url}.");
    }
}
