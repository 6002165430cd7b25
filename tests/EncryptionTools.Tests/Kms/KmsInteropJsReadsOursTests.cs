using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Engine;
using EncryptionTools.Tests.Files;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// Messages our engine wrote with AWS KMS keys (beside a local store key and an RSA recipient), read by the official JS
/// SDK's AWS KMS keyrings: strict KmsKeyringNode, discovery, the MRK-aware keyrings; and damaged ones it must refuse.
/// </summary>
[Trait("Category", "Interop")]
[Collection(KmsProviderCollection.Name)]
public class KmsInteropJsReadsOursTests
{
    private static KmsEndpoint Kms => KmsEndpoint.Instance;

    private static IReadOnlyDictionary<string, string> Context => KmsJs.Context;

    public KmsInteropJsReadsOursTests() => KmsTestProvider.Register();

    private static ProtectRequest Request(string destination, bool signed) => new()
    {
        Keyrings = [], Destination = destination, EncryptionContext = Context, FrameLength = 4096, Signed = signed,
    };

    /// <summary>An RSA recipient given as a public key PEM, and the JS raw RSA keyring of its private key (the EDK names it as we do).</summary>
    private static (string PublicPem, JsonObject JsPrivate) Recipient()
    {
        using var rsa = TestKeys.Import(TestKeys.RsaKey(1), true);
        var name = RsaRecipient.KeyNameFor(rsa.ExportSubjectPublicKeyInfo());
        return (rsa.ExportSubjectPublicKeyInfoPem(), new JsonObject
        {
            ["type"] = "rsa", ["namespace"] = RsaRecipient.Namespace, ["name"] = name, ["privateKeyPem"] = rsa.ExportPkcs8PrivateKeyPem(),
        });
    }

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
    [InlineData(true, 0x0578)]
    [InlineData(false, 0x0478)]
    public void Our_message_with_kms_local_and_rsa_keys_decrypts_in_the_sdk_with_each_kms_keyring_kind(bool signed, int suiteId)
    {
        using var dir = new TempDir();
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/local" });
        var (a, b) = (Kms.CreateKey(), Kms.CreateKey());
        var (publicPem, jsRsa) = Recipient();
        var plaintext = RandomNumberGenerator.GetBytes(100_000);
        var plain = dir.Write("plain.bin", plaintext);

        using var ops = new FileOperations(ts.Store);
        var outcome = ops.Protect([plain], new FileKeys { KeyIds = [a, "alias/local", b], RecipientPems = [publicPem] }, Request(dir.File("ours.enc"), signed)).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(suiteId, FileCrypto.ReadHeader(dir.File("ours.enc")).Suite.Id);
        // The first key named is KMS's: it makes the data key; the second KMS key wraps it.
        Assert.Equal(["kms:GenerateDataKey " + a, "kms:Encrypt " + b], ops.ExternalKeyUses.Select(u => u.Operation + " " + u.KeyIdentifier));
        KmsJs.AssertKmsEdks(dir.File("ours.enc"), a, b);

        AssertJsDecrypts(dir, dir.File("ours.enc"), plaintext, KmsJs.Keyring(null, a), a);
        AssertJsDecrypts(dir, dir.File("ours.enc"), plaintext, KmsJs.Keyring(null, b), b);
        AssertJsDecrypts(dir, dir.File("ours.enc"), plaintext, KmsJs.Discovery("aws", KmsJs.Account), a);
        AssertJsDecrypts(dir, dir.File("ours.enc"), plaintext, KmsJs.MrkKeyring(null, b), b);
        AssertJsDecrypts(dir, dir.File("ours.enc"), plaintext, KmsJs.MrkDiscovery(KmsJs.Account), a);
        AssertJsDecrypts(dir, dir.File("ours.enc"), plaintext, jsRsa);

        // The local key alone still opens it on our side.
        var back = ops.Unprotect([dir.File("ours.enc")], ["alias/local"], new UnprotectRequest { Keyrings = [], Destination = dir.File("local.out") }).Single();
        Assert.True(back.Succeeded, back.Error?.Message);
        Assert.Equal(plaintext, File.ReadAllBytes(dir.File("local.out")));
    }

    [Fact]
    public void A_file_protected_with_a_kms_alias_ARN_and_a_local_alias_decrypts_in_the_sdk_with_the_kms_keyring_alone()
    {
        using var dir = new TempDir();
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/local" });
        var key = Kms.CreateKey();
        var aliasArn = Kms.CreateAlias(key, "alias/interop-" + Guid.NewGuid().ToString("N")[..8]);
        var plaintext = RandomNumberGenerator.GetBytes(10_000);
        var plain = dir.Write("report.csv", plaintext);

        // Protect-File -KeyId <alias ARN>,alias/local
        using var ops = new FileOperations(ts.Store);
        var outcome = ops.Protect([plain], new FileKeys { KeyIds = [aliasArn, "alias/local"] }, Request(dir.File("report.csv.enc"), signed: false)).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        KmsJs.AssertKmsEdks(dir.File("report.csv.enc"), key); // the key ARN, never the alias

        AssertJsDecrypts(dir, dir.File("report.csv.enc"), plaintext, KmsJs.Keyring(null, key), key);
        var byAlias = KmsJs.Decrypt(dir, dir.File("report.csv.enc"), dir.File("alias.out"), null, KmsJs.Keyring(null, aliasArn));
        Assert.Equal(1, byAlias.Exit); // the SDK matches EDKs by key ARN only
        Assert.False(File.Exists(dir.File("alias.out")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Our_data_path_message_decrypts_in_the_sdk(bool signed)
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        var plaintext = RandomNumberGenerator.GetBytes(3000);
        using var ops = new FileOperations(null);
        var message = new DataOperations(ops) { Signed = signed }.Encrypt(new MemoryStream(plaintext), new FileKeys { KeyIds = [a] }, Context);
        var file = dir.Write("data.enc", message);
        KmsJs.AssertKmsEdks(file, a);
        AssertJsDecrypts(dir, file, plaintext, KmsJs.Keyring(null, a), a);
    }

    [Theory]
    [InlineData("edk")]
    [InlineData("context")]
    [InlineData("body")]
    [InlineData("signature")]
    public void The_sdk_rejects_our_damaged_kms_message_and_releases_nothing(string damage)
    {
        using var dir = new TempDir();
        var a = Kms.CreateKey();
        using var ops = new FileOperations(null);
        var outcome = ops.Protect([dir.Write("plain.bin", RandomNumberGenerator.GetBytes(50_000))], new FileKeys { KeyIds = [a] },
            Request(dir.File("ours.enc"), signed: true)).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        var bad = KmsJs.Flip(dir, dir.File("ours.enc"), KmsJs.DamageOffset(dir.File("ours.enc"), damage), "bad.enc");

        var run = KmsJs.Decrypt(dir, bad, dir.File("bad.out"), null, KmsJs.Keyring(null, a));
        Assert.True(run.Exit == 1, run.Describe());
        Assert.False(File.Exists(dir.File("bad.out")), "the SDK left output");
        if (damage is "edk" or "context") Assert.Equal("InvalidCiphertextException", Assert.Single(run.KmsCalls).Error);
    }
}
