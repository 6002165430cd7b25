using System.Text;
using System.Text.Json;

namespace EncryptionTools.Tests.Cli;

/// <summary><c>enctools data encrypt|decrypt|datakey|reencrypt</c> with AWS KMS keys, as real processes on the local endpoint.</summary>
public class CliKmsDataTests
{
    private const int AccessDenied = 5;

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes).Trim();

    [Fact]
    public void Data_encrypt_and_decrypt_with_a_kms_key_need_no_store()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var arn = KmsCli.Endpoint.CreateKey();
        var missing = dir.File("no-store");

        var enc = KmsCli.RunBytes(env, "connection string"u8.ToArray(), "data", "encrypt", "--key", arn, "--context", "app=billing", "--store", missing);
        Assert.True(enc.Code == 0, enc.Err);
        var message = Text(enc.Out);
        var dec = KmsCli.RunBytes(env, null, "data", "decrypt", message, "--key", arn, "--expect-context", "app=billing", "--store", missing);
        Assert.True(dec.Code == 0, dec.Err);
        Assert.Equal("connection string", Encoding.UTF8.GetString(dec.Out));

        // Strict: no key named, no allow-list: refused; discovery for the account opens it.
        var strict = KmsCli.RunBytes(env, null, "data", "decrypt", message, "--json");
        Assert.Equal(AccessDenied, strict.Code);
        Assert.Contains("KmsKeyNotAllowed", strict.Err);
        Assert.Empty(strict.Out);
        var discovered = KmsCli.RunBytes(env, null, "data", "decrypt", message, "--kms-discovery-account", "123456789012", "--json");
        Assert.True(discovered.Code == 0, discovered.Err);
        using (var doc = JsonDocument.Parse(discovered.Out))
            Assert.Equal("connection string", Encoding.UTF8.GetString(Convert.FromBase64String(doc.RootElement.GetProperty("Plaintext").GetString()!)));

        Assert.False(Directory.Exists(missing));
        Assert.Empty(KmsCli.Tree(dir.File("home")));
    }

    [Fact]
    public void Data_datakey_with_a_kms_key_returns_a_blob_that_data_decrypt_opens()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var arn = KmsCli.Endpoint.CreateKey();
        var r = KmsCli.Run(env, "data", "datakey", "--key", arn, "--context", "purpose=test", "--json");
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var plaintext = Convert.FromBase64String(doc.RootElement.GetProperty("Plaintext").GetString()!);
        Assert.Equal(32, plaintext.Length);
        Assert.Equal(arn, doc.RootElement.GetProperty("KeyArn").GetString());
        var blob = doc.RootElement.GetProperty("CiphertextBlob").GetString()!;
        var back = KmsCli.Run(env, "data", "decrypt", blob, "--base64", "--key", arn, "--expect-context", "purpose=test");
        Assert.True(back.Code == 0, back.Err);
        Assert.Equal(Convert.ToBase64String(plaintext), back.Out.Trim());
        Assert.Empty(KmsCli.Tree(dir.File("home")));
    }

    [Fact]
    public void Data_reencrypt_moves_a_message_from_a_local_key_to_a_kms_key_and_back()
    {
        using var dir = new TempDir();
        var env = KmsCli.Env(dir);
        var store = dir.File("store");
        KmsCli.LocalStore(env, store);
        var arn = KmsCli.Endpoint.CreateKey();
        var enc = KmsCli.RunBytes(env, "move me"u8.ToArray(), "data", "encrypt", "--key", "alias/local", "--store", store);
        Assert.True(enc.Code == 0, enc.Err);

        var toKms = KmsCli.Run(env, "data", "reencrypt", Text(enc.Out), "--key", arn, "--store", store);
        Assert.True(toKms.Code == 0, toKms.Err);
        var byKms = KmsCli.RunBytes(env, null, "data", "decrypt", toKms.Out.Trim(), "--key", arn, "--store", dir.File("none"));
        Assert.True(byKms.Code == 0, byKms.Err);
        Assert.Equal("move me", Encoding.UTF8.GetString(byKms.Out));
        Assert.NotEqual(0, KmsCli.Run(env, "data", "decrypt", toKms.Out.Trim(), "--key", "alias/local", "--store", store).Code);

        // Back to the local key: the KMS EDK is opened only because --source-key allows it.
        var refused = KmsCli.Run(env, "data", "reencrypt", toKms.Out.Trim(), "--key", "alias/local", "--store", store);
        Assert.Equal(AccessDenied, refused.Code);
        Assert.Contains("KmsKeyNotAllowed", refused.Err);
        var toLocal = KmsCli.Run(env, "data", "reencrypt", toKms.Out.Trim(), "--key", "alias/local", "--source-key", arn, "--store", store);
        Assert.True(toLocal.Code == 0, toLocal.Err);
        var byLocal = KmsCli.RunBytes(env, null, "data", "decrypt", toLocal.Out.Trim(), "--key", "alias/local", "--store", store);
        Assert.True(byLocal.Code == 0, byLocal.Err);
        Assert.Equal("move me", Encoding.UTF8.GetString(byLocal.Out));
        Assert.False(Directory.Exists(dir.File("none")));
    }
}
