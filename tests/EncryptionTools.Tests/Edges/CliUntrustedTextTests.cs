using System.Security.Cryptography;
using System.Text.Json;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Cli;

namespace EncryptionTools.Tests.Edges;

/// <summary>
/// A real, well-formed message whose provider id, key name and context carry terminal escapes: info and the errors of
/// decrypt show them escaped (and --json keeps the exact values, JSON-escaped).
/// </summary>
public class CliUntrustedTextTests
{
    private const string Evil = HostileHeaders.Escapes;

    private static string Message(TempDir dir, byte[] wrappingKey, string keyNamespace = "ns" + Evil, string keyName = "name" + Evil, string contextKey = "dept" + Evil)
    {
        using var keyring = new RawAesKeyring(keyNamespace, keyName, wrappingKey);
        using var output = new MemoryStream();
        MessageEncryptor.Encrypt(new MemoryStream("secret"u8.ToArray()), output, [keyring],
            new EncryptOptions { EncryptionContext = new Dictionary<string, string> { [contextKey] = "hr" + Evil } });
        return dir.Write("evil.enc", output.ToArray());
    }

    private static void AssertEscaped(string text)
    {
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\u0007', text);
        Assert.DoesNotContain('\u0000', text);
        Assert.DoesNotContain('\r', text);
        Assert.Contains("\\x1B]0;pwned\\x07\\x0D\\x00\\x1B[2J", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_shows_provider_ids_key_names_and_context_escaped()
    {
        using var dir = new TempDir();
        var file = Message(dir, RandomNumberGenerator.GetBytes(32));
        var env = CliProcess.WithNewStore(dir.File("store"));
        var info = CliProcess.Run(env, "info", file);
        Assert.Equal(0, info.Code);
        AssertEscaped(info.Out);
        Assert.Contains("ns\\x1B]0;pwned", info.Out, StringComparison.Ordinal);
        Assert.Contains("dept\\x1B]0;pwned", info.Out, StringComparison.Ordinal);

        var json = CliProcess.Run(env, "info", file, "--json");
        Assert.Equal(0, json.Code);
        Assert.DoesNotContain('\u001b', json.Out);
        var first = JsonDocument.Parse(json.Out).RootElement[0];
        Assert.Equal("hr" + Evil, first.GetProperty("EncryptionContext").GetProperty("dept" + Evil).GetString());
    }

    [Fact]
    public void Decrypt_errors_show_the_keys_and_the_context_escaped()
    {
        using var dir = new TempDir();
        var wrapping = RandomNumberGenerator.GetBytes(32);
        var file = Message(dir, wrapping);

        var noKey = CliProcess.Run(CliProcess.WithNewStore(dir.File("store")), "decrypt", file, "-o", dir.File("out"));
        Assert.Equal(5, noKey.Code);
        Assert.Contains("NoDecryptableKey", noKey.Err, StringComparison.Ordinal);
        AssertEscaped(noKey.Err);

        // With the right key but the wrong expected context: the mismatch names the file's value, escaped. (An argument
        // cannot hold NUL, so this message's key names are plain.)
        file = Message(dir, wrapping, "ns", "name", "dept");
        var keyFile = dir.Write("name.key", wrapping);
        var mismatch = CliProcess.Run("decrypt", file, "--key-file", keyFile, "--key-namespace", "ns", "--expect-context", "dept=other", "-o", dir.File("out"));
        Assert.Equal(7, mismatch.Code);
        Assert.Contains("EncryptionContextMismatch", mismatch.Err, StringComparison.Ordinal);
        AssertEscaped(mismatch.Err);
        Assert.False(File.Exists(dir.File("out")));
    }
}
