using System.Security.Cryptography;
using System.Text.Json;

namespace EncryptionTools.Tests.Cli;

public class CliTests
{
    [Fact]
    public void EncryptsInspectsAndDecryptsWithDocumentedExitCodes()
    {
        using var dir = new TempDir();
        var key = dir.Write("team.key", RandomNumberGenerator.GetBytes(32));
        var plain = dir.Write("payroll.txt", RandomNumberGenerator.GetBytes(100_000));

        var enc = CliProcess.Run("encrypt", plain, "--key-file", key, "--context", "dept=hr", "--json");
        Assert.True(enc.Code == 0, enc.Err);
        Assert.Equal(100_000, JsonDocument.Parse(enc.Out).RootElement[0].GetProperty("BytesIn").GetInt64());

        var info = CliProcess.Run("info", plain + ".enc", "--json");
        Assert.Equal(0, info.Code);
        var first = JsonDocument.Parse(info.Out).RootElement[0];
        Assert.Equal("hr", first.GetProperty("EncryptionContext").GetProperty("dept").GetString());
        Assert.Equal("team", first.GetProperty("EncryptedDataKeys")[0].GetProperty("KeyName").GetString());

        // Exists without --force: 6, and the existing file is untouched.
        var again = CliProcess.Run("encrypt", plain, "--key-file", key);
        Assert.Equal(6, again.Code);
        Assert.Contains("DestinationExists", again.Err);

        var wrongContext = CliProcess.Run("decrypt", plain + ".enc", "--key-file", key, "--expect-context", "dept=it", "-o", dir.File("out.txt"));
        Assert.Equal(7, wrongContext.Code);
        Assert.False(File.Exists(dir.File("out.txt")));

        var dec = CliProcess.Run("decrypt", plain + ".enc", "--key-file", key, "--expect-context", "dept=hr", "-o", dir.File("out.txt"));
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(dir.File("out.txt")));
    }

    [Fact]
    public void FailuresMapToTheirExitCodesAndLeaveNothing()
    {
        using var dir = new TempDir();
        var key = dir.Write("k.key", RandomNumberGenerator.GetBytes(32));
        var other = dir.Write("other.key", RandomNumberGenerator.GetBytes(32));
        var plain = dir.Write("a.txt", "hello"u8.ToArray());
        Assert.Equal(0, CliProcess.Run("encrypt", plain, "--key-file", key, "--key-name", "k").Code);

        // A different key under the same name: the EDK does not decrypt (5), and the error lists it.
        var wrong = CliProcess.Run("decrypt", plain + ".enc", "--key-file", other, "--key-name", "k", "-o", dir.File("x"));
        Assert.Equal(5, wrong.Code);
        Assert.Contains("NoDecryptableKey", wrong.Err);
        Assert.Contains("enctools / k", wrong.Err);

        // Not a message: 4.
        var notMessage = CliProcess.Run("decrypt", plain, "--key-file", key, "-o", dir.File("y"));
        Assert.Equal(4, notMessage.Code);
        Assert.Contains("NotAnEncryptedMessage", notMessage.Err);

        // Tampered: 4.
        var bytes = File.ReadAllBytes(plain + ".enc");
        bytes[^3] ^= 1;
        File.WriteAllBytes(dir.File("t.enc"), bytes);
        var tampered = CliProcess.Run("decrypt", dir.File("t.enc"), "--key-file", key, "--key-name", "k", "-o", dir.File("z"));
        Assert.Equal(4, tampered.Code);
        Assert.Contains("MessageTampered", tampered.Err);

        // Missing input: 3. Bad pair: 2.
        Assert.Equal(3, CliProcess.Run("info", dir.File("missing.enc")).Code);
        Assert.Equal(2, CliProcess.Run("encrypt", plain, "--key-file", key, "--context", "novalue", "-o", dir.File("w")).Code);

        Assert.Empty(Directory.GetFiles(dir.Path, "x*").Concat(Directory.GetFiles(dir.Path, "y*")).Concat(Directory.GetFiles(dir.Path, "z*")).Concat(Directory.GetFiles(dir.Path, "w*")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.etpart", SearchOption.AllDirectories));
    }
}
