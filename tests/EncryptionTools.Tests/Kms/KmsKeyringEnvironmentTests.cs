using System.Diagnostics;
using EncryptionTools.Tests.Engine;
using static EncryptionTools.Tests.Kms.KmsKeyringTestSupport;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// The parameterless provider (as the module makes it) takes credentials, region and endpoint from the AWS SDK's
/// standard chain, AWS_ENDPOINT_URL_KMS included. Each test runs tests/EncryptionTools.KmsProbe in its own process with
/// an environment of its own (no AWS_* variable of this process, a home without AWS files), so nothing leaks between
/// the tests running in parallel.
/// </summary>
public class KmsKeyringEnvironmentTests
{
    private static (int ExitCode, string Output, TimeSpan Elapsed) Probe(string key, IReadOnlyDictionary<string, string?> environment)
    {
        var dll = Path.Combine(RepoPaths.Root, "tests", "EncryptionTools.KmsProbe", "bin", RepoPaths.Configuration, "net8.0", "EncryptionTools.KmsProbe.dll");
        if (!File.Exists(dll)) Assert.Fail($"KmsProbe not built at {dll}; the test project's ProjectReference should build it.");
        var home = Directory.CreateTempSubdirectory("kmsprobe-home-");
        try
        {
            var info = new ProcessStartInfo(RepoPaths.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(dll);
            info.ArgumentList.Add("probe");
            info.ArgumentList.Add(key);
            foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)).ToList())
                info.Environment.Remove(name);
            info.Environment["HOME"] = home.FullName;
            info.Environment["USERPROFILE"] = home.FullName;
            info.Environment["AWS_CONFIG_FILE"] = Path.Combine(home.FullName, "no-config");
            info.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(home.FullName, "no-credentials");
            info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
            foreach (var (name, value) in environment)
            {
                if (value is null) info.Environment.Remove(name);
                else info.Environment[name] = value;
            }
            var watch = Stopwatch.StartNew();
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), "the probe did not finish within 60 s");
            return (process.ExitCode, output.Trim() + stderr.Result, watch.Elapsed);
        }
        finally { home.Delete(recursive: true); }
    }

    [Fact]
    public void The_parameterless_provider_uses_AWS_ENDPOINT_URL_KMS_and_the_environments_credentials()
    {
        var key = Endpoint.CreateKey();
        var alias = Endpoint.CreateAlias(key, "alias/env-" + Guid.NewGuid().ToString("N"));
        foreach (var named in new[] { key, alias })
        {
            var (exitCode, output, _) = Probe(named, Endpoint.ClientEnvironment);
            Assert.True(exitCode == 0, output);
            Assert.StartsWith($"ok Enabled {key} kms:Encrypt=", output, StringComparison.Ordinal);
            Assert.Contains(" kms:Decrypt=", output, StringComparison.Ordinal);
            Assert.DoesNotContain("=null", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_endpoint_from_AWS_ENDPOINT_URL_KMS_is_the_one_called_and_named_when_unreachable()
    {
        var url = $"http://127.0.0.1:{KmsEndpoint.ClosedPort()}";
        var environment = new Dictionary<string, string?>(Endpoint.ClientEnvironment) { ["AWS_ENDPOINT_URL_KMS"] = url };
        var (exitCode, output, elapsed) = Probe(Endpoint.CreateKey(), environment);
        Assert.Equal(1, exitCode);
        Assert.StartsWith("KmsEndpointUnreachable: ", output, StringComparison.Ordinal);
        Assert.Contains(url, output, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed}");
    }

    [Fact]
    public void Without_credentials_in_the_chain_the_error_is_KmsCredentialsMissing()
    {
        var environment = new Dictionary<string, string?>(Endpoint.ClientEnvironment)
        {
            ["AWS_ACCESS_KEY_ID"] = null,
            ["AWS_SECRET_ACCESS_KEY"] = null,
        };
        var (exitCode, output, _) = Probe(Endpoint.CreateKey(), environment);
        Assert.Equal(1, exitCode);
        Assert.StartsWith("KmsCredentialsMissing: ", output, StringComparison.Ordinal);
    }
}
