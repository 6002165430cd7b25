using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Audit;

/// <summary>
/// The store knows its log exists: each store change seals the log's last record (sequence and hash) into the encrypted
/// key document, so deleting or cutting the whole log, with or without its head, is reported as tampering with a stable
/// id, by this provider and by a fresh one (another process), before and after later appends.
/// </summary>
public sealed class AuditAnchorTests
{
    private static TestStore WithHistory()
    {
        var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/pay" });
        t.Store.DisableKey(key.KeyId);
        t.Store.EnableKey(key.KeyId);
        return t;
    }

    private static string Audit(TestStore t) => Path.Combine(t.Location, LocalKeyStore.AuditDirectoryName);

    private static AuditBreak AssertTampered(TestStore t, params AuditBreakKind[] kinds)
    {
        t.Reopen(); // a fresh provider, as another process would verify
        var result = t.Store.VerifyAuditLog();
        Assert.False(result.IsValid, "the tampering was reported as a valid log: " + result);
        Assert.Contains(result.FirstBreak!.Kind, kinds);
        return result.FirstBreak;
    }

    [Fact]
    public void Deleting_the_audit_directory_is_tampering_not_an_empty_log_and_the_chain_never_restarts()
    {
        using var t = WithHistory();
        var last = t.Store.QueryAudit().Last().Sequence;
        Directory.Delete(Audit(t), recursive: true);
        var b = AssertTampered(t, AuditBreakKind.LogMissing);
        Assert.Equal("AuditLogMissing", b.ErrorId);

        t.Store.NewKey(new NewKeyRequest()); // the next change goes on from the store's anchor
        var records = t.Store.QueryAudit();
        Assert.True(records[0].Sequence > last, $"the chain restarted at {records[0].Sequence}");
        Assert.Equal(AuditLog.TamperingDetectedAction, records[0].Action);
        AssertTampered(t, AuditBreakKind.Deleted, AuditBreakKind.LogMissing);
    }

    [Fact]
    public void Emptying_the_log_and_deleting_the_head_is_tampering()
    {
        using var t = WithHistory();
        foreach (var file in Directory.GetFiles(Audit(t), "audit-*.jsonl")) File.WriteAllBytes(file, []);
        File.Delete(Path.Combine(Audit(t), AuditLog.HeadFileName));
        var b = AssertTampered(t, AuditBreakKind.LogMissing);
        Assert.Contains("the key store proves it reached record", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cutting_the_tail_and_deleting_the_head_stays_tampering_after_the_next_append()
    {
        using var t = WithHistory();
        var file = Directory.GetFiles(Audit(t), "audit-*.jsonl").Single();
        var lines = File.ReadAllLines(file);
        File.WriteAllLines(file, lines.Take(lines.Length - 2));
        File.Delete(Path.Combine(Audit(t), AuditLog.HeadFileName));
        var b = AssertTampered(t, AuditBreakKind.TruncatedTail);
        Assert.Equal("AuditLogTruncatedTail", b.ErrorId);

        t.Store.NewKey(new NewKeyRequest());
        AssertTampered(t, AuditBreakKind.TruncatedTail, AuditBreakKind.Deleted);
        t.Store.NewKey(new NewKeyRequest());
        AssertTampered(t, AuditBreakKind.TruncatedTail, AuditBreakKind.Deleted);
    }

    [Fact]
    public void An_intact_log_and_its_anchor_verify_in_a_fresh_provider()
    {
        using var t = WithHistory();
        t.Reopen();
        var result = t.Store.VerifyAuditLog();
        Assert.True(result.IsValid, result.ToString());
        Assert.Empty(result.Warnings);
    }
}
