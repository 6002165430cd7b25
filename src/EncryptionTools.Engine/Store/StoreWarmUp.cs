using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.Access;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// The first read of a store in a process pays once for work that does not depend on the store: the first parse of its
/// documents (compiling what the precompiled image lacks), the first HKDF, AES-GCM and HMAC
/// (loading the platform's crypto library), the first calls into libc (marshalling stubs, the account lookups),
/// resolving the caller's account and evaluating a key policy. The module starts this on a background thread at
/// import, on made-up data, so that it overlaps PowerShell's own import and the session's first store command finds it
/// done. It reads no store, writes nothing, records nothing, and any failure is ignored: the real call simply pays for
/// what was not warmed.
/// </summary>
public static class StoreWarmUp
{
    private static int _started;
    private static readonly TaskCompletionSource<bool> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the warm-up (and what followed it) has run: true when every step of the store's ran (tests and diagnostics).</summary>
    public static Task<bool> Completion => Done.Task;

    /// <summary>Starts the warm-up once per process, followed on the same thread by <paramref name="then"/> (the caller's own
    /// warm-up, which must not throw); later calls do nothing. One thread: on two cores, a second would compete with the session.</summary>
    public static void Start(Action? then = null)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        try
        {
            new Thread(() =>
            {
                var ran = Run();
                then?.Invoke();
                Done.TrySetResult(ran);
            }) { IsBackground = true, Name = "EncryptionTools warm-up" }.Start();
        }
        catch (OutOfMemoryException)
        {
            // no thread to spare: the first command does the work itself
            Done.TrySetResult(false);
        }
    }

    /// <summary>The warm-up itself, on the calling thread (the background thread runs it; tests call it directly).
    /// True when every step ran: a schema change that broke the sample would otherwise only show as a slower start.</summary>
    internal static bool Run()
    {
        var root = RandomNumberGenerator.GetBytes(StoreFiles.RootKeyBytes);
        byte[]? plaintext = null;
        StoreDocument? doc = null;
        try
        {
            // In the order a command meets them, so that the session's first command waits on what is still being
            // built here rather than building it a second time: the caller, the store files' owner and mode checks,
            // the descriptor, the sealed data and its document, the key policy, the audit record's hashes. Only the
            // read path: a command that writes the store pays for its own serialization, and warming it here would
            // only compete for the processor with the first command.
            var caller = SystemPrincipalResolver.Instance.Current();
            if (!OperatingSystem.IsWindows())
            {
                StorePermissions.OwnerOf(Path.GetTempPath());
                File.GetUnixFileMode(Path.GetTempPath());
            }
            var descriptor = StoreDescriptor.Parse(Encoding.UTF8.GetBytes(
                $$"""{"format":"{{StoreDescriptor.FormatName}}","schemaVersion":1,"storeId":"warm-up","protection":"File","creationDate":"2026-01-01T00:00:00+00:00","rootKeyCheck":"{{StoreFiles.RootKeyCheck(root)}}"}"""), "");
            StoreFiles.RootKeyMatches(descriptor, root);
            var sealedData = StoreFiles.Seal(SampleDocument, root, descriptor.StoreId, StoreSchema.CurrentDataVersion);
            plaintext = StoreFiles.Open(sealedData, root, descriptor.StoreId, "");
            doc = StoreSchema.ParseData(plaintext, StoreFiles.SealedVersion(sealedData, ""), "");
            var allowed = Authorization.Evaluate(doc, doc.Keys[0], caller, "kms:DescribeKey") is not null;
            using (var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, root))
            {
                mac.AppendData(plaintext);
                SHA256.HashData(mac.GetHashAndReset());
            }
            return allowed;
        }
        catch (Exception)
        {
            // Warming is an optimization only: whatever failed here fails (or works) again in the real call, which reports it.
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(root);
            if (plaintext is not null) CryptographicOperations.ZeroMemory(plaintext);
            doc?.ZeroMaterial();
        }
    }

    /// <summary>A data document with one of every record and every property set, so that each type of the schema is met.</summary>
    internal static ReadOnlySpan<byte> SampleDocument => """
        {"schemaVersion":1,"storeId":"warm-up","revision":1,"creationDate":"2026-01-01T00:00:00+00:00","lastModifiedDate":"2026-01-01T00:00:00+00:00",
        "owner":"user:warm-up","keys":[{"keyId":"00000000-0000-0000-0000-000000000000","description":"warm-up","tags":{"tag":"value"},
        "keyState":"Enabled","keySpec":"SYMMETRIC_DEFAULT","keyUsage":"ENCRYPT_DECRYPT","origin":"EncryptionTools","keyManager":"Customer",
        "creationDate":"2026-01-01T00:00:00+00:00","deletionDate":"2026-01-01T00:00:00+00:00","pendingDeletionWindowInDays":7,
        "rotationEnabled":true,"rotationPeriodInDays":365,"nextRotationDate":"2026-01-01T00:00:00+00:00","minimumDecryptionVersion":1,
        "exportable":false,"keyNamespace":"enctools","creator":"user:warm-up","policy":null,"grants":[],
        "versions":[{"version":1,"keyName":"warm-up","creationDate":"2026-01-01T00:00:00+00:00","rotationType":"Automatic",
        "material":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","privateKey":"AQ==","publicKey":"AQ=="}],
        "history":[{"date":"2026-01-01T00:00:00+00:00","event":"Created","version":1,"detail":"warm-up","user":"user:warm-up"}]}],
        "aliases":[{"aliasName":"alias/warm-up","keyId":"00000000-0000-0000-0000-000000000000","creationDate":"2026-01-01T00:00:00+00:00",
        "lastUpdatedDate":"2026-01-01T00:00:00+00:00"}],
        "deletedKeys":[{"keyId":"00000000-0000-0000-0000-000000000001","keyNamespace":"enctools","creationDate":"2026-01-01T00:00:00+00:00",
        "deletionDate":"2026-01-01T00:00:00+00:00","versions":1,"keyNames":["warm-up"],"history":[]}],
        "auditAnchor":{"sequence":1,"hash":"00"},"auditKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
        """u8;
}
