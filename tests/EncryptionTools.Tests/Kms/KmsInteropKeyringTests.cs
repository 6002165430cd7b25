using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Tests.Engine;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// Our AWS KMS keyring (EncryptionTools.Kms) in the engine, against the official JS SDK's KmsKeyringNode, both ways:
/// the EDKs, the calls and the context each side sends KMS, with the keyrings given to the message route directly
/// (the key-resolution route of Protect-File and Unprotect-File is in KmsInteropJsReadsOursTests and KmsInteropWeReadJsTests).
/// </summary>
[Trait("Category", "Interop")]
public class KmsInteropKeyringTests
{
    private static KmsEndpoint Kms => KmsEndpoint.Instance;

    private static IReadOnlyDictionary<string, string> Context => KmsJs.Context;

    private static UnprotectRequest To(string destination, IReadOnlyDictionary<string, string>? expect = null) =>
        new() { Keyrings = [], Destination = destination, RequiredEncryptionContext = expect };

    private static void AssertJsDecrypts(TempDir dir, string file, byte[] plaintext, JsonObject keyring, params string[] expectedDecryptKeys)
    {
        var output = dir.File("js-" + Guid.NewGuid().ToString("N")[..8] + ".out");
        var run = KmsJs.Decrypt(dir, file, output, Context, keyring);
        Assert.True(run.Exit == 0, $"the SDK failed with {keyring.ToJsonString()}: {run.Describe()}");
        Assert.True(plaintext.AsSpan().SequenceEqual(File.ReadAllBytes(output)), "the SDK's plaintext differs");
        Assert.Equal(expectedDecryptKeys.Select(k => "Decrypt " + k + " > " + k), run.KmsCalls.Select(c => $"{c.Operation} {c.KeyId} > {c.ResponseKeyId}"));
        Assert.All(run.KmsCalls, c => Assert.Equal(KmsJs.HeaderContext(file), c.EncryptionContext));
        File.Delete(output);
    }

    [Theory]
    [InlineData("default", 0x0578)]
    [InlineData("0478", 0x0478)]
    public void The_sdks_KmsKeyringNode_message_decrypts_with_our_keyring_for_either_of_its_keys(string suite, int suiteId)
    {
        using var dir = new TempDir();
        var (a, b) = (Kms.CreateKey(), Kms.CreateKey());
        var keys = new InteropKeys();
        var plaintext = RandomNumberGenerator.GetBytes(70_000);
        var enc = KmsJs.Encrypt(dir, dir.Write("plain.bin", plaintext), dir.File("js.enc"), suite, Context, KmsJs.Keyring(a, b), keys.RsaJson(true, false));
        Assert.True(enc.Exit == 0, enc.Describe());
        KmsJs.AssertKmsEdks(dir.File("js.enc"), a, b);
        Assert.Equal(suiteId, FileCrypto.ReadHeader(dir.File("js.enc")).Suite.Id);

        using var provider = KmsKeyringTestSupport.Provider();
        foreach (var key in new[] { a, b })
        {
            var sink = new RecordingSink();
            using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [key] }, sink);
            var output = dir.File("ours-" + (key == a ? "a" : "b"));
            FileRoute.Unprotect(dir.File("js.enc"), output, To(output, Context) with { Keyrings = [keyring] });
            Assert.Equal(plaintext, File.ReadAllBytes(output));
            var use = Assert.Single(sink.Uses);
            Assert.Equal(("kms:Decrypt", key, true), (use.Operation, use.KeyIdentifier, use.Succeeded));
            Assert.False(string.IsNullOrEmpty(use.RequestId));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Our_kms_keyring_in_the_engine_writes_what_the_sdk_reads(bool signed)
    {
        using var dir = new TempDir();
        var (a, b) = (Kms.CreateKey(), Kms.CreateKey());
        var keys = new InteropKeys();
        var plaintext = RandomNumberGenerator.GetBytes(9000);
        using var provider = KmsKeyringTestSupport.Provider();
        var sink = new RecordingSink();
        using var kms = provider.CreateEncryptKeyring([a, b], sink);
        FileRoute.EncryptFile(dir.Write("plain.bin", plaintext), dir.File("ours.enc"), [kms, keys.Aes("aes-1", keys.Aes1)], new EncryptOptions
        {
            EncryptionContext = Context, FrameLength = 4096, Suite = signed ? AlgorithmSuite.CommitKeyEcdsaP384 : AlgorithmSuite.CommitKey,
        });
        Assert.Equal(["kms:GenerateDataKey " + a, "kms:Encrypt " + b], sink.Uses.Select(u => u.Operation + " " + u.KeyIdentifier));
        KmsJs.AssertKmsEdks(dir.File("ours.enc"), a, b);
        AssertJsDecrypts(dir, dir.File("ours.enc"), plaintext, KmsJs.Keyring(null, b), b);
        AssertJsDecrypts(dir, dir.File("ours.enc"), plaintext, keys.AesJson("aes-1", keys.Aes1));
    }

