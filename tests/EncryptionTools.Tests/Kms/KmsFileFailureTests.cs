using Amazon.KeyManagementService.Model;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;
using static EncryptionTools.Tests.Kms.KmsFileTestKit;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// A file no key can open fails with the precise id of its KMS failure (or NoDecryptableKey when the reasons differ),
/// lists each EDK, and leaves no output.
/// </summary>
[Collection(KmsProviderCollection.Name)]
public class KmsFileFailureTests
{
    private static readonly KmsEndpoint Kms = KmsTestProvider.Register();

    /// <summary>A KMS-only file in its own directory; the plaintext removed, so only the .enc is there.</summary>
    private static string KmsFile(TempDir dir, string kmsKey, string name = "p.txt")
    {
        var plain = dir.Write(name, "secret"u8.ToArray());
        using (var ops = Session(null))
        {
            var outcome = ops.Protect([plain], new FileKeys { KeyIds = [kmsKey] }, Protect()).Single();
            Assert.True(outcome.Succeeded, outcome.Error?.Message);
        }
        File.Delete(plain);
        return plain + ".enc";
    }

    /// <summary>Decrypts with the key allowed by -KeyId: the error, after checking nothing was left but the source.</summary>
    private static EncryptionToolsException Fails(TempDir dir, string enc, string kmsKey)
    {
        using var ops = Session(null);
        var outcome = ops.Unprotect([enc], [kmsKey], Unprotect(dir.File("out.txt"))).Single();
        Assert.False(outcome.Succeeded);
        Assert.Equal([Path.GetFileName(enc)], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Assert.Contains(kmsKey, outcome.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(enc, outcome.Error.Target);
        return outcome.Error;
    }

    [Fact]
    public void A_key_policy_that_denies_Decrypt_is_KmsAccessDenied()
    {
        var key = Kms.CreateKey(policy: KmsEndpoint.DenyPolicy("kms:Decrypt"));
        using var dir = new TempDir();
        var enc = KmsFile(dir, key);
        Assert.Equal(ErrorCatalog.KmsAccessDenied.Id, Fails(dir, enc, key).ErrorId);
    }

    [Fact]
    public void A_disabled_key_is_KmsKeyDisabled_and_a_key_pending_deletion_KmsKeyInvalidState()
    {
        var disabled = Kms.CreateKey();
        var pending = Kms.CreateKey();
        using var dir = new TempDir();
        var encDisabled = KmsFile(dir, disabled);
        Kms.Disable(disabled);
        Assert.Equal(ErrorCatalog.KmsKeyDisabled.Id, Fails(dir, encDisabled, disabled).ErrorId);
        File.Delete(encDisabled);

        var encPending = KmsFile(dir, pending);
        Kms.ScheduleDeletion(pending);
        Assert.Equal(ErrorCatalog.KmsKeyInvalidState.Id, Fails(dir, encPending, pending).ErrorId);
    }

    [Fact]
    public void An_altered_KMS_blob_is_KmsInvalidCiphertext()
    {
        var key = Kms.CreateKey();
        using var dir = new TempDir();
        var enc = KmsFile(dir, key);
        TamperKmsBlob(enc);
        Assert.Equal(ErrorCatalog.KmsInvalidCiphertext.Id, Fails(dir, enc, key).ErrorId);
    }

    [Fact]
    public async Task A_throttled_key_is_KmsThrottled()
    {
        var key = Kms.CreateKey();
        using var dir = new TempDir();
        var enc = KmsFile(dir, key);
        await Kms.Admin.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = KmsEndpoint.KeyId(key), Description = "throttle every call" });
        Assert.Equal(ErrorCatalog.KmsThrottled.Id, Fails(dir, enc, key).ErrorId);
    }

    [Fact]
    public void A_required_context_the_file_lacks_is_EncryptionContextMismatch_after_KMS_opened_it()
    {
        var key = Kms.CreateKey();
        using var dir = new TempDir();
        var enc = KmsFile(dir, key);
        using var ops = Session(null);
        var outcome = ops.Unprotect([enc], [key], Unprotect(dir.File("out.txt"), expect: new Dictionary<string, string> { ["dept"] = "hr" })).Single();
        Assert.Equal(ErrorCatalog.EncryptionContextMismatch.Id, outcome.Error!.ErrorId);
        Assert.False(File.Exists(dir.File("out.txt")));
    }

    [Fact]
    public void Different_reasons_keep_NoDecryptableKey_and_list_every_EDK()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/off" });
        var kmsKey = Kms.CreateKey();
        var plain = ts.Dir.Write("p.txt", "mixed"u8.ToArray());
        using (var ops = Session(ts.Store))
            Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/off", kmsKey] }, Protect()).Single().Succeeded);
        ts.Store.DisableKey("alias/off");

        // The local key is disabled (no precise id), the KMS key not allowed: the general id, both EDKs listed.
        using var session = Session(ts.Store);
        var outcome = session.Unprotect([plain + ".enc"], null, Unprotect(ts.Dir.File("o"))).Single();
        Assert.Equal(ErrorCatalog.NoDecryptableKey.Id, outcome.Error!.ErrorId);
        Assert.Contains("Disabled", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Contains(kmsKey, outcome.Error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ts.Dir.File("o")));

        // Restricted to the KMS key, whose policy is fine but which is now disabled: the local EDK is only left out, so the KMS id.
        Kms.Disable(kmsKey);
        var restricted = session.Unprotect([plain + ".enc"], [kmsKey], Unprotect(ts.Dir.File("o"))).Single();
        Assert.Equal(ErrorCatalog.KmsKeyDisabled.Id, restricted.Error!.ErrorId);
        Assert.False(File.Exists(ts.Dir.File("o")));
    }

    [Fact]
    public void The_precise_id_needs_every_failure_with_an_id_to_agree()
    {
        EdkFailure Kms(string id) => new("aws-kms", "arn:aws:kms:us-east-1:123456789012:key/x", EdkFailureKind.KeyUnusable, "r") { ErrorId = id };
        var local = new EdkFailure("enctools", "k/v1", EdkFailureKind.UnknownKey, "unknown");
        var leftOut = new EdkFailure("enctools", "k/v1", EdkFailureKind.NotAllowed, "not among the keys allowed");
        Assert.Equal("KmsAccessDenied", NoDecryptableKeyException.ErrorFor([Kms("KmsAccessDenied"), Kms("KmsAccessDenied")]).Id);
        Assert.Equal("KmsAccessDenied", NoDecryptableKeyException.ErrorFor([leftOut, Kms("KmsAccessDenied")]).Id);
        Assert.Equal("NoDecryptableKey", NoDecryptableKeyException.ErrorFor([Kms("KmsAccessDenied"), Kms("KmsKeyDisabled")]).Id);
        Assert.Equal("NoDecryptableKey", NoDecryptableKeyException.ErrorFor([local, Kms("KmsAccessDenied")]).Id);
        Assert.Equal("NoDecryptableKey", NoDecryptableKeyException.ErrorFor([leftOut]).Id);
        Assert.Equal("NoDecryptableKey", NoDecryptableKeyException.ErrorFor([]).Id);
    }
}
