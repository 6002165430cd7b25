using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;
using static EncryptionTools.Tests.Kms.KmsFileTestKit;

namespace EncryptionTools.Tests.Kms;

/// <summary>Update-EncFileKey's engine path across local and KMS keys: header only, the body byte for byte unchanged.</summary>
[Collection(KmsProviderCollection.Name)]
public class KmsFileRewrapTests
{
    private static readonly KmsEndpoint Kms = KmsTestProvider.Register();

    [Fact]
    public void A_file_moves_from_a_local_key_to_a_KMS_key_and_back_header_only()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/l" });
        var kmsKey = Kms.CreateKey();
        var data = RandomNumberGenerator.GetBytes(150_000);
        var plain = ts.Dir.Write("p.bin", data);
        var enc = plain + ".enc";
        using (var ops = Session(ts.Store))
            Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/l"] }, Protect()).Single().Succeeded);
        var body = Body(enc);

        using (var ops = Session(ts.Store))
        {
            var toKms = ops.RewrapOne(enc, new RewrapSettings { ReplaceWithKeyIds = [kmsKey] });
            Assert.True(toKms.Succeeded, toKms.Error?.Message);
            Assert.Equal(kmsKey, KeyArnOf(Assert.Single(Edks(enc), e => e.ProviderId == AwsKmsArn.ProviderId)));
            Assert.Single(Edks(enc));
            Assert.Equal(body, Body(enc));
            Assert.Equal([kmsKey], toKms.Result!.KeyLabelsAfter);
            Assert.Equal(["kms:Encrypt"], ops.ExternalKeyUses.Select(u => u.Operation));
        }

        // Only KMS opens it now, with no store.
        using (var kmsOnly = Session(StoreAt(Path.Combine(ts.Dir.Path, "none"))))
        {
            var back = kmsOnly.Unprotect([enc], [kmsKey], Unprotect(ts.Dir.File("kms.out"))).Single();
            Assert.True(back.Succeeded, back.Error?.Message);
            Assert.Equal(data, File.ReadAllBytes(ts.Dir.File("kms.out")));
        }

