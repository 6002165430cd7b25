using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using EncryptionTools.Engine;
using EncryptionTools.Kms;
using Xunit.Abstractions;
using static EncryptionTools.Tests.Kms.KmsKeyringTestSupport;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// The retry bounds: throttling and transient failures are retried at most MaxRetries times, within TotalTimeout;
/// errors that another attempt cannot fix (access denied) are not retried.
/// </summary>
public class KmsKeyringRetryTests(ITestOutputHelper output)
{
    [Fact]
    public void Throttling_is_retried_MaxRetries_times_then_reported_as_KmsThrottled()
    {
        var key = Endpoint.CreateKey("throttle: retry test");
        using var counter = new LyingKmsEndpoint(Endpoint.Url, (_, _) => false);
        using var provider = Provider(counter.Url);
        var watch = Stopwatch.StartNew();
        var ex = Assert.ThrowsAny<EncryptionToolsException>(() => provider.WrapSecret(key, new byte[32], Context, null));
        output.WriteLine($"throttled, default settings: {watch.Elapsed.TotalSeconds:0.00} s, {counter.Requests("Encrypt")} requests");
        Assert.Equal("KmsThrottled", ex.ErrorId);
        Assert.Equal(1 + AwsKmsClientSettings.DefaultMaxRetries, counter.Requests("Encrypt"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Access_denied_is_not_retried()
    {
        var key = Endpoint.CreateKey(policy: KmsEndpoint.DenyPolicy("kms:Encrypt"));
        using var counter = new LyingKmsEndpoint(Endpoint.Url, (_, _) => false);
        using var provider = Provider(counter.Url);
        var ex = Assert.ThrowsAny<EncryptionToolsException>(() => provider.WrapSecret(key, new byte[32], Context, null));
        Assert.Equal("KmsAccessDenied", ex.ErrorId);
        Assert.Equal(1, counter.Requests("Encrypt"));
    }

    [Fact]
    public void A_closed_port_fails_fast_with_the_default_settings()
    {
        var url = $"http://127.0.0.1:{KmsEndpoint.ClosedPort()}";
        using var provider = Provider(url);
        var watch = Stopwatch.StartNew();
        var ex = Assert.ThrowsAny<EncryptionToolsException>(() => provider.Describe(Endpoint.CreateKey()));
        output.WriteLine($"closed port, default settings: {watch.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal("KmsEndpointUnreachable", ex.ErrorId);
        Assert.Contains(url, ex.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public void An_endpoint_that_accepts_and_never_answers_is_cut_by_the_total_time_bound()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the backlog), never reads or answers
        var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        using var provider = new AwsKmsKeyringProvider(new AwsKmsClientSettings
        {
            EndpointUrl = url,
            Credentials = new BasicAWSCredentials(KmsEndpoint.AccessKey, KmsEndpoint.SecretKey),
            RequestTimeout = TimeSpan.FromSeconds(1),
            TotalTimeout = TimeSpan.FromSeconds(2.5),
        });
        var sink = new RecordingSink();
        var watch = Stopwatch.StartNew();
        using var keyring = provider.CreateEncryptKeyring(["arn:aws:kms:us-east-1:123456789012:key/" + Guid.NewGuid()], sink);
        var ex = Assert.ThrowsAny<EncryptionToolsException>(() => Encrypt(Plaintext(), [keyring]));
        output.WriteLine($"silent endpoint, 1 s per attempt, 2.5 s total: {watch.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal("KmsEndpointUnreachable", ex.ErrorId);
        Assert.Contains(url, ex.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Equal("EndpointUnreachable", Assert.Single(sink.Uses).ErrorCode);
    }

    [Fact]
    public void Settings_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AwsKmsKeyringProvider(new AwsKmsClientSettings { MaxRetries = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AwsKmsKeyringProvider(new AwsKmsClientSettings { TotalTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => new AwsKmsKeyringProvider(new AwsKmsClientSettings { EndpointUrl = "not a url" }));
    }
}
