using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Audit;

namespace EncryptionTools.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public void Dispose() => _dir.Dispose();

    private string LogDir => _dir.File("audit");

    private AuditLog Log(AuditLogOptions? options = null, byte[]? key = null) => new(LogDir, key ?? _key, options);

    private static AuditEntry Entry(int i, AuditResult result = AuditResult.Succeeded) => new()
    {
        Action = i % 3 == 0 ? KmsActions.Decrypt : i % 3 == 1 ? KmsActions.GenerateDataKey : KmsActions.ReEncryptFrom,
        Result = result,
        Principal = i % 2 == 0 ? "user:alice" : "user:bob",
        Command = i % 3 == 0 ? "Unprotect-EncFile" : "Protect-EncFile",
        KeyId = i % 4 == 0 ? "key-a" : "key-b",
        KeyVersion = "v" + (i % 2 + 1),
        EncryptionContext = new Dictionary<string, string> { ["dept"] = "it", ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        FilePath = $"/srv/share/file{i}.txt",
        Reason = result == AuditResult.Denied ? $"user:bob is not allowed kms:Decrypt on key key-a: no statement or grant allows it ({i})." : null,
        Time = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero).AddMinutes(i),
    };

    private AuditLog Filled(int count, AuditLogOptions? options = null)
    {
        var log = Log(options);
        for (var i = 1; i <= count; i++) log.Append(Entry(i, i % 5 == 0 ? AuditResult.Denied : AuditResult.Succeeded));
        return log;
    }

    private string FilePath(long n = 1) => Path.Combine(LogDir, AuditLog.FileName(n));

    private static List<string> ReadLines(string path) => File.ReadAllText(path).Split('\n').SkipLast(1).ToList();

    private static void WriteLines(string path, IEnumerable<string> lines) => File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));

    private static void EditLines(string path, Action<List<string>> edit)
    {
        var lines = ReadLines(path);
        edit(lines);
        WriteLines(path, lines);
    }

    private static AuditBreak AssertBroken(AuditLog log, AuditBreakKind kind, long? line = null, long? sequence = null, string? file = null)
    {
        var result = log.Verify();
        Assert.False(result.IsValid, "the tampering was not detected");
        var b = result.FirstBreak!;
        Assert.True(kind == b.Kind, $"expected {kind}, got {b.Kind}: {b.Message}");
        if (line is not null) Assert.Equal(line, b.Line);
        if (sequence is not null) Assert.Equal(sequence, b.Sequence);
        if (file is not null) Assert.Equal(file, b.LogFile);
        Assert.Equal($"The audit log is broken: {b.Message}", result.ToString());
        return b;
    }

    // ------------------------------------------------------------------ writing and reading

    [Fact]
    public void AppendedRecordsReadBackWithEveryField()
    {
        var log = Log();
        var written = log.Append(Entry(5, AuditResult.Denied) with { DecidedBy = "no statement or grant" });
        Assert.Equal(1, written.Sequence);
        Assert.Equal(AuditLog.GenesisHash, written.PreviousHash);
        var e = Assert.Single(log.Query());
        Assert.Equal(written, e with { EncryptionContext = written.EncryptionContext });
        Assert.Equal(1, e.Sequence);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 5, 0, TimeSpan.Zero), e.Time);
        Assert.Equal("user:bob", e.Principal);
        Assert.Equal(Environment.MachineName, e.Host);
        Assert.Equal(Environment.ProcessId, e.ProcessId);
        Assert.False(string.IsNullOrEmpty(e.ProcessName));
        Assert.Equal("Protect-EncFile", e.Command);
        Assert.Equal(KmsActions.ReEncryptFrom, e.Action);
        Assert.Equal("key-b", e.KeyId);
        Assert.Equal("v2", e.KeyVersion);
        Assert.Equal(new Dictionary<string, string> { ["dept"] = "it", ["n"] = "5" }, e.EncryptionContext);
        Assert.Equal("/srv/share/file5.txt", e.FilePath);
        Assert.Equal(AuditResult.Denied, e.Result);
        Assert.StartsWith("user:bob is not allowed", e.Reason, StringComparison.Ordinal);
        Assert.Equal("no statement or grant", e.DecidedBy);
        Assert.True(e.IsAuthentic);
        Assert.Equal(AuditLog.FileName(1), e.LogFile);
        Assert.Equal(1, e.Line);
        Assert.Matches("^[0-9a-f]{64}$", e.Hash);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ReadLines(FilePath())[0]))).ToLowerInvariant(), e.Hash);
    }

    [Fact]
    public void EachRecordIsOneJsonLineChainedToThePreviousOne()
    {
        var log = Filled(10);
        var events = log.Query().ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), events.Select(e => e.Line));
        for (var i = 1; i < events.Count; i++) Assert.Equal(events[i - 1].Hash, events[i].PreviousHash);
        var lines = ReadLines(FilePath());
        Assert.Equal(10, lines.Count);
        Assert.All(lines, l => Assert.StartsWith("{\"seq\":", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Matches(",\"mac\":\"[0-9a-f]{64}\"}$", l));
        var v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Equal(10, v.RecordCount);
        Assert.Equal(10, v.LastSequence);
        Assert.Equal(1, v.FileCount);
        Assert.Empty(v.Warnings);
    }

    [Fact]
    public void AppendManyWritesEveryRecordInOrderOnOneChainThatVerifies()
    {
        var log = Filled(3);
        log.AppendMany(Enumerable.Range(4, 40).Select(i => Entry(i)).ToList());
        log.Append(Entry(44));
        var events = log.Query().ToList();
        Assert.Equal(Enumerable.Range(1, 44).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 44).Select(i => $"/srv/share/file{i}.txt"), events.Select(e => e.FilePath));
        for (var i = 1; i < events.Count; i++) Assert.Equal(events[i - 1].Hash, events[i].PreviousHash);
        var v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Equal(44, v.LastSequence);
        Assert.Empty(v.Warnings);
    }

    [Fact]
    public void AppendManyMovesToNewFilesWithinOneBatchAndTheChainCrossesThem()
    {
        var log = Log(new AuditLogOptions { MaxFileBytes = 2000 });
        log.AppendMany(Enumerable.Range(1, 30).Select(i => Entry(i)).ToList());
        var v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Equal(30, v.RecordCount);
        Assert.True(v.FileCount > 3, $"{v.FileCount} file(s)");
        Assert.All(log.Files(), f => Assert.True(new FileInfo(f.Path).Length <= 2000, f.Path));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), log.Query().Select(e => e.Sequence));
    }

    [Fact]
    public void AnEmptyAppendManyWritesNothing()
    {
        var log = Log();
        log.AppendMany([]);
        Assert.False(Directory.Exists(LogDir) && Directory.EnumerateFiles(LogDir, "*.jsonl").Any());
    }

    [Fact]
    public void AnInvalidEntryRefusesTheWholeBatchBeforeAnythingIsWritten()
    {
        var log = Filled(2);
        var bad = Entry(4) with { Action = "" };
        Assert.Throws<InvalidAuditEntryException>(() => log.AppendMany([Entry(3), bad]));
        Assert.Equal(2, log.Verify().RecordCount);
    }

    [Fact]
    public void AHeadWhoseRenameWasLostAdoptsTheRecordsAfterIt()
    {
        var log = Filled(3);
        var oldHead = File.ReadAllBytes(log.HeadPath);
        log.AppendMany([Entry(4), Entry(5)]);
        File.WriteAllBytes(log.HeadPath, oldHead); // a crash lost the head's unsynced rename
        log.Append(Entry(6));
        var v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Equal(6, v.LastSequence);
        Assert.DoesNotContain(log.Query(), e => e.Action == AuditLog.ChainRecoveredAction);
    }

    [Fact]
    public void ReasonsWithLineBreaksStayOnOneLineAndLongOnesAreCut()
    {
        var log = Log();
        log.Append(Entry(1) with { Reason = "line one\nline two\r\n\"quoted\"" });
        log.Append(Entry(2) with { Reason = new string('r', 10_000) });
        Assert.Equal(2, ReadLines(FilePath()).Count);
        var events = log.Query().ToList();
        Assert.Equal("line one\nline two\r\n\"quoted\"", events[0].Reason);
        Assert.Equal(AuditLog.MaxReasonLength + 3, events[1].Reason!.Length);
        Assert.True(log.Verify().IsValid);
    }

    [Fact]
    public void QueryFiltersByTimeKeyPrincipalActionResultAndCommand()
    {
        var log = Filled(30);
        var start = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(30, log.Query().Count());
        Assert.Equal([10L, 11, 12, 13, 14], log.Query(new AuditQuery { From = start.AddMinutes(10), To = start.AddMinutes(15) }).Select(e => e.Sequence));
        Assert.All(log.Query(new AuditQuery { KeyId = "key-a" }), e => Assert.Equal(0, e.Sequence % 4));
        Assert.Equal(7, log.Query(new AuditQuery { KeyId = "key-a" }).Count());
        Assert.Equal(15, log.Query(new AuditQuery { Principal = "user:alice" }).Count());
        Assert.Equal(10, log.Query(new AuditQuery { Action = "kms:decrypt" }).Count());
        Assert.Equal(10, log.Query(new AuditQuery { Action = "kms:ReEncrypt*" }).Count());
        Assert.Equal([5L, 10, 15, 20, 25, 30], log.Query(new AuditQuery { Result = AuditResult.Denied }).Select(e => e.Sequence));
        Assert.Equal(10, log.Query(new AuditQuery { Command = "unprotect-encfile" }).Count());
        Assert.Equal([15L], log.Query(new AuditQuery { Result = AuditResult.Denied, Principal = "user:bob", Action = "kms:Decrypt" }).Select(e => e.Sequence));
        Assert.Empty(log.Query(new AuditQuery { Principal = "user:nobody" }));
    }

    [Fact]
    public void AnEmptyOrAbsentLogIsValid()
    {
        var v = Log().Verify();
        Assert.True(v.IsValid);
        Assert.Equal(0, v.RecordCount);
        Assert.Empty(Log().Query());
        Assert.False(Directory.Exists(LogDir));
    }

    [Fact]
    public void LogFilesAreReadableByTheOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        Filled(2);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath()));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(LogDir, AuditLog.HeadFileName)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(LogDir));
    }

    [Fact]
    public void EntriesAreValidated()
    {
        var log = Log();
        Assert.Throws<InvalidAuditEntryException>(() => log.Append(Entry(1) with { Principal = " " }));
        Assert.Throws<InvalidAuditEntryException>(() => log.Append(Entry(1) with { Action = "" }));
        Assert.Throws<InvalidAuditEntryException>(() => log.Append(Entry(1) with { FilePath = new string('p', AuditLog.MaxFieldLength + 1) }));
        Assert.Throws<InvalidAuditEntryException>(() => log.Append(Entry(1) with { Result = (AuditResult)9 }));
        var big = Enumerable.Range(0, AuditLog.MaxContextPairs + 1).ToDictionary(i => "k" + i, i => "v");
        Assert.Equal("InvalidAuditEntry", Assert.Throws<InvalidAuditEntryException>(() => log.Append(Entry(1) with { EncryptionContext = big })).ErrorId);
        Assert.Throws<ArgumentException>(() => new AuditLog(LogDir, new byte[8]));
        Assert.Empty(log.Query());
    }

    [Fact]
    public void RecordsNeverContainKeyMaterialOrPlaintext()
    {
        var keyMaterial = RandomNumberGenerator.GetBytes(32);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        const string plaintext = "Quarterly payroll, strictly confidential: 4242-SECRET";
        var log = Log();
        // What the store records around real operations with that key: decisions, failures, context and paths.
        var policy = KeyPolicy.Parse(KeyPolicies.Default("alice", "alice"));
        var caller = new CallerIdentity("mallory", 1666);
        var decision = AccessEvaluator.Evaluate(new AccessRequest
        {
            Caller = caller, Action = KmsActions.Decrypt, Key = new KeyArn("store1", "k1"), Policy = policy,
            EncryptionContext = new Dictionary<string, string> { ["dept"] = "hr" },
        });
        log.Append(new AuditEntry
        {
            Action = decision.Action, Result = AuditResult.Denied, Principal = decision.Principal, Command = "Unprotect-EncFile",
            KeyId = "k1", KeyVersion = "1", EncryptionContext = decision.EncryptionContext, FilePath = "/srv/payroll.xlsx.enc",
            Reason = decision.Reason, DecidedBy = decision.DecidedBy,
        });
        log.Append(new AuditEntry { Action = KmsActions.GenerateDataKey, Result = AuditResult.Succeeded, Principal = "user:alice", KeyId = "k1", KeyVersion = "1", FilePath = "/srv/payroll.xlsx" });
        log.Append(new AuditEntry { Action = KmsActions.ExportKeyMaterial, Result = AuditResult.Failed, Principal = "user:alice", KeyId = "k1", Reason = "The destination exists." });
        var everything = string.Concat(Directory.EnumerateFiles(LogDir).Select(File.ReadAllText));
        foreach (var secret in new[] { keyMaterial, dataKey, _key })
        {
            Assert.DoesNotContain(Convert.ToHexString(secret), everything, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(secret), everything, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(secret).TrimEnd('=').Replace('+', '-').Replace('/', '_'), everything, StringComparison.Ordinal);
            Assert.DoesNotContain(Encoding.Latin1.GetString(secret), everything, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("4242-SECRET", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(plaintext, everything, StringComparison.Ordinal);
        Assert.True(log.Verify().IsValid);
        // The entry type has no field that could carry bytes.
        Assert.DoesNotContain(typeof(AuditEntry).GetProperties(), p => p.PropertyType == typeof(byte[]) || p.PropertyType == typeof(ReadOnlyMemory<byte>));
    }

    // ------------------------------------------------------------------ tampering

    [Fact]
    public void AnEditedRecordIsDetected()
    {
        var log = Filled(6);
        EditLines(FilePath(), l => l[4] = l[4].Replace("\"result\":\"Denied\"", "\"result\":\"Allowed\"", StringComparison.Ordinal));
        var b = AssertBroken(log, AuditBreakKind.Edited, line: 5, sequence: 5, file: AuditLog.FileName(1));
        Assert.Contains("record 5 was edited", b.Message, StringComparison.Ordinal);
        Assert.False(log.Query(new AuditQuery { Result = AuditResult.Allowed }).Single().IsAuthentic);
    }

    [Fact]
    public void AnEditThatBreaksTheJsonIsDetected()
    {
        var log = Filled(4);
        EditLines(FilePath(), l => l[1] = l[1][..20]);
        AssertBroken(log, AuditBreakKind.Edited, line: 2, sequence: 2);
        Assert.Equal(3, log.Query().Count());
    }

    [Fact]
    public void AnEditedPrincipalOrContextIsDetected()
    {
        var log = Filled(4);
        EditLines(FilePath(), l => l[0] = l[0].Replace("\"user:bob\"", "\"user:eve\"", StringComparison.Ordinal));
        AssertBroken(log, AuditBreakKind.Edited, line: 1, sequence: 1);
        EditLines(FilePath(), l => l[0] = l[0].Replace("\"user:eve\"", "\"user:bob\"", StringComparison.Ordinal));
        Assert.True(log.Verify().IsValid);
        EditLines(FilePath(), l => l[2] = l[2].Replace("\"dept\":\"it\"", "\"dept\":\"hr\"", StringComparison.Ordinal));
        AssertBroken(log, AuditBreakKind.Edited, line: 3, sequence: 3);
    }

    [Fact]
    public void ADeletedRecordIsDetected()
    {
        var log = Filled(6);
        EditLines(FilePath(), l => l.RemoveAt(2));
        var b = AssertBroken(log, AuditBreakKind.Deleted, line: 3, sequence: 4);
        Assert.Contains("record 3 is missing", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralDeletedRecordsAreDetected()
    {
        var log = Filled(8);
        EditLines(FilePath(), l => l.RemoveRange(2, 3));
        var b = AssertBroken(log, AuditBreakKind.Deleted, line: 3, sequence: 6);
        Assert.Contains("records 3 to 5 are missing", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADeletedFirstRecordIsDetected()
    {
        var log = Filled(3);
        EditLines(FilePath(), l => l.RemoveAt(0));
        AssertBroken(log, AuditBreakKind.Deleted, line: 1, sequence: 2);
    }

    [Fact]
    public void ReorderedRecordsAreDetected()
    {
        var log = Filled(6);
        EditLines(FilePath(), l => (l[2], l[3]) = (l[3], l[2]));
        var b = AssertBroken(log, AuditBreakKind.Reordered, line: 3, sequence: 4);
        Assert.Contains("record 4 comes before record 3", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AForgedRecordInsertedIsDetected()
    {
        var log = Filled(5);
        EditLines(FilePath(), l => l.Insert(2, l[1].Replace("\"user:alice\"", "\"user:eve\"", StringComparison.Ordinal).Replace("\"seq\":2", "\"seq\":3", StringComparison.Ordinal)));
        var b = AssertBroken(log, AuditBreakKind.Inserted, line: 3);
        Assert.Contains("inserted before record 3", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACopiedRecordInsertedIsDetected()
    {
        var log = Filled(5);
        EditLines(FilePath(), l => l.Insert(4, l[1]));
        var b = AssertBroken(log, AuditBreakKind.Inserted, line: 5, sequence: 2);
        Assert.Contains("record 2 appears again", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInsertedBlankOrGarbageLineIsDetected()
    {
        var log = Filled(3);
        EditLines(FilePath(), l => l.Insert(1, ""));
        AssertBroken(log, AuditBreakKind.Inserted, line: 2);
        EditLines(FilePath(), l => l[1] = "{\"seq\":2,\"note\":\"nothing happened\"}");
        AssertBroken(log, AuditBreakKind.Inserted, line: 2);
    }

    [Fact]
    public void TruncatingTheLastRecordIsDetected()
    {
        var log = Filled(6);
        EditLines(FilePath(), l => l.RemoveAt(5));
        var b = AssertBroken(log, AuditBreakKind.TruncatedTail, sequence: 6);
        Assert.Contains("ends at record 5 but the head acknowledges record 6", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatingSeveralRecordsOrAllOfThemIsDetected()
    {
        var log = Filled(6);
        EditLines(FilePath(), l => l.RemoveRange(3, 3));
        AssertBroken(log, AuditBreakKind.TruncatedTail, sequence: 4);
        File.WriteAllText(FilePath(), "");
        var b = AssertBroken(log, AuditBreakKind.TruncatedTail, sequence: 1);
        Assert.Contains("no records but the head acknowledges 6", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CuttingTheLastRecordShortIsDetected()
    {
        var log = Filled(4);
        var bytes = File.ReadAllBytes(FilePath());
        File.WriteAllBytes(FilePath(), bytes[..^40]);
        AssertBroken(log, AuditBreakKind.TruncatedTail, line: 4, sequence: 4);
    }

    [Fact]
    public void TamperingWithTheHeadIsDetected()
    {
        var log = Filled(4);
        var headPath = Path.Combine(LogDir, AuditLog.HeadFileName);
        var head = File.ReadAllText(headPath);
        File.WriteAllText(headPath, head.Replace("\"seq\":4", "\"seq\":3", StringComparison.Ordinal));
        var b = AssertBroken(log, AuditBreakKind.HeadTampered);
        Assert.Contains("HMAC does not verify", b.Message, StringComparison.Ordinal);
        File.WriteAllText(headPath, "{ not json");
        Assert.Contains("unreadable", AssertBroken(log, AuditBreakKind.HeadTampered).Message, StringComparison.Ordinal);
        File.Delete(headPath);
        AssertBroken(log, AuditBreakKind.HeadMissing);
        File.WriteAllText(headPath, head);
        Assert.True(log.Verify().IsValid);
    }

    [Fact]
    public void AHeadFromAnotherKeyDoesNotVerify()
    {
        var log = Filled(2);
        var otherDir = _dir.File("other");
        var other = new AuditLog(otherDir, RandomNumberGenerator.GetBytes(32));
        other.Append(Entry(1));
        other.Append(Entry(2));
        File.Copy(Path.Combine(otherDir, AuditLog.HeadFileName), Path.Combine(LogDir, AuditLog.HeadFileName), overwrite: true);
        AssertBroken(log, AuditBreakKind.HeadTampered);
    }

    [Fact]
    public void ALogRewrittenWholeWithoutTheKeyIsDetected()
    {
        // An attacker recomputes every hash of a shortened chain, but cannot compute the HMACs.
        var log = Filled(3);
        var forger = new AuditLog(_dir.File("forged"), RandomNumberGenerator.GetBytes(32));
        forger.Append(Entry(1));
        forger.Append(Entry(2));
        File.Copy(Path.Combine(_dir.File("forged"), AuditLog.FileName(1)), FilePath(), overwrite: true);
        AssertBroken(log, AuditBreakKind.Edited, line: 1, sequence: 1);
    }

    [Fact]
    public void VerifyingWithTheWrongKeyFailsAtTheFirstRecord() =>
        AssertBroken(new AuditLog(Filled(3).Directory, RandomNumberGenerator.GetBytes(32)), AuditBreakKind.Edited, line: 1, sequence: 1);

    // ------------------------------------------------------------------ rotation

    [Fact]
    public void RotationKeepsTheChainAcrossFiles()
    {
        var log = Filled(40, new AuditLogOptions { MaxFileBytes = 2048 });
        var files = log.Files();
        Assert.True(files.Count >= 4, $"only {files.Count} files");
        Assert.Equal(Enumerable.Range(1, files.Count).Select(i => (long)i), files.Select(f => f.Number));
        Assert.All(files, f => Assert.True(new FileInfo(f.Path).Length <= 2048));
        var events = log.Query().ToList();
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), events.Select(e => e.Sequence));
        for (var i = 1; i < events.Count; i++)
        {
            Assert.Equal(events[i - 1].Hash, events[i].PreviousHash);
            if (events[i].LogFile != events[i - 1].LogFile) Assert.Equal(1, events[i].Line);
        }
        var v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Equal(files.Count, v.FileCount);
        Assert.Equal(40, v.RecordCount);
    }

    [Fact]
    public void SwappedFilesAreDetected()
    {
        var log = Filled(30, new AuditLogOptions { MaxFileBytes = 2048 });
        var (two, three) = (FilePath(2), FilePath(3));
        File.Move(two, two + ".tmp");
        File.Move(three, two);
        File.Move(two + ".tmp", three);
        var b = AssertBroken(log, AuditBreakKind.Reordered, line: 1, file: AuditLog.FileName(2));
        Assert.Contains("out of order", b.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADeletedMiddleFileIsDetected()
    {
        var log = Filled(30, new AuditLogOptions { MaxFileBytes = 2048 });
        File.Delete(FilePath(2));
        AssertBroken(log, AuditBreakKind.Deleted, line: 1, file: AuditLog.FileName(3));
    }

    [Fact]
    public void ADeletedLastFileIsDetected()
    {
        var log = Filled(30, new AuditLogOptions { MaxFileBytes = 2048 });
        File.Delete(log.Files()[^1].Path);
        AssertBroken(log, AuditBreakKind.TruncatedTail);
    }

    [Fact]
    public void ADeletedFirstFileIsDetected()
    {
        var log = Filled(30, new AuditLogOptions { MaxFileBytes = 2048 });
        File.Delete(FilePath(1));
        AssertBroken(log, AuditBreakKind.Deleted, line: 1, file: AuditLog.FileName(2));
    }

    // ------------------------------------------------------------------ concurrency and crashes

    [Fact]
    public void ConcurrentAppendersKeepTheChainValid()
    {
        const int threads = 4, each = 30;
        var options = new AuditLogOptions { MaxFileBytes = 8192 };
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var log = new AuditLog(LogDir, _key, options); // one instance per thread, as separate processes would have
            for (var i = 0; i < each; i++) log.Append(Entry(t * 1000 + i) with { Principal = $"user:t{t}" });
        });
        var v = Log(options).Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Equal(threads * each, v.RecordCount);
        var events = Log().Query().ToList();
        Assert.Equal(Enumerable.Range(1, threads * each).Select(i => (long)i), events.Select(e => e.Sequence));
        for (var t = 0; t < threads; t++) Assert.Equal(each, events.Count(e => e.Principal == $"user:t{t}"));
    }

    [Fact]
    public void AnAppendWaitsForTheLockAndGivesUpAfterTheTimeout()
    {
        var log = Log(new AuditLogOptions { LockTimeout = TimeSpan.FromMilliseconds(300) });
        log.Append(Entry(1));
        using (new FileStream(Path.Combine(LogDir, AuditLog.LockFileName), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            var ex = Assert.Throws<AuditLogLockedException>(() => log.Append(Entry(2)));
            Assert.Equal("AuditLogLocked", ex.ErrorId);
        }
        log.Append(Entry(2));
        Assert.Equal(2, log.Verify().RecordCount);
    }

    [Fact]
    public void AnAppendInterruptedBeforeTheHeadMovedIsAdoptedByTheNextOne()
    {
        var log = Filled(3);
        var headPath = Path.Combine(LogDir, AuditLog.HeadFileName);
        var oldHead = File.ReadAllBytes(headPath);
        log.Append(Entry(4));
        File.WriteAllBytes(headPath, oldHead); // as if the process died after writing record 4 but before moving the head
        var v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Contains(v.Warnings, w => w.Contains("1 record(s) after the head", StringComparison.Ordinal));
        var fifth = log.Append(Entry(5));
        Assert.Equal(5, fifth.Sequence);
        v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Empty(v.Warnings);
        Assert.Equal(5, v.RecordCount);
    }

    [Fact]
    public void AnAppendKilledMidWriteIsCleanedUpByTheNextOne()
    {
        var log = Filled(3);
        File.AppendAllText(FilePath(), "{\"seq\":4,\"time\":\"2025-");
        var v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Contains(v.Warnings, w => w.Contains("incomplete last record", StringComparison.Ordinal));
        Assert.Equal(3, log.Query().Count());
        log.Append(Entry(4));
        v = log.Verify();
        Assert.True(v.IsValid, v.ToString());
        Assert.Empty(v.Warnings);
        Assert.Equal(4, ReadLines(FilePath()).Count);
    }

    [Fact]
    public void GarbageAppendedByAnAttackerStaysDetectedAfterLaterAppends()
    {
        var log = Filled(3);
        File.AppendAllText(FilePath(), "{\"seq\":4,\"action\":\"kms:Decrypt\",\"result\":\"Succeeded\"}\n");
        AssertBroken(log, AuditBreakKind.Inserted, line: 4);
        log.Append(Entry(4));
        var b = AssertBroken(log, AuditBreakKind.Inserted, line: 4);
        Assert.Contains("before record 4", b.Message, StringComparison.Ordinal);
        Assert.Equal(4, log.Query().Count(e => e.IsAuthentic));
    }

    [Fact]
    public void ALostHeadStaysReportedAsTamperingAfterTheNextAppend()
    {
        var log = Filled(3);
        File.Delete(Path.Combine(LogDir, AuditLog.HeadFileName));
        var appended = log.Append(Entry(4) with { Principal = "user:carol" });
        Assert.Equal(5, appended.Sequence);
        var marker = log.Query(new AuditQuery { Action = AuditLog.TamperingDetectedAction }).Single();
        Assert.Equal(4, marker.Sequence);
        Assert.Equal("user:carol", marker.Principal);
        Assert.StartsWith("HeadMissing: the audit head was missing", marker.Reason, StringComparison.Ordinal);
        var b = AssertBroken(log, AuditBreakKind.HeadMissing, sequence: 4);
        Assert.Equal("AuditLogHeadMissing", b.ErrorId);
        log.Append(Entry(5));
        AssertBroken(log, AuditBreakKind.HeadMissing, sequence: 4);
    }

    [Fact]
    public void CuttingTheTailAndDeletingTheHeadIsStillReportedAfterTheNextAppend()
    {
        var log = Filled(6);
        EditLines(FilePath(), lines => lines.RemoveRange(4, 2));
        File.Delete(Path.Combine(LogDir, AuditLog.HeadFileName));
        AssertBroken(log, AuditBreakKind.HeadMissing);
        log.Append(Entry(7));
        AssertBroken(log, AuditBreakKind.HeadMissing, sequence: 5);
        log.Append(Entry(8));
        Assert.False(log.Verify().IsValid);
    }

    [Fact]
    public void AForgedHeadIsReplacedAndStaysReportedAsTampering()
    {
        var log = Filled(3);
        File.WriteAllText(Path.Combine(LogDir, AuditLog.HeadFileName), "{\"version\":1,\"file\":1,\"length\":0,\"lines\":0,\"seq\":0,\"hash\":\"x\",\"mac\":\"00\"}");
        log.Append(Entry(4));
        var b = AssertBroken(log, AuditBreakKind.HeadTampered, sequence: 4);
        Assert.Contains("not authentic", b.Message, StringComparison.Ordinal);
        Assert.Equal(5, log.Query().Last().Sequence);
    }

    [Fact]
    public void TheStoresAnchorDetectsADeletedOrEmptiedLog()
    {
        var log = Filled(5);
        var anchor = log.AppendMany([Entry(6)])!;
        Assert.Equal(6, anchor.Sequence);
        log.Anchor = () => anchor;
        Assert.True(log.Verify().IsValid);

        File.WriteAllBytes(FilePath(), []);
        File.Delete(Path.Combine(LogDir, AuditLog.HeadFileName));
        var b = AssertBroken(log, AuditBreakKind.LogMissing);
        Assert.Equal("AuditLogMissing", b.ErrorId);

        Directory.Delete(LogDir, recursive: true);
        AssertBroken(log, AuditBreakKind.LogMissing);
        var next = log.Append(Entry(7));
        Assert.Equal(8, next.Sequence); // the chain goes on from the anchor: it never restarts at 1
        Assert.False(log.Verify().IsValid);
        Assert.StartsWith("LogMissing:", log.Query().Single(e => e.Action == AuditLog.TamperingDetectedAction).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TheStoresAnchorDetectsRecordsCutBelowIt()
    {
        var log = Filled(6);
        var anchor = new AuditAnchor(6, log.Query().Last().Hash);
        log.Anchor = () => anchor;
        EditLines(FilePath(), lines => lines.RemoveRange(3, 3));
        File.Delete(Path.Combine(LogDir, AuditLog.HeadFileName));
        var b = AssertBroken(log, AuditBreakKind.TruncatedTail, sequence: 4);
        Assert.Contains("the key store proves it reached record 6", b.Message, StringComparison.Ordinal);
        log.Append(Entry(7));
        Assert.False(log.Verify().IsValid);
        Assert.Equal(8, log.Query().Last().Sequence);
    }

    [Fact]
    public void ALogReplacedUnderTheSameKeyDoesNotMatchTheAnchor()
    {
        var log = Filled(4);
        var anchor = new AuditAnchor(4, log.Query().Last().Hash);
        Directory.Delete(LogDir, recursive: true);
        var other = Log();
        for (var i = 11; i <= 14; i++) other.Append(Entry(i)); // another chain of four authentic records
        other.Anchor = () => anchor;
        AssertBroken(other, AuditBreakKind.AnchorMismatch, sequence: 4);
    }
}