        // Back to the local key: unwrapping calls KMS only for an allowed key, so without one nothing changes.
        var before = File.ReadAllBytes(enc);
        using (var strict = Session(ts.Store))
        {
            var refused = strict.RewrapOne(enc, new RewrapSettings { ReplaceWithKeyIds = ["alias/l"] });
            Assert.Equal(ErrorCatalog.KmsKeyNotAllowed.Id, refused.Error!.ErrorId);
            Assert.Equal(before, File.ReadAllBytes(enc));
        }
        using (var allowed = Session(ts.Store, new ExternalKeyOptions { AllowedKeys = [kmsKey] }))
        {
            var toLocal = allowed.RewrapOne(enc, new RewrapSettings { ReplaceWithKeyIds = ["alias/l"] });
            Assert.True(toLocal.Succeeded, toLocal.Error?.Message);
            Assert.Equal("enctools", Assert.Single(Edks(enc)).ProviderId);
            Assert.Equal(body, Body(enc));
            Assert.Equal(["kms:Decrypt"], allowed.ExternalKeyUses.Select(u => u.Operation));
            var local = allowed.Unprotect([enc], ["alias/l"], Unprotect(ts.Dir.File("local.out"))).Single();
            Assert.True(local.Succeeded, local.Error?.Message);
            Assert.Equal(data, File.ReadAllBytes(ts.Dir.File("local.out")));
        }
    }

    [Fact]
    public void Adding_then_removing_a_KMS_EDK_leaves_the_local_key_and_the_RSA_recipient_working()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/l" });
        var kmsKey = Kms.CreateKey();
        var alias = Kms.CreateAlias(kmsKey, "alias/route-rewrap-" + Guid.NewGuid().ToString("N")[..8]);
        var (pem, holder) = RsaRecipientPair();
        using var _ = holder;
        var plain = ts.Dir.Write("p.txt", "three keys"u8.ToArray());
        var enc = plain + ".enc";
        using var ops = Session(ts.Store);
        Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/l"], RecipientPems = [pem] }, Protect()).Single().Succeeded);
        var body = Body(enc);

        // Added by its alias ARN: the EDK names the key ARN.
        var added = ops.RewrapOne(enc, new RewrapSettings { AddKeyIds = [alias] });
        Assert.True(added.Succeeded, added.Error?.Message);
        Assert.Equal(3, Edks(enc).Count);
        Assert.Equal(kmsKey, KeyArnOf(Edks(enc).Single(e => e.ProviderId == AwsKmsArn.ProviderId)));
        Assert.Equal(body, Body(enc));
        using (var kmsOnly = Session(null))
            Assert.True(kmsOnly.Unprotect([enc], [kmsKey], Unprotect(ts.Dir.File("kms.out"))).Single().Succeeded);

        // Removed by its alias ARN (resolved with DescribeKey to the key ARN the EDK names).
        var removed = ops.RewrapOne(enc, new RewrapSettings { RemoveKeyIds = [alias] });
        Assert.True(removed.Succeeded, removed.Error?.Message);
        Assert.DoesNotContain(Edks(enc), e => e.ProviderId == AwsKmsArn.ProviderId);
        Assert.Equal(2, Edks(enc).Count);
        Assert.Equal(body, Body(enc));

        var local = ops.Unprotect([enc], ["alias/l"], Unprotect(ts.Dir.File("local.out"))).Single();
        Assert.True(local.Succeeded, local.Error?.Message);
        using (var rsaOnly = Session(null))
        {
            var rsa = rsaOnly.Unprotect([enc], null, Unprotect(ts.Dir.File("rsa.out"), [holder])).Single();
            Assert.True(rsa.Succeeded, rsa.Error?.Message);
            Assert.Equal("three keys", File.ReadAllText(ts.Dir.File("rsa.out")));
        }
        using (var kmsOnly = Session(null))
        {
            // Restricted to a KMS key the file no longer has: the other EDKs were left out, none has a precise id.
            var gone = kmsOnly.Unprotect([enc], [kmsKey], Unprotect(ts.Dir.File("gone.out"))).Single().Error!;
            Assert.Equal(ErrorCatalog.NoDecryptableKey.Id, gone.ErrorId);
            Assert.DoesNotContain(kmsKey, gone.Message, StringComparison.Ordinal);
            Assert.Contains("only AWS KMS keys were named", gone.Message, StringComparison.Ordinal);
        }

        // And by its key ARN, after adding it again.
        Assert.True(ops.RewrapOne(enc, new RewrapSettings { AddKeyIds = [kmsKey] }).Succeeded);
        Assert.Equal(3, Edks(enc).Count);
        var byArn = ops.RewrapOne(enc, new RewrapSettings { RemoveKeyIds = [kmsKey] });
        Assert.True(byArn.Succeeded, byArn.Error?.Message);
        Assert.DoesNotContain(Edks(enc), e => e.ProviderId == AwsKmsArn.ProviderId);
    }

    [Fact]
    public void A_signed_file_rewrapped_keeps_its_KMS_key_wrapped_under_the_new_context()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/l" });
        var kmsKey = Kms.CreateKey();
        var (pem, holder) = RsaRecipientPair();
        using var _ = holder;
        var plain = ts.Dir.Write("p.txt", "signed"u8.ToArray());
        var enc = plain + ".enc";
        using var ops = Session(ts.Store);
        Assert.True(ops.Protect([plain], new FileKeys { KeyIds = [kmsKey, "alias/l"] }, Protect(signed: true)).Single().Succeeded);

        var rewrapped = ops.RewrapOne(enc, new RewrapSettings { AddRecipientPems = [pem] });
        Assert.True(rewrapped.Succeeded, rewrapped.Error?.Message);
        Assert.Equal(3, Edks(enc).Count);
        Assert.Contains("kms:Encrypt", ops.ExternalKeyUses.Select(u => u.Operation));

        // The re-wrapped KMS EDK opens under the re-signed header's context.
        using var kmsOnly = Session(null);
        var viaKms = kmsOnly.Unprotect([enc], [kmsKey], Unprotect(ts.Dir.File("kms.out"))).Single();
        Assert.True(viaKms.Succeeded, viaKms.Error?.Message);
        Assert.Equal("signed", File.ReadAllText(ts.Dir.File("kms.out")));
        using var rsaOnly = Session(null);
        Assert.True(rsaOnly.Unprotect([enc], null, Unprotect(ts.Dir.File("rsa.out"), [holder])).Single().Succeeded);
    }

    [Fact]
    public void Rotating_a_local_key_rewraps_its_EDK_and_keeps_the_files_KMS_EDK_working()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/l" });
        var kmsKey = Kms.CreateKey();
        var plain = ts.Dir.Write("p.txt", "rotated beside KMS"u8.ToArray());
        var enc = plain + ".enc";
        using (var ops = Session(ts.Store))
            Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/l", kmsKey] }, Protect()).Single().Succeeded);
        var kmsEdk = Edks(enc).Single(e => e.ProviderId == AwsKmsArn.ProviderId);
        var body = Body(enc);

        using (var ops = Session(ts.Store))
        {
            var rotation = ops.RotateAndRewrap("alias/l", [enc]);
            var outcome = Assert.Single(rotation.Rewrap());
            Assert.True(outcome.Succeeded, outcome.Error?.Message);
            Assert.Null(outcome.Skipped);
        }
        // The local EDK moved to the new version; the KMS EDK is the same bytes and still opens the file alone.
        var after = Edks(enc);
        Assert.Equal(2, after.Count);
        Assert.Equal(kmsEdk.Ciphertext, after.Single(e => e.ProviderId == AwsKmsArn.ProviderId).Ciphertext);
        Assert.Equal(body, Body(enc));
        using (var kmsOnly = Session(null))
        {
            var viaKms = kmsOnly.Unprotect([enc], [kmsKey], Unprotect(ts.Dir.File("kms.out"))).Single();
            Assert.True(viaKms.Succeeded, viaKms.Error?.Message);
        }
        using (var local = Session(ts.Store))
        {
            var viaLocal = local.Unprotect([enc], ["alias/l"], Unprotect(ts.Dir.File("local.out"))).Single();
            Assert.True(viaLocal.Succeeded, viaLocal.Error?.Message);
            Assert.Equal("rotated beside KMS", File.ReadAllText(ts.Dir.File("local.out")));
        }
    }

    [Fact]
    public void A_KMS_key_cannot_be_rotated_by_the_store()
    {
        using var ts = new TestStore();
        using var ops = Session(ts.Store);
        var kmsKey = Kms.CreateKey();
        var ex = Assert.ThrowsAny<EncryptionToolsException>(() => ops.RotateAndRewrap(kmsKey, []));
        Assert.Equal(ErrorCatalog.InvalidArgument.Id, ex.ErrorId);
        Assert.False(Directory.Exists(ts.Location));
    }
}
