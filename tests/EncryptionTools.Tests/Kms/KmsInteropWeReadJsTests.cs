using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Engine;
using EncryptionTools.Tests.Files;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// Messages the official JS SDK's AWS KMS keyrings wrote, read by our engine: its AWS KMS keyring directly, and the
/// route of Unprotect-File / Unprotect-EncData (FileOperations, DataOperations) with the KMS key named, a configured
/// discovery filter, and damaged messages that must release nothing.
/// </summary>
[Trait("Category", "Interop")]
[Collection(KmsProviderCollection.Name)]
public class KmsInteropWeReadJsTests
{
    private static KmsEndpoint Kms => KmsEndpoint.Instance;

    private static IReadOnlyDictionary<string, string> Context => KmsJs.Context;

    public KmsInteropWeReadJsTests() => KmsTestProvider.Register();

    private static UnprotectRequest To(string destination, IReadOnlyDictionary<string, string>? expect = null) =>
        new() { Keyrings = [], Destination = destination, RequiredEncryptionContext = expect };

    /// <summary>The SDK encrypts <paramref name="size"/> random bytes to js.enc; the plaintext.</summary>
    private static byte[] JsEncrypt(TempDir dir, string suite, params System.Text.Json.Nodes.JsonObject[] keyrings) => JsEncrypt(dir, suite, 70_000, keyrings);

    private static byte[] JsEncrypt(TempDir dir, string suite, int size, params System.Text.Json.Nodes.JsonObject[] keyrings)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var run = KmsJs.Encrypt(dir, dir.Write("plain.bin", bytes), dir.File("js.enc"), suite, Context, keyrings);
        Assert.True(run.Exit == 0, "the SDK failed to encrypt: " + run.Describe());
        return bytes;
    }

    [Theory]
    [InlineData("default")]
    [InlineData("0478")]
    public void The_sdks_message_decrypts_with_Unprotect_naming_either_kms_key_and_without_a_store(string suite)
    {
        using var dir = new TempDir();
        using var ts = new TestStore();
        var (a, b) = (Kms.CreateKey(), Kms.CreateKey());
        var plaintext = JsEncrypt(dir, suite, KmsJs.Keyring(a, b));

        foreach (var (key, withStore) in new[] { (a, true), (b, true), (b, false) })
        {
            using var ops = new FileOperations(withStore ? ts.Store : null);
            var output = dir.File($"out-{(key == a ? "a" : "b")}-{withStore}");
            var outcome = ops.Unprotect([dir.File("js.enc")], [key], To(output, Context)).Single();
            Assert.True(outcome.Succeeded, outcome.Error?.Message);
            Assert.Equal(plaintext, File.ReadAllBytes(output));
            Assert.Equal(["kms:Decrypt " + key], ops.ExternalKeyUses.Select(u => u.Operation + " " + u.KeyIdentifier));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_sdks_message_decrypts_through_the_data_path(bool mrkAware)
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        var plaintext = JsEncrypt(dir, "default", 5000, mrkAware ? KmsJs.MrkKeyring(a) : KmsJs.Keyring(a));
        using var ops = new FileOperations(null);
        using var plain = new DataOperations(ops).Decrypt(File.ReadAllBytes(dir.File("js.enc")), [a], Context);
        Assert.Equal(plaintext, plain.ToArray());
    }

    [Fact]
    public void Discovery_opens_the_sdks_message_only_for_the_filtered_account_and_partition()
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        var plaintext = JsEncrypt(dir, "default", KmsJs.Keyring(a));

        using (var ops = new FileOperations(null) { ExternalKeys = new ExternalKeyOptions { Discovery = new DiscoveryFilter("aws", [KmsJs.Account]) } })
        {
            var outcome = ops.Unprotect([dir.File("js.enc")], null, To(dir.File("found"), Context)).Single();
            Assert.True(outcome.Succeeded, outcome.Error?.Message);
            Assert.Equal(plaintext, File.ReadAllBytes(dir.File("found")));
            Assert.Equal(["kms:Decrypt " + a], ops.ExternalKeyUses.Select(u => u.Operation + " " + u.KeyIdentifier));
        }

        foreach (var (name, filter) in new[] { ("account", new DiscoveryFilter("aws", ["111122223333"])), ("partition", new DiscoveryFilter("aws-cn", [KmsJs.Account])) })
        {
            using var ops = new FileOperations(null) { ExternalKeys = new ExternalKeyOptions { Discovery = filter } };
            var outcome = ops.Unprotect([dir.File("js.enc")], null, To(dir.File(name))).Single();
            Assert.False(outcome.Succeeded, $"other {name} decrypted");
            Assert.Empty(ops.ExternalKeyUses);
            Assert.False(File.Exists(dir.File(name)));
        }
    }

    [Fact]
    public void Strict_decryption_refuses_the_sdks_message_for_an_unlisted_key_without_calling_kms()
    {
        using var dir = new TempDir();
        var (a, other) = (Kms.CreateKey(), Kms.CreateKey());
        JsEncrypt(dir, "0478", KmsJs.Keyring(a));
        using var ops = new FileOperations(null);
        var outcome = ops.Unprotect([dir.File("js.enc")], [other], To(dir.File("out"))).Single();
        Assert.False(outcome.Succeeded);
        Assert.Contains(a, outcome.Error!.Message, StringComparison.Ordinal); // the error lists the EDK it could not use
        Assert.Empty(ops.ExternalKeyUses);
        Assert.False(File.Exists(dir.File("out")));
    }

    [Fact]
    public void A_required_context_the_sdks_message_lacks_fails_and_releases_nothing()
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        JsEncrypt(dir, "default", KmsJs.Keyring(a));
        using var ops = new FileOperations(null);
        var outcome = ops.Unprotect([dir.File("js.enc")], [a], To(dir.File("out"), new Dictionary<string, string> { ["purpose"] = "other" })).Single();
        Assert.False(outcome.Succeeded);
        Assert.False(File.Exists(dir.File("out")));
    }

    [Theory]
    [InlineData("edk")]
    [InlineData("context")]
    [InlineData("body")]
    [InlineData("signature")]
    public void We_reject_the_sdks_damaged_kms_message_and_leave_no_output(string damage)
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        JsEncrypt(dir, "default", 50_000, KmsJs.Keyring(a));
        var bad = KmsJs.Flip(dir, dir.File("js.enc"), KmsJs.DamageOffset(dir.File("js.enc"), damage), "bad.enc");
        var before = FilesSupport.Listing(dir.Path);

        using var ops = new FileOperations(null);
        var outcome = ops.Unprotect([bad], [a], To(dir.File("bad.out"))).Single();
        Assert.False(outcome.Succeeded, "a damaged message decrypted");
        Assert.NotEqual(typeof(EncryptionToolsException), outcome.Error!.GetType()); // a typed error, not the bare base
        Assert.Equal(before, FilesSupport.Listing(dir.Path));
        if (damage is "edk" or "context") Assert.Contains(ops.ExternalKeyUses, u => u.Operation == "kms:Decrypt" && !u.Succeeded);
    }
}
