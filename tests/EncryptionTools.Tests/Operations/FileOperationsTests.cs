using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Files;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Operations;

/// <summary>The glue the file cmdlets and the CLI share, on real files and a real temporary store.</summary>
public class FileOperationsTests
{
    private static ProtectRequest Options(string? destination = null, bool inPlace = false, bool recurse = false, bool force = false,
        IReadOnlyDictionary<string, string>? context = null) => new()
    {
        Keyrings = [],
        Destination = destination,
        InPlace = inPlace,
        Recurse = recurse,
        Force = force,
        EncryptionContext = context ?? EncryptionTools.Engine.Format.EncryptionContext.Empty,
    };

    private static UnprotectRequest DecryptOptions(string? destination = null, IReadOnlyDictionary<string, string>? expect = null, bool recurse = false, bool inPlace = false) =>
        new() { Keyrings = [], Destination = destination, RequiredEncryptionContext = expect, Recurse = recurse, InPlace = inPlace };

    [Fact]
    public void SeveralKeysGetOneEdkEachAndEachAloneDecrypts()
    {
        using var ts = new TestStore();
        var a = ts.Store.NewKey(new NewKeyRequest { Alias = "alias/a" });
        var b = ts.Store.NewKey(new NewKeyRequest { Alias = "alias/b" });
        var plain = ts.Dir.Write("p.txt", RandomNumberGenerator.GetBytes(5000));
        using var ops = new FileOperations(ts.Store);
        var outcome = ops.Protect([plain], new FileKeys { KeyIds = ["alias/a", b.Arn] }, Options(context: new Dictionary<string, string> { ["dept"] = "hr" })).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(2, outcome.Result!.Keys.Count);
        Assert.Equal("hr", outcome.Result.EncryptionContext["dept"]);

        foreach (var only in new[] { "alias/a", b.KeyId })
        {
            var dest = ts.Dir.File("out-" + only.Replace('/', '_'));
            var dec = ops.Unprotect([plain + ".enc"], [only], DecryptOptions(dest)).Single();
            Assert.True(dec.Succeeded, dec.Error?.Message);
            Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(dest));
        }
        Assert.Equal(a.KeyId, ops.Describe(plain + ".enc").EncryptedDataKeys[0].KeyId);
    }

    [Fact]
    public void NoKeyUsesTheModuleManagedDefaultKey()
    {
        using var ts = new TestStore().Initialized();
        var plain = ts.Dir.Write("p.txt", "x"u8.ToArray());
        using var ops = new FileOperations(ts.Store);
        var outcome = ops.Protect([plain], new FileKeys(), Options()).Single();
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        var info = ops.Describe(plain + ".enc");
        Assert.Equal(EdkResolution.InStore, info.EncryptedDataKeys[0].Resolution);
        Assert.Contains(Aliases.DefaultKeyAlias, info.EncryptedDataKeys[0].Aliases);
    }

    [Fact]
    public void RecursionKeepsTheStructureAndDecryptionRequiresTheContext()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/x" });
        var src = Path.Combine(ts.Dir.Path, "tree");
        Directory.CreateDirectory(Path.Combine(src, "a", "b"));
        File.WriteAllText(Path.Combine(src, "top.txt"), "top");
        File.WriteAllText(Path.Combine(src, "a", "b", "deep [1].txt"), "deep");
        var outDir = Path.Combine(ts.Dir.Path, "out") + Path.DirectorySeparatorChar;
        using var ops = new FileOperations(ts.Store);
        var ctx = new Dictionary<string, string> { ["dept"] = "hr" };
        var results = ops.Protect([src], new FileKeys { KeyIds = ["alias/x"] }, Options(outDir, recurse: true, context: ctx)).ToList();
        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.True(File.Exists(Path.Combine(outDir, "a", "b", "deep [1].txt.enc")));

        var wrong = ops.Unprotect([outDir], null, DecryptOptions(recurse: true, expect: new Dictionary<string, string> { ["dept"] = "it" })).ToList();
        Assert.All(wrong, r => Assert.IsType<EncryptionContextMismatchException>(r.Error));
        Assert.False(File.Exists(Path.Combine(outDir, "top.txt")));

        var right = ops.Unprotect([outDir], null, DecryptOptions(recurse: true, expect: ctx)).ToList();
        Assert.All(right, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.Equal("deep", File.ReadAllText(Path.Combine(outDir, "a", "b", "deep [1].txt")));
    }

    [Fact]
    public void AlreadyEncryptedIsSkippedUnlessForceAndExistingDestinationsAreKept()
    {
        using var ts = new TestStore().Initialized();
        var plain = ts.Dir.Write("p.txt", "data"u8.ToArray());
        using var ops = new FileOperations(ts.Store);
        Assert.True(ops.Protect([plain], new FileKeys(), Options()).Single().Succeeded);
        var again = ops.Protect([plain + ".enc"], new FileKeys(), Options()).Single();
        Assert.Equal(FileAction.Skipped, again.Result!.Action);
        Assert.Contains("already an encrypted message", again.Result.Warning);
        Assert.False(File.Exists(plain + ".enc.enc"));
        Assert.Equal(FileAction.Encrypted, ops.Protect([plain + ".enc"], new FileKeys(), Options(force: true)).Single().Result!.Action);

        var before = File.ReadAllBytes(plain + ".enc");
        var exists = ops.Protect([plain], new FileKeys(), Options()).Single();
        Assert.IsType<DestinationExistsException>(exists.Error);
        Assert.Equal(before, File.ReadAllBytes(plain + ".enc"));
        var decryptExists = ops.Unprotect([plain + ".enc"], null, DecryptOptions()).Single();
        Assert.IsType<DestinationExistsException>(decryptExists.Error);
        Assert.Equal("data", File.ReadAllText(plain));
    }

    [Fact]
    public void InPlaceRoundTripAndAReadOnlyFileInTheMiddleFailsAloneUntouched()
    {
        using var ts = new TestStore().Initialized();
        var files = Enumerable.Range(0, 3).Select(i => ts.Dir.Write($"f{i}.txt", RandomNumberGenerator.GetBytes(1000 + i))).ToList();
        var originals = files.Select(File.ReadAllBytes).ToList();
        if (OperatingSystem.IsWindows()) File.SetAttributes(files[1], FileAttributes.ReadOnly);
        else File.SetUnixFileMode(files[1], UnixFileMode.UserRead); // the mode bits refuse even for root
        using var ops = new FileOperations(ts.Store);
        var results = ops.Protect(files, new FileKeys(), Options(inPlace: true)).ToList();
        Assert.True(results[0].Succeeded && results[2].Succeeded);
        Assert.IsType<SourceReadOnlyException>(results[1].Error);
        Assert.Equal(originals[1], File.ReadAllBytes(files[1]));
        Assert.True(MessageSniffer.SniffFile(files[0]).IsEncryptedMessage);

        var back = ops.Unprotect([files[0], files[2]], null, DecryptOptions(inPlace: true)).ToList();
        Assert.All(back, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.Equal(originals[0], File.ReadAllBytes(files[0]));
        Assert.Equal(originals[2], File.ReadAllBytes(files[2]));
        Assert.Empty(Directory.GetFiles(ts.Dir.Path, "*.etpart"));
    }

    [Fact]
    public void DisabledPendingAndMinimumVersionAreEachNamedInTheError()
    {
        using var ts = new TestStore();
        var k = ts.Store.NewKey(new NewKeyRequest { Alias = "alias/k" });
        var plain = ts.Dir.Write("p.txt", "data"u8.ToArray());
        using (var ops = new FileOperations(ts.Store))
            Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/k"] }, Options()).Single().Succeeded);
        File.Delete(plain);

        string Fail()
        {
            using var ops = new FileOperations(ts.Store);
            var outcome = ops.Unprotect([plain + ".enc"], null, DecryptOptions()).Single();
            var error = Assert.IsType<NoDecryptableKeyException>(outcome.Error);
            Assert.False(File.Exists(plain));
            return error.Message;
        }

        ts.Store.DisableKey(k.KeyId);
        Assert.Contains("Disabled", Fail());
        ts.Store.EnableKey(k.KeyId);
        ts.Store.RotateKey(k.KeyId);
        ts.Store.UpdateKey(k.KeyId, new KeyUpdate { MinimumDecryptionVersion = 2 });
        Assert.Contains("below the minimum decryption version", Fail());
        ts.Store.UpdateKey(k.KeyId, new KeyUpdate { MinimumDecryptionVersion = 1 });
        ts.Store.ScheduleKeyDeletion(k.KeyId, 7);
        Assert.Contains("PendingDeletion", Fail());
    }

    [Fact]
    public void StrictModeRefusesOtherKeysNamingThem()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/a" });
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/b" });
        var plain = ts.Dir.Write("p.txt", "data"u8.ToArray());
        using var ops = new FileOperations(ts.Store);
        Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/a"] }, Options()).Single().Succeeded);
        var outcome = ops.Unprotect([plain + ".enc"], ["alias/b"], DecryptOptions(ts.Dir.File("o"))).Single();
        Assert.Contains("not among the keys allowed", Assert.IsType<NoDecryptableKeyException>(outcome.Error).Message);
    }

    [Fact]
    public void PemRecipientRoundTripsThroughASecondStoreHoldingThePrivateKey()
    {
        using var sender = new TestStore().Initialized(); // the sender's own store, without the private key
        using var holder = new TestStore();
        var rsa = holder.Store.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072, Alias = "alias/agent" });
        var pem = holder.Dir.File("agent.pem");
        File.WriteAllText(pem, holder.Store.ExportKey("alias/agent", publicKeyOnly: true).PublicKeyPem);

        var plain = sender.Dir.Write("p.txt", RandomNumberGenerator.GetBytes(3000));
        using (var ops = new FileOperations(sender.Store))
        {
            var outcome = ops.Protect([plain], new FileKeys { RecipientPemFiles = [pem] }, Options()).Single();
            Assert.True(outcome.Succeeded, outcome.Error?.Message);
            var identity = Assert.Single(outcome.Result!.Keys);
            Assert.Equal("enctools", identity.ProviderId);
            Assert.StartsWith("rsa-spki-sha256:", identity.KeyName);
            // The sender's store holds no private key for it.
            Assert.Equal(EdkResolution.Unknown, ops.Describe(plain + ".enc").EncryptedDataKeys[0].Resolution);
        }
        using var holderOps = new FileOperations(holder.Store);
        var info = holderOps.Describe(plain + ".enc");
        Assert.Equal(rsa.KeyId, info.EncryptedDataKeys[0].KeyId);
        Assert.Contains("alias/agent", info.EncryptedDataKeys[0].Aliases);
        var dest = holder.Dir.File("out.txt");
        var dec = holderOps.Unprotect([plain + ".enc"], null, DecryptOptions(dest)).Single();
        Assert.True(dec.Succeeded, dec.Error?.Message);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(dest));

        // PEM text (Export-EncKey -PublicKeyOnly's PublicKeyPem) gives the same identity.
        using var ops2 = new FileOperations(sender.Store);
        var viaText = ops2.Protect([plain], new FileKeys { RecipientPems = [File.ReadAllText(pem)] }, Options(sender.Dir.File("t.enc"))).Single();
        Assert.Equal(dec.Result!.Keys[0], viaText.Result!.Keys[0]);
    }

    [Fact]
    public void RewrapUnderAnotherKeyKeepsTheBodyAndTheRemovedKeyCanNoLongerDecrypt()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/old" });
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/new" });
        var plain = FilesSupport.WriteRandom(ts.Dir.File("big.bin"), 2 * 1024 * 1024);
        using var ops = new FileOperations(ts.Store);
        Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/old"] }, Options()).Single().Succeeded);
        var enc = plain + ".enc";
        var headerBefore = FileCrypto.ReadHeader(enc).TotalLength;
        var bodyBefore = File.ReadAllBytes(enc)[headerBefore..];

        var outcome = ops.RewrapFile(enc, new RewrapSettings { ReplaceWithKeyIds = ["alias/new"] });
        Assert.Equal(RewrapMethod.InPlace, outcome.Result!.Method);
        var headerAfter = FileCrypto.ReadHeader(enc).TotalLength;
        Assert.Equal(bodyBefore, File.ReadAllBytes(enc)[headerAfter..]);

        var refused = ops.Unprotect([enc], ["alias/old"], DecryptOptions(ts.Dir.File("o1"))).Single();
        Assert.IsType<NoDecryptableKeyException>(refused.Error);
        var ok = ops.Unprotect([enc], ["alias/new"], DecryptOptions(ts.Dir.File("o2"))).Single();
        Assert.True(ok.Succeeded, ok.Error?.Message);
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(ts.Dir.File("o2")));
    }

    [Fact]
    public void AddAndRemoveRecipientsIncludingAPemRecipient()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/a" });
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/b" });
        ts.Store.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072, Alias = "alias/rsa" });
        var pem = ts.Dir.File("r.pem");
        File.WriteAllText(pem, ts.Store.ExportKey("alias/rsa", publicKeyOnly: true).PublicKeyPem);
        var plain = ts.Dir.Write("p.txt", "data"u8.ToArray());
        using var ops = new FileOperations(ts.Store);
        Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/a"] }, Options()).Single().Succeeded);
        var enc = plain + ".enc";

        var added = ops.RewrapFile(enc, new RewrapSettings { AddKeyIds = ["alias/b"], AddRecipientPemFiles = [pem] }).Result!;
        Assert.Equal(3, added.KeysAfter.Count);
        var removed = ops.RewrapFile(enc, new RewrapSettings { RemoveKeyIds = ["alias/a", "alias/b"] }).Result!;
        Assert.StartsWith("rsa-spki-sha256:", Assert.Single(removed.KeysAfter).KeyName);
        var dec = ops.Unprotect([enc], null, DecryptOptions(ts.Dir.File("o"))).Single();
        Assert.True(dec.Succeeded, dec.Error?.Message);

        var none = ops.RewrapOne(enc, new RewrapSettings { RemoveRecipientPemFiles = [pem] });
        Assert.IsType<RewrapNoRecipientsException>(none.Error);
    }

    [Fact]
    public void RotateThenRewrapMovesOnlyFilesOfThatKeyToTheNewVersion()
    {
        using var ts = new TestStore();
        var x = ts.Store.NewKey(new NewKeyRequest { Alias = "alias/x" });
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/y" });
        var fx = ts.Dir.Write("x.txt", "x"u8.ToArray());
        var fy = ts.Dir.Write("y.txt", "y"u8.ToArray());
        using var ops = new FileOperations(ts.Store);
        Assert.True(ops.Protect([fx], new FileKeys { KeyIds = ["alias/x"] }, Options()).Single().Succeeded);
        Assert.True(ops.Protect([fy], new FileKeys { KeyIds = ["alias/y"] }, Options()).Single().Succeeded);
        var progress = new List<FileCountProgress>();

        var rotation = ops.RotateAndRewrap("alias/x", [fx + ".enc", fy + ".enc"]);
        Assert.Equal(2, rotation.Key.CurrentVersion);
        var outcomes = rotation.Rewrap(new SyncProgress(progress)).ToList();
        Assert.Equal(2, progress.Count);
        Assert.Equal(2, ops.Describe(fx + ".enc").EncryptedDataKeys.Single().Version);
        Assert.NotNull(outcomes[1].Skipped);
        Assert.Equal(1, ops.Describe(fy + ".enc").EncryptedDataKeys.Single().Version);

        // Without a rewrap after a rotation, Update-EncFileKey's default moves files to the newest version.
        ts.Store.RotateKey(x.KeyId);
        ops.InvalidateKeyrings();
        Assert.NotEqual(RewrapMethod.Unchanged, ops.RewrapFile(fx + ".enc", new RewrapSettings()).Result!.Method);
        Assert.Equal(3, ops.Describe(fx + ".enc").EncryptedDataKeys.Single().Version);
        Assert.NotNull(ops.RewrapFile(fx + ".enc", new RewrapSettings()).Skipped);
    }

    [Fact]
    public void SignedMessagesAreReSignedAndTheirStoreKeysWrappedAgain()
    {
        using var ts = new TestStore();
        var a = ts.Store.NewKey(new NewKeyRequest { Alias = "alias/a" });
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/b" });
        var plain = ts.Dir.Write("s.txt", "signed data"u8.ToArray());
        using var ops = new FileOperations(ts.Store);
        Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/a"] }, Options() with { Signed = true }).Single().Succeeded);
        var cipher = plain + ".enc";
        Assert.True(ops.Describe(cipher).IsSigned);
        var keyBefore = EncryptionTools.Engine.Files.FileCrypto.ReadHeader(cipher).EncryptionContext["aws-crypto-public-key"];
        ts.Store.RotateKey(a.KeyId);
        ops.InvalidateKeyrings();

        var outcome = ops.RewrapOne(cipher, new RewrapSettings { AddKeyIds = ["alias/b"], UpgradeToCurrentVersion = false });
        Assert.Null(outcome.Error);
        Assert.Equal(RewrapMethod.FullRewrite, outcome.Result!.Method);
        var info = ops.Describe(cipher);
        Assert.True(info.IsSigned);
        // alias/a's EDK was bound to the old signing key's context: it was wrapped again, under a's newest version.
        Assert.Equal(["alias/a v2", "alias/b v1"], info.EncryptedDataKeys.Select(k => $"{k.Aliases[0]} v{k.Version}").Order());
        Assert.NotEqual(keyBefore, EncryptionTools.Engine.Files.FileCrypto.ReadHeader(cipher).EncryptionContext["aws-crypto-public-key"]);
        foreach (var only in new[] { "alias/a", "alias/b" })
        {
            File.Delete(plain);
            Assert.True(ops.Unprotect([cipher], [only], DecryptOptions()).Single().Succeeded);
            Assert.Equal("signed data", File.ReadAllText(plain));
        }
    }

    [Fact]
    public void SignedMessagesWithAForeignAesKeyKeptAreRefusedWithAnExplanation()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/a" });
        using var ops = new FileOperations(ts.Store);
        using var foreign = new TestKey("k");
        using var storeKeyring = ts.Store.CreateEncryptKeyring(["alias/a"]);
        IKeyring[] keyrings = [storeKeyring];
        var path = ts.Dir.File("signed.enc");
        using (var output = File.Create(path))
            EncryptionTools.Engine.Streaming.MessageEncryptor.Encrypt(new MemoryStream("hi"u8.ToArray()), output, [.. keyrings, foreign.Keyring],
                new EncryptionTools.Engine.Streaming.EncryptOptions { Signed = true });
        var before = File.ReadAllBytes(path);
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/b" });
        var outcome = ops.RewrapOne(path, new RewrapSettings { AddKeyIds = ["alias/b"] });
        var error = Assert.IsType<SignedMessageRewrapException>(outcome.Error);
        Assert.Contains("signature covers the header", error.Message);
        Assert.Contains("files-test", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void DescribeMarksKeysOfAnotherStoreUnknown()
    {
        using var a = new TestStore();
        using var b = new TestStore().Initialized();
        a.Store.NewKey(new NewKeyRequest { Alias = "alias/a" });
        var plain = a.Dir.Write("p.txt", "data"u8.ToArray());
        using var ops = new FileOperations(a.Store);
        Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/a"] }, Options()).Single().Succeeded);
        using var other = new FileOperations(b.Store);
        var edk = other.Describe(plain + ".enc").EncryptedDataKeys.Single();
        Assert.Equal(EdkResolution.Unknown, edk.Resolution);
        Assert.Null(edk.KeyId);
    }

    // ---------------------------------------------------------------- group commit and write-ahead audit

    private static List<string> SmallFiles(TestStore ts, string folder, int count)
    {
        var dir = Path.Combine(ts.Dir.Path, folder);
        Directory.CreateDirectory(dir);
        return Enumerable.Range(0, count).Select(i =>
        {
            var path = Path.Combine(dir, $"f{i:D4}.bin");
            File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(64 + i));
            return path;
        }).ToList();
    }

    private static int GenerateDataKeyRecords(TestStore ts) =>
        ts.Store.QueryAudit(new EncryptionTools.Engine.Audit.AuditQuery { Action = EncryptionTools.Engine.Access.KmsActions.GenerateDataKey }).Count;

    [Fact]
    public void TheAuditRecordsOfAGroupAreWrittenBeforeAnyOfItsFilesAppears()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/x" });
        var files = SmallFiles(ts, "src", 20);
        var seen = new List<(int Records, int Outputs)>();
        using var ops = new FileOperations(ts.Store);
        var request = Options() with { BeforePublish = () => seen.Add((GenerateDataKeyRecords(ts), files.Count(f => File.Exists(f + ".enc")))) };
        var outcomes = ops.Protect(files, new FileKeys { KeyIds = ["alias/x"] }, request).ToList();

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error?.Message));
        var (records, outputs) = Assert.Single(seen);
        Assert.Equal(20, records);
        Assert.Equal(0, outputs);
        Assert.All(files, f => Assert.True(File.Exists(f + ".enc"), f));
    }

    [Fact]
    public void ABatchLargerThanAGroupIsPublishedGroupByGroupInOrder()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/x" });
        var files = SmallFiles(ts, "src", 300);
        var groups = 0;
        using var ops = new FileOperations(ts.Store);
        var outcomes = ops.Protect(files, new FileKeys { KeyIds = ["alias/x"] }, Options() with { BeforePublish = () => groups++ }).ToList();

        Assert.Equal(files, outcomes.Select(o => o.Source));
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error?.Message));
        Assert.InRange(groups, 3, 300 / 2);
        Assert.Equal(300, GenerateDataKeyRecords(ts));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(ts.Dir.Path, "src"), "*" + AtomicFile.TempSuffix));
        var back = ops.Unprotect(files.Select(f => f + ".enc"), null, DecryptOptions(Path.Combine(ts.Dir.Path, "back") + Path.DirectorySeparatorChar)).ToList();
        Assert.All(back, o => Assert.True(o.Succeeded, o.Error?.Message));
        Assert.All(files, f => Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(ts.Dir.Path, "back", Path.GetFileName(f)))));
    }

    [Fact]
    public void StoppingInTheMiddleOfAGroupPublishesNoneOfItAndLeavesNoTemporaryFile()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/x" });
        var files = SmallFiles(ts, "src", 40);
        using var cts = new CancellationTokenSource();
        using var ops = new FileOperations(ts.Store);
        var progress = new StopAt(30, cts);
        var emitted = new List<FileOutcome>();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var o in ops.Protect(files, new FileKeys { KeyIds = ["alias/x"] }, Options(), progress, cts.Token)) emitted.Add(o);
        });

        Assert.Empty(emitted);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(ts.Dir.Path, "src"), "*.enc"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(ts.Dir.Path, "src"), "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories));
    }

    [Fact]
    public void AnAbandonedBatchStillRecordsItsKeyUsesWhenTheSessionEnds()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/x" });
        var files = SmallFiles(ts, "src", 5);
        using (var ops = new FileOperations(ts.Store))
        {
            var first = ops.Protect(files, new FileKeys { KeyIds = ["alias/x"] }, Options()).First();
            Assert.True(first.Succeeded, first.Error?.Message);
        }
        Assert.Equal(5, GenerateDataKeyRecords(ts));
    }

    [Fact]
    public void DecryptionRecordsItsKeyUsesBeforeThePlaintextAppears()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/x" });
        var files = SmallFiles(ts, "src", 6);
        using var ops = new FileOperations(ts.Store);
        Assert.All(ops.Protect(files, new FileKeys { KeyIds = ["alias/x"] }, Options()).ToList(), o => Assert.True(o.Succeeded, o.Error?.Message));
        foreach (var f in files) File.Delete(f);
        int Decrypts() => ts.Store.QueryAudit(new EncryptionTools.Engine.Audit.AuditQuery { Action = EncryptionTools.Engine.Access.KmsActions.Decrypt }).Count;
        var before = Decrypts();
        var seen = new List<(int Records, int Plaintexts)>();
        var request = DecryptOptions() with { BeforePublish = () => seen.Add((Decrypts() - before, files.Count(File.Exists))) };
        var outcomes = ops.Unprotect(files.Select(f => f + ".enc"), null, request).ToList();

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error?.Message));
        Assert.Equal((6, 0), Assert.Single(seen));
        Assert.All(files, f => Assert.True(File.Exists(f), f));
    }

    [Fact]
    public void ARewrapWritesItsKeyUsesTogetherInTheOrderTheyHappened()
    {
        using var ts = new TestStore();
        var a = ts.Store.NewKey(new NewKeyRequest { Alias = "alias/a" });
        var b = ts.Store.NewKey(new NewKeyRequest { Alias = "alias/b" });
        var plain = ts.Dir.Write("p.txt", RandomNumberGenerator.GetBytes(100));
        using var ops = new FileOperations(ts.Store);
        Assert.True(ops.Protect([plain], new FileKeys { KeyIds = ["alias/a"] }, Options()).Single().Succeeded);
        var before = ts.Store.QueryAudit().Count;

        var outcome = ops.RewrapFile(plain + ".enc", new RewrapSettings { AddKeyIds = [b.KeyId] });

        Assert.NotNull(outcome.Result);
        var records = ts.Store.QueryAudit().Skip(before).ToList();
        var unwrap = records.FindIndex(r => r.KeyId == a.KeyId);
        var wrap = records.FindIndex(r => r.KeyId == b.KeyId);
        Assert.True(unwrap >= 0 && wrap >= 0, string.Join("; ", records.Select(r => $"{r.Action} {r.KeyId}")));
        Assert.True(unwrap < wrap, "the data key was unwrapped under the old key before it was wrapped under the new one");
        // As KMS ReEncrypt (about_EncryptionTools_Policies): not kms:Decrypt and kms:GenerateDataKey.
        Assert.Equal(EncryptionTools.Engine.Access.KmsActions.ReEncryptFrom, records[unwrap].Action);
        Assert.Equal(EncryptionTools.Engine.Access.KmsActions.ReEncryptTo, records[wrap].Action);
        Assert.Equal(plain + ".enc", records[wrap].FilePath);
    }

    [Fact]
    public void EachKeyUseOfABatchNamesItsFileInTheAuditLog()
    {
        using var ts = new TestStore();
        ts.Store.NewKey(new NewKeyRequest { Alias = "alias/x" });
        var files = SmallFiles(ts, "src", 3);
        using var ops = new FileOperations(ts.Store);
        Assert.All(ops.Protect(files, new FileKeys { KeyIds = ["alias/x"] }, Options()).ToList(), o => Assert.True(o.Succeeded, o.Error?.Message));
        Assert.All(ops.Unprotect(files.Select(f => f + ".enc"), null, DecryptOptions(Path.Combine(ts.Dir.Path, "back") + Path.DirectorySeparatorChar)).ToList(),
            o => Assert.True(o.Succeeded, o.Error?.Message));
        var rewrap = ops.RewrapFile(files[0] + ".enc", new RewrapSettings { AddKeyIds = ["alias/x"], UpgradeToCurrentVersion = false });

        var audit = ts.Store.QueryAudit();
        Assert.Equal(files, audit.Where(e => e.Action == EncryptionTools.Engine.Access.KmsActions.GenerateDataKey).Take(3).Select(e => e.FilePath));
        Assert.Equal(files.Select(f => f + ".enc"), audit.Where(e => e.Action == EncryptionTools.Engine.Access.KmsActions.Decrypt).Take(3).Select(e => e.FilePath));
        Assert.Equal(files[0] + ".enc", audit.Last().FilePath);
    }

    private sealed class StopAt(int fileNumber, CancellationTokenSource cts) : IProgress<FileProgress>
    {
        public void Report(FileProgress value)
        {
            if (value.FileNumber == fileNumber) cts.Cancel();
        }
    }

    private sealed class SyncProgress(List<FileCountProgress> list) : IProgress<FileCountProgress>
    {
        public void Report(FileCountProgress value) => list.Add(value);
    }
}
