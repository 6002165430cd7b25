using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;
using static EncryptionTools.Tests.Kms.KmsFileTestKit;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// AWS KMS keys through the engine's one key path, on real files, a real store in a temporary directory and the real
/// AWS KMS provider against the local KMS endpoint.
/// </summary>
[Collection(KmsProviderCollection.Name)]
public class KmsFileTests
{
    private static readonly KmsEndpoint Kms = KmsTestProvider.Register();

    [Fact]
    public void A_file_for_a_local_key_a_KMS_key_and_an_RSA_recipient_opens_with_each_key_alone()
    {
        using var ts = new TestStore(passwordIterations: 1000);
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/local" });
        var kmsKey = Kms.CreateKey();
        var (pem, holder) = RsaRecipientPair();
        using var _ = holder;
        var data = RandomNumberGenerator.GetBytes(70_000);
        var plain = ts.Dir.Write("p.bin", data);
        var enc = plain + ".enc";

        using (var ops = Session(ts.Store))
        {
            var outcome = ops.Protect([plain], new FileKeys { KeyIds = ["alias/local", kmsKey], RecipientPems = [pem] }, Protect()).Single();
            Assert.True(outcome.Succeeded, outcome.Error?.Message);
            // The keyrings in the order named: the local key made the data key, KMS wrapped it (Encrypt), then the recipient.
            Assert.Equal(["enctools", AwsKmsArn.ProviderId, "enctools"], Edks(enc).Select(e => e.ProviderId));
            Assert.Equal(kmsKey, KeyArnOf(Edks(enc)[1]));
            Assert.Equal(["kms:Encrypt"], ops.ExternalKeyUses.Select(u => u.Operation));

            // The local key alone: KMS is never called.
            var local = ops.Unprotect([enc], ["alias/local"], Unprotect(ts.Dir.File("local.out"))).Single();
            Assert.True(local.Succeeded, local.Error?.Message);
            Assert.Equal(data, File.ReadAllBytes(ts.Dir.File("local.out")));
            Assert.Equal(["kms:Encrypt"], ops.ExternalKeyUses.Select(u => u.Operation));
        }

        // The KMS key alone, with no store at all (and none created) ...
        var nowhere = Path.Combine(ts.Dir.Path, "no-store");
        using (var ops = Session(StoreAt(nowhere)))
        {
            var viaKms = ops.Unprotect([enc], [kmsKey], Unprotect(ts.Dir.File("kms.out"))).Single();
            Assert.True(viaKms.Succeeded, viaKms.Error?.Message);
            Assert.Equal(data, File.ReadAllBytes(ts.Dir.File("kms.out")));
            Assert.Equal("kms:Decrypt", ops.ExternalKeyUses.Single().Operation);
        }
        Assert.False(Directory.Exists(nowhere));

        // ... and with the store locked by its password.
        ts.Store.SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = "correct horse".ToCharArray() });
        ts.Store.Lock();
        using (var ops = Session(ts.Open()))
        {
            var locked = ops.Unprotect([enc], [kmsKey], Unprotect(ts.Dir.File("locked.out"))).Single();
            Assert.True(locked.Succeeded, locked.Error?.Message);
            Assert.Equal(data, File.ReadAllBytes(ts.Dir.File("locked.out")));
        }

        // The RSA recipient alone: its private key, no store, no KMS key allowed.
        using (var ops = Session(null))
        {
            var rsa = ops.Unprotect([enc], null, Unprotect(ts.Dir.File("rsa.out"), [holder])).Single();
            Assert.True(rsa.Succeeded, rsa.Error?.Message);
            Assert.Equal(data, File.ReadAllBytes(ts.Dir.File("rsa.out")));
            Assert.Empty(ops.ExternalKeyUses);
        }
    }

    [Fact]
    public void A_KMS_key_named_first_makes_the_data_key_with_GenerateDataKey()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/second" });
        var kmsKey = Kms.CreateKey();
        var plain = ts.Dir.Write("p.txt", "first key is KMS"u8.ToArray());
        using var ops = Session(ts.Store);
        var outcome = ops.Protect([plain], new FileKeys { KeyIds = [kmsKey, "alias/second"] }, Protect()).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal([AwsKmsArn.ProviderId, "enctools"], Edks(plain + ".enc").Select(e => e.ProviderId));
        var use = Assert.Single(ops.ExternalKeyUses);
        Assert.Equal(("kms:GenerateDataKey", kmsKey, true), (use.Operation, use.KeyIdentifier, use.Succeeded));
        Assert.False(string.IsNullOrEmpty(use.RequestId));

        var back = ops.Unprotect([plain + ".enc"], ["alias/second"], Unprotect(ts.Dir.File("o"))).Single();
        Assert.True(back.Succeeded, back.Error?.Message);
        Assert.Equal("first key is KMS", File.ReadAllText(ts.Dir.File("o")));
    }

    [Fact]
    public void KMS_only_protect_and_unprotect_never_create_a_store()
    {
        var kmsKey = Kms.CreateKey();
        var alias = Kms.CreateAlias(kmsKey, "alias/route-only-" + Guid.NewGuid().ToString("N")[..8]);
        using var dir = new TempDir();
        var named = Path.Combine(dir.Path, "named-store");
        var plain = dir.Write("p.txt", "kms only"u8.ToArray());
        using (var ops = Session(StoreAt(named)))
        {
            var outcome = ops.Protect([plain], new FileKeys { KeyIds = [alias] }, Protect()).Single();
            Assert.True(outcome.Succeeded, outcome.Error?.Message);
            // The alias was resolved by KMS: the EDK names the key ARN, as the AWS KMS keyring writes it.
            Assert.Equal(kmsKey, KeyArnOf(Assert.Single(Edks(plain + ".enc"))));
            Assert.Equal("kms:GenerateDataKey", Assert.Single(ops.ExternalKeyUses).Operation);
        }
        // Restricted to the KMS key by its alias ARN (a named store that does not exist is not needed) ...
        using (var ops = Session(StoreAt(named)))
        {
            var back = ops.Unprotect([plain + ".enc"], [alias], Unprotect(dir.File("o1"))).Single();
            Assert.True(back.Succeeded, back.Error?.Message);
        }
        // ... or with no -KeyId, allowed by the configured list, with the per-user default store absent.
        using (var ts = new TestStore(locationSource: StoreLocation.FromDefault))
        using (var ops = Session(ts.Store, new ExternalKeyOptions { AllowedKeys = [kmsKey] }))
        {
            var back = ops.Unprotect([plain + ".enc"], null, Unprotect(dir.File("o2"))).Single();
            Assert.True(back.Succeeded, back.Error?.Message);
            Assert.Equal("kms only", File.ReadAllText(dir.File("o2")));
            Assert.False(Directory.Exists(ts.Location));
        }
        Assert.False(Directory.Exists(named));
    }

    [Fact]
    public void Decryption_is_strict_by_default_and_lists_the_EDK_without_calling_KMS()
    {
        var kmsKey = Kms.CreateKey();
        using var dir = new TempDir();
        var plain = dir.Write("p.txt", "strict"u8.ToArray());
        using (var ops = Session(null))
            Assert.True(ops.Protect([plain], new FileKeys { KeyIds = [kmsKey] }, Protect()).Single().Succeeded);
        File.Delete(plain);

        using var strict = Session(null);
        var outcome = strict.Unprotect([plain + ".enc"], null, Unprotect(dir.File("out"))).Single();
        Assert.False(outcome.Succeeded);
        Assert.Equal(ErrorCatalog.KmsKeyNotAllowed.Id, outcome.Error!.ErrorId);
        Assert.Contains(kmsKey, outcome.Error.Message, StringComparison.Ordinal);
        Assert.Contains(ExternalKeyOptions.AllowedKeysVariable, outcome.Error.Message, StringComparison.Ordinal);
        Assert.Empty(strict.ExternalKeyUses);
        Assert.Equal(["p.txt.enc"], Directory.EnumerateFiles(dir.Path).Select(Path.GetFileName));

        // A KMS key named with -KeyId that is not the file's: still not allowed (KMS not called).
        var other = Kms.CreateKey();
        var wrong = strict.Unprotect([plain + ".enc"], [other], Unprotect(dir.File("out"))).Single();
        Assert.Equal(ErrorCatalog.KmsKeyNotAllowed.Id, wrong.Error!.ErrorId);
        Assert.Empty(strict.ExternalKeyUses);
        Assert.False(File.Exists(dir.File("out")));
    }

    [Fact]
    public void The_allowed_list_and_discovery_with_an_account_filter_open_KMS_files()
    {
        var kmsKey = Kms.CreateKey();
        var alias = Kms.CreateAlias(kmsKey, "alias/route-allowed-" + Guid.NewGuid().ToString("N")[..8]);
        using var dir = new TempDir();
        var plain = dir.Write("p.txt", "allowed"u8.ToArray());
        using (var ops = Session(null))
            Assert.True(ops.Protect([plain], new FileKeys { KeyIds = [kmsKey] }, Protect()).Single().Succeeded);
        var enc = plain + ".enc";

        foreach (var (name, options) in new (string, ExternalKeyOptions)[]
                 {
                     ("key", new ExternalKeyOptions { AllowedKeys = [kmsKey] }),
                     ("alias", new ExternalKeyOptions { AllowedKeys = [alias] }),
                     ("discovery", new ExternalKeyOptions { Discovery = new DiscoveryFilter("aws", ["123456789012"]) }),
                 })
        {
            using var ops = Session(null, options);
            var back = ops.Unprotect([enc], null, Unprotect(dir.File(name))).Single();
            Assert.True(back.Succeeded, name + ": " + back.Error?.Message);
            Assert.Equal("allowed", File.ReadAllText(dir.File(name)));
        }

        using var otherAccount = Session(null, new ExternalKeyOptions { Discovery = new DiscoveryFilter("aws", ["111122223333"]) });
        var refused = otherAccount.Unprotect([enc], null, Unprotect(dir.File("refused"))).Single();
        Assert.Equal(ErrorCatalog.KmsKeyNotAllowed.Id, refused.Error!.ErrorId);
        Assert.Empty(otherAccount.ExternalKeyUses);
        Assert.False(File.Exists(dir.File("refused")));
    }

    [Fact]
    public void Describe_and_key_labels_show_a_KMS_EDK_as_its_key_ARN()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/l" });
        var kmsKey = Kms.CreateKey();
        var plain = ts.Dir.Write("p.txt", "label"u8.ToArray());
        using var ops = Session(ts.Store);
        var outcome = ops.Protect([plain], new FileKeys { KeyIds = ["alias/l", kmsKey] }, Protect()).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);

        var info = ops.Describe(plain + ".enc");
        var kms = info.EncryptedDataKeys.Single(k => k.ProviderId == AwsKmsArn.ProviderId);
        Assert.Equal((EdkResolution.External, kmsKey, kmsKey), (kms.Resolution, kms.KeyId, kms.Label));
        Assert.Equal(EdkResolution.InStore, info.EncryptedDataKeys.Single(k => k.ProviderId != AwsKmsArn.ProviderId).Resolution);
        Assert.Equal(["alias/l v1", kmsKey], ops.KeyLabels(outcome.Result!.Keys));

        // Without a store (the per-user default absent, or none at all) the header still names the KMS key.
        using var absent = new TestStore(locationSource: StoreLocation.FromDefault);
        foreach (var store in new IKeyStoreProvider?[] { absent.Store, null })
        {
            using var bare = Session(store);
            Assert.Equal(kmsKey, Assert.Single(bare.Describe(plain + ".enc").EncryptedDataKeys, k => k.Resolution == EdkResolution.External).KeyId);
        }
        Assert.False(Directory.Exists(absent.Location));
    }

    [Fact]
    public void A_store_key_named_by_its_store_ARN_stays_local_with_AWS_KMS_registered()
    {
        using var ts = new TestStore();
        var key = ts.Store.NewKey(new NewKeyRequest { Alias = "alias/by-arn" });
        Assert.False(AwsKmsArn.TryParse(key.Arn, out _));
        Assert.False(FileOperations.IsExternalKey(key.Arn));
        var plain = ts.Dir.Write("p.txt", "local arn"u8.ToArray());
        using var ops = Session(ts.Store);
        var outcome = ops.Protect([plain], new FileKeys { KeyIds = [key.Arn] }, Protect()).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal("enctools", Assert.Single(Edks(plain + ".enc")).ProviderId);
        Assert.True(ops.Unprotect([plain + ".enc"], [key.Arn], Unprotect(ts.Dir.File("o"))).Single().Succeeded);
        Assert.Empty(ops.ExternalKeyUses);
    }

    [Fact]
    public void In_place_encryption_to_a_KMS_key_verifies_with_KMS_and_needs_no_store()
    {
        var kmsKey = Kms.CreateKey();
        using var dir = new TempDir();
        var nowhere = Path.Combine(dir.Path, "store");
        var plain = dir.Write("p.txt", "in place"u8.ToArray());
        using var ops = Session(StoreAt(nowhere));
        var outcome = ops.Protect([plain], new FileKeys { KeyIds = [kmsKey] }, Protect(inPlace: true)).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(kmsKey, KeyArnOf(Assert.Single(Edks(plain)))); // replaced under its own name
        Assert.Equal(["kms:GenerateDataKey", "kms:Decrypt"], ops.ExternalKeyUses.Select(u => u.Operation));
        Assert.False(Directory.Exists(nowhere));
    }
}
