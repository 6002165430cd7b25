using System.Security.Cryptography;
using System.Text.Json;

namespace EncryptionTools.Tests.Cli;

/// <summary><c>enctools encrypt --signed</c>, info, decrypt and rewrap of signed files, as separate processes.</summary>
public class CliSignedTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void SignedFilesEncryptShowAsSignedDecryptAndRewrapByReSigning()
    {
        using var dir = new TempDir();
        var store = dir.File("store");
        Assert.Equal(0, CliProcess.Run("key", "create", "--alias", "alias/a", "--store", store).Code);
        Assert.Equal(0, CliProcess.Run("key", "create", "--alias", "alias/b", "--store", store).Code);
        var plain = RandomNumberGenerator.GetBytes(200_000);
        var file = dir.Write("s.bin", plain);

        var enc = CliProcess.Run("encrypt", file, "--signed", "--key", "alias/a", "--frame-length", "4096", "--store", store, "--json");
        Assert.True(enc.Code == 0, enc.Err);
        Assert.Equal("AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", Json(enc.Out)[0].GetProperty("AlgorithmSuite").GetString());

        var text = CliProcess.Run("info", file + ".enc", "--store", store);
        Assert.True(text.Code == 0, text.Err);
        Assert.Contains("suite        0x0578 AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", text.Out);
        var info = Json(CliProcess.Run("info", file + ".enc", "--store", store, "--json").Out)[0];
        Assert.True(info.GetProperty("IsSigned").GetBoolean());

        var rewrap = CliProcess.Run("rewrap", file + ".enc", "--add-key", "alias/b", "--store", store);
        Assert.True(rewrap.Code == 0, rewrap.Err);
        Assert.Contains("re-signed", rewrap.Out);
        Assert.Contains("0x0578", CliProcess.Run("info", file + ".enc", "--store", store).Out);

        foreach (var only in new[] { "alias/a", "alias/b" })
        {
            var output = dir.File("out-" + only[^1]);
            var dec = CliProcess.Run("decrypt", file + ".enc", "--key", only, "-o", output, "--store", store);
            Assert.True(dec.Code == 0, dec.Err);
            Assert.Equal(plain, File.ReadAllBytes(output));
        }

        // A damaged signature: a failure exit, a tamper error id, and no output at all.
        var bytes = File.ReadAllBytes(file + ".enc");
        bytes[^5] ^= 0x01;
        File.WriteAllBytes(file + ".enc", bytes);
        var bad = CliProcess.Run("decrypt", file + ".enc", "-o", dir.File("bad"), "--store", store);
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("MessageTampered", bad.Err);
        Assert.False(File.Exists(dir.File("bad")));
    }

    [Fact]
    public void SignedEncryptionWithARawKeyFileNeedsNoStore()
    {
        using var dir = new TempDir();
        var keyFile = dir.Write("raw.key", RandomNumberGenerator.GetBytes(32));
        var file = dir.Write("p.txt", "hello signed"u8.ToArray());
        var enc = CliProcess.Run("encrypt", file, "--signed", "--key-file", keyFile, "--json");
        Assert.True(enc.Code == 0, enc.Err);
        Assert.Equal("AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", Json(enc.Out)[0].GetProperty("AlgorithmSuite").GetString());
        var dec = CliProcess.Run("decrypt", file + ".enc", "--key-file", keyFile, "-o", dir.File("back.txt"));
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal("hello signed", File.ReadAllText(dir.File("back.txt")));
    }
}
