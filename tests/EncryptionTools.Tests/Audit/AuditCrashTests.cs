using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Audit;

/// <summary>
/// A real writer (tests/EncryptionTools.StoreHost) killed with SIGKILL between the audit record and the save of the key
/// document, and at every other stage of a key's creation: after recovery no key exists without its creation record, and
/// the log still verifies (a crash never looks like tampering).
/// </summary>
[Collection("StoreHost processes")]
public sealed class AuditCrashTests
{
    [Fact]
    public void A_writer_killed_between_the_save_and_the_record_leaves_no_key_without_its_creation_record()
    {
        using var dir = new TempDir();
        var location = Path.Combine(dir.Path, "store");
        var stages = new (string Stage, int Nth)[]
        {
            ("audit-written", 1), ("init-data-written", 1),   // the store's own creation (recorded, then not finished)
            ("data-after-write", 2),                          // the key's document saved: its record must already be durable
            ("audit-written", 3), ("data-before-write", 4),   // the record durable, the document not yet saved
            ("data-after-write", 5),
        };
        foreach (var (stage, nth) in stages)
        {
            var host = MultiProcessTests.Start("crash", location, "6", stage, nth.ToString(System.Globalization.CultureInfo.InvariantCulture));
            host.StandardOutput.ReadToEnd();
            var stderr = host.StandardError.ReadToEnd();
            host.WaitForExit();
            Assert.True(host.ExitCode != 0, $"the writer was not killed at {stage} #{nth}: {stderr}");

            using var store = new LocalKeyStore(location); // a fresh provider, as the next process
            if (!File.Exists(Path.Combine(location, StoreFiles.DescriptorFile))) continue; // killed before the store existed
            var created = store.QueryAudit(new AuditQuery { Action = KmsActions.CreateKey, Result = AuditResult.Succeeded })
                .Select(e => e.KeyId).ToHashSet(StringComparer.Ordinal);
            var unrecorded = store.GetKeys().Select(k => k.KeyId).Where(id => !created.Contains(id!)).ToList();
            Assert.True(unrecorded.Count == 0, $"after a kill at {stage} #{nth}, {unrecorded.Count} key(s) have no creation record: {string.Join(", ", unrecorded)}");
            var verification = store.VerifyAuditLog();
            Assert.True(verification.IsValid, $"after a kill at {stage} #{nth} the log looks tampered with: {verification}");
        }
    }

    [Fact]
    public void A_record_whose_change_a_crash_stopped_is_followed_by_a_record_of_the_same_revision()
    {
        using var dir = new TempDir();
        var location = Path.Combine(dir.Path, "store");
        using (var store = new LocalKeyStore(location)) store.NewKey(new NewKeyRequest());
        var host = MultiProcessTests.Start("crash", location, "1", "audit-written", "1");
        host.StandardOutput.ReadToEnd();
        host.WaitForExit();
        Assert.NotEqual(0, host.ExitCode);
        using (var store = new LocalKeyStore(location))
        {
            Assert.Single(store.GetKeys()); // the killed creation never happened
            store.NewKey(new NewKeyRequest());
            var records = store.QueryAudit(new AuditQuery { Action = KmsActions.CreateKey }).ToList();
            Assert.Equal(3, records.Count);
            Assert.Equal(records[1].StoreRevision, records[2].StoreRevision); // the last record of a revision is the committed one
            Assert.Equal(2, store.GetKeys().Count);
            Assert.Contains(store.GetKeys(), k => k.KeyId == records[2].KeyId);
            Assert.DoesNotContain(store.GetKeys(), k => k.KeyId == records[1].KeyId);
            Assert.True(store.VerifyAuditLog().IsValid);
        }
    }
}