    [Fact]
    public void Our_keyring_in_discovery_mode_opens_the_sdks_message_only_for_the_filtered_account_and_partition()
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        var plaintext = RandomNumberGenerator.GetBytes(5000);
        Assert.True(KmsJs.Encrypt(dir, dir.Write("plain.bin", plaintext), dir.File("js.enc"), "default", Context, KmsJs.Keyring(a)).Exit == 0);
        using var provider = KmsKeyringTestSupport.Provider();

        var sink = new RecordingSink();
        using (var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { Discovery = new DiscoveryFilter("aws", [KmsJs.Account]) }, sink))
            FileRoute.Unprotect(dir.File("js.enc"), dir.File("found"), To(dir.File("found"), Context) with { Keyrings = [keyring] });
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("found")));
        Assert.Equal(["kms:Decrypt " + a], sink.Uses.Select(u => u.Operation + " " + u.KeyIdentifier));

        foreach (var (name, filter) in new[] { ("account", new DiscoveryFilter("aws", ["111122223333"])), ("partition", new DiscoveryFilter("aws-cn", [KmsJs.Account])) })
        {
            var none = new RecordingSink();
            using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { Discovery = filter }, none);
            Must.FailTyped(() => FileRoute.Unprotect(dir.File("js.enc"), dir.File(name), To(dir.File(name)) with { Keyrings = [keyring] }), "other " + name);
            Assert.Empty(none.Uses);
            Assert.False(File.Exists(dir.File(name)));
        }
    }

    [Theory]
    [InlineData("edk")]
    [InlineData("context")]
    [InlineData("body")]
    [InlineData("signature")]
    public void Our_keyring_rejects_the_sdks_damaged_message_and_leaves_no_output(string damage)
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        Assert.True(KmsJs.Encrypt(dir, dir.Write("plain.bin", RandomNumberGenerator.GetBytes(50_000)), dir.File("js.enc"), "default", Context, KmsJs.Keyring(a)).Exit == 0);
        var bad = KmsJs.Flip(dir, dir.File("js.enc"), KmsJs.DamageOffset(dir.File("js.enc"), damage), "bad.enc");
        var before = FilesSupport.Listing(dir.Path);

        using var provider = KmsKeyringTestSupport.Provider();
        var sink = new RecordingSink();
        using var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [a] }, sink);
        Must.FailTyped(() => FileRoute.Unprotect(bad, dir.File("bad.out"), To(dir.File("bad.out")) with { Keyrings = [keyring] }), damage);
        Assert.Equal(before, FilesSupport.Listing(dir.Path));
        // KMS itself refuses a changed EDK or context: the context we send is the message's.
        Assert.Equal(damage is "edk" or "context", sink.Uses.Any(u => !u.Succeeded));
    }

    [Theory]
    [InlineData("edk")]
    [InlineData("context")]
    [InlineData("body")]
    [InlineData("signature")]
    public void The_sdk_rejects_damage_to_what_our_keyring_wrote_and_releases_nothing(string damage)
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        using var provider = KmsKeyringTestSupport.Provider();
        using (var kms = provider.CreateEncryptKeyring([a], null))
            FileRoute.EncryptFile(dir.Write("plain.bin", RandomNumberGenerator.GetBytes(50_000)), dir.File("ours.enc"), [kms],
                new EncryptOptions { EncryptionContext = Context, FrameLength = 4096, Suite = AlgorithmSuite.CommitKeyEcdsaP384 });
        var bad = KmsJs.Flip(dir, dir.File("ours.enc"), KmsJs.DamageOffset(dir.File("ours.enc"), damage), "bad.enc");

        var run = KmsJs.Decrypt(dir, bad, dir.File("bad.out"), null, KmsJs.Keyring(null, a));
        Assert.True(run.Exit == 1, run.Describe());
        Assert.False(File.Exists(dir.File("bad.out")), "the SDK left output");
        if (damage is "edk" or "context") Assert.Equal("InvalidCiphertextException", Assert.Single(run.KmsCalls).Error);
    }

    [Fact]
    public void Messages_with_an_empty_context_interoperate_both_ways()
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        var plaintext = RandomNumberGenerator.GetBytes(4096);
        var empty = new Dictionary<string, string>();
        using var provider = KmsKeyringTestSupport.Provider();

        var enc = KmsJs.Encrypt(dir, dir.Write("plain.bin", plaintext), dir.File("js.enc"), "0478", empty, KmsJs.Keyring(a));
        Assert.True(enc.Exit == 0, enc.Describe());
        Assert.Empty(Assert.Single(enc.KmsCalls).EncryptionContext);
        Assert.Empty(KmsJs.HeaderContext(dir.File("js.enc")));
        using (var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [a] }, null))
            FileRoute.Unprotect(dir.File("js.enc"), dir.File("ours.out"), To(dir.File("ours.out")) with { Keyrings = [keyring] });
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("ours.out")));

        using (var kms = provider.CreateEncryptKeyring([a], null))
            FileRoute.EncryptFile(dir.File("plain.bin"), dir.File("ours.enc"), [kms], new EncryptOptions { FrameLength = 4096 });
        KmsJs.AssertKmsEdks(dir.File("ours.enc"), a);
        var run = KmsJs.Decrypt(dir, dir.File("ours.enc"), dir.File("js.out"), null, KmsJs.Keyring(null, a));
        Assert.True(run.Exit == 0, run.Describe());
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("js.out")));
        Assert.Empty(Assert.Single(run.KmsCalls).EncryptionContext);
    }

    [Fact]
    public void Both_sides_pass_a_disabled_keys_edk_and_open_the_next_allowed_one()
    {
        using var dir = new TempDir();
        var (a, b) = (Kms.CreateKey(), Kms.CreateKey());
        var plaintext = RandomNumberGenerator.GetBytes(5000);
        using var provider = KmsKeyringTestSupport.Provider();
        Assert.True(KmsJs.Encrypt(dir, dir.Write("plain.bin", plaintext), dir.File("js.enc"), "default", Context, KmsJs.Keyring(a, b)).Exit == 0);
        using (var kms = provider.CreateEncryptKeyring([a, b], null))
            FileRoute.EncryptFile(dir.File("plain.bin"), dir.File("ours.enc"), [kms], new EncryptOptions { EncryptionContext = Context, FrameLength = 4096 });
        Kms.Disable(a);

        var sink = new RecordingSink();
        using (var keyring = provider.CreateDecryptKeyring(new ExternalDecryptScope { AllowedKeys = [a, b] }, sink))
            FileRoute.Unprotect(dir.File("js.enc"), dir.File("ours.out"), To(dir.File("ours.out"), Context) with { Keyrings = [keyring] });
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("ours.out")));
        Assert.Equal([$"kms:Decrypt {a} False", $"kms:Decrypt {b} True"], sink.Uses.Select(u => $"{u.Operation} {u.KeyIdentifier} {u.Succeeded}"));

        var run = KmsJs.Decrypt(dir, dir.File("ours.enc"), dir.File("js.out"), Context, KmsJs.Keyring(null, a, b));
        Assert.True(run.Exit == 0, run.Describe());
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("js.out")));
        Assert.Equal([$"Decrypt {a} DisabledException", $"Decrypt {b} "], run.KmsCalls.Select(c => $"{c.Operation} {c.KeyId} {c.Error}"));
    }
}
