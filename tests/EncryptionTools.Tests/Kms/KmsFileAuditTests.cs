using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;
using static EncryptionTools.Tests.Kms.KmsFileTestKit;

namespace EncryptionTools.Tests.Kms;

/// <summary>Each KMS call is also a record of the store's hash-chained audit log, with KMS's request id, when a store exists.</summary>
[Collection(KmsProviderCollection.Name)]
public class KmsFileAuditTests
{
    private static readonly KmsEndpoint Kms = KmsTestProvider.Register();

    [Fact]
    public void KMS_calls_are_recorded_in_the_store_log_with_their_request_ids_and_the_log_verifies()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/l" });
        var kmsKey = Kms.CreateKey();
        var plain = ts.Dir.Write("p.txt", "audited"u8.ToArray());
        var enc = plain + ".enc";
        List<EncryptionTools.Engine.Keyrings.ExternalKeyUse> uses = [];
        using (var ops = Session(ts.Store))
        {
            Assert.True(ops.Protect([plain], new FileKeys { KeyIds = [kmsKey, "alias/l"] }, Protect()).Single().Succeeded);
            uses.AddRange(ops.ExternalKeyUses);
        }
        using (var ops = Session(ts.Store))
        {
            // Restricted to the KMS key: the store opens no local key but still records the KMS call.
            Assert.True(ops.Unprotect([enc], [kmsKey], Unprotect(ts.Dir.File("o"))).Single().Succeeded);
            uses.AddRange(ops.ExternalKeyUses);
        }
        Assert.Equal(["kms:GenerateDataKey", "kms:Decrypt"], uses.Select(u => u.Operation));

        var records = ts.Store.QueryAudit(new AuditQuery { Action = "kms:*" }).Where(e => e.KeyId == kmsKey).ToList();
        Assert.Equal(["kms:GenerateDataKey", "kms:Decrypt"], records.Select(r => r.Action));
        Assert.Equal(uses.Select(u => u.RequestId), records.Select(r => r.RequestId));
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty(r.RequestId)));
        Assert.All(records, r => Assert.Equal(AuditResult.Succeeded, r.Result));
        Assert.All(records, r => Assert.True(r.IsAuthentic));
        // The file is named as for the store's own key use of the same encryption.
        var localUse = ts.Store.QueryAudit(new AuditQuery { Action = "kms:Encrypt" }).Single(e => e.KeyId != kmsKey);
        Assert.Equal(localUse.FilePath, records[0].FilePath);
        Assert.Equal(enc, records[1].FilePath);
        Assert.Null(localUse.RequestId);

        var verification = ts.Store.VerifyAuditLog();
        Assert.True(verification.IsValid, verification.ToString());
    }

    [Fact]
    public void A_refused_KMS_call_is_recorded_as_failed_and_leaves_no_output()
    {
        using var ts = new TestStore().Initialized();
        var kmsKey = Kms.CreateKey(policy: KmsEndpoint.DenyPolicy("kms:Decrypt"));
        var plain = ts.Dir.Write("p.txt", "denied"u8.ToArray());
        using (var ops = Session(ts.Store))
            Assert.True(ops.Protect([plain], new FileKeys { KeyIds = [kmsKey] }, Protect()).Single().Succeeded);
        using (var ops = Session(ts.Store))
        {
            var outcome = ops.Unprotect([plain + ".enc"], [kmsKey], Unprotect(ts.Dir.File("o"))).Single();
            Assert.Equal("KmsAccessDenied", outcome.Error!.ErrorId);
        }
        Assert.False(File.Exists(ts.Dir.File("o")));
        var failed = ts.Store.QueryAudit(new AuditQuery { Action = "kms:Decrypt" }).Single(e => e.KeyId == kmsKey);
        Assert.Equal(AuditResult.Failed, failed.Result);
        Assert.Contains("AccessDenied", failed.Reason, StringComparison.Ordinal);
        Assert.True(ts.Store.VerifyAuditLog().IsValid);
    }

    [Fact]
    public void Without_a_store_nothing_is_written_anywhere()
    {
        var kmsKey = Kms.CreateKey();
        using var dir = new TempDir();
        var nowhere = Path.Combine(dir.Path, "store");
        var plain = dir.Write("p.txt", "unrecorded"u8.ToArray());
        using (var ops = Session(StoreAt(nowhere)))
        {
            Assert.True(ops.Protect([plain], new FileKeys { KeyIds = [kmsKey] }, Protect()).Single().Succeeded);
            Assert.True(ops.Unprotect([plain + ".enc"], [kmsKey], Unprotect(dir.File("o"))).Single().Succeeded);
            Assert.Equal(2, ops.ExternalKeyUses.Count);
        }
        Assert.Equal(["o", "p.txt", "p.txt.enc"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
