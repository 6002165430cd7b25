using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Streaming;

namespace EncryptionTools.Tests.Files;

public class GlobPatternTests
{
    [Theory]
    [InlineData("*.enc", "a.enc", true)]
    [InlineData("*.enc", "deep/dir/a.enc", true)]      // no '/': matches the name at any depth
    [InlineData("*.enc", "a.enc.bak", false)]
    [InlineData("?.txt", "a.txt", true)]
    [InlineData("?.txt", "ab.txt", false)]
    [InlineData("[ab].txt", "b.txt", true)]
    [InlineData("[!ab].txt", "b.txt", false)]
    [InlineData("[!ab].txt", "c.txt", true)]
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("docs/*.md", "docs/a.md", true)]
    [InlineData("docs/*.md", "docs/sub/a.md", false)]   // '*' stops at '/'
    [InlineData("docs/**/*.md", "docs/a.md", true)]     // '**/' is zero or more directories
    [InlineData("docs/**/*.md", "docs/x/y/a.md", true)]
    [InlineData("**/*.md", "a.md", true)]
    [InlineData("**/*.md", "x/a.md", true)]
    [InlineData("build/**", "build", true)]
    [InlineData("build/**", "build/a/b", true)]
    [InlineData("build/**", "builder/a", false)]
    [InlineData("/top.txt", "top.txt", true)]
    [InlineData("./top/x", "top/x", true)]
    [InlineData("a+b(1).txt", "a+b(1).txt", true)]     // regex characters are literal
    [InlineData("node_modules", "x/node_modules", true)]
    public void Matches_like_gitignore(string pattern, string path, bool expected) =>
        Assert.Equal(expected, new GlobPattern(pattern).IsMatch(path));
}

public sealed class FileScannerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _key = new("scan-key");

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    private string Put(string relative, byte[] content)
    {
        var path = Path.Combine(_dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string PutEncrypted(string relative, int size, int reserve = 0, bool signed = false)
    {
        var path = Path.Combine(_dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var output = File.Create(path);
        MessageEncryptor.Encrypt(new MemoryStream(FilesSupport.Random(size)), output, [_key.Keyring], new EncryptOptions
        {
            HeaderReserve = reserve,
            Suite = signed ? EncryptionTools.Engine.Format.AlgorithmSuite.CommitKeyEcdsaP384 : EncryptionTools.Engine.Format.AlgorithmSuite.CommitKey,
            EncryptionContext = new Dictionary<string, string> { ["owner"] = relative },
        });
        return path;
    }

    [Fact]
    public void Classifies_every_kind_of_file()
    {
        PutEncrypted("v2.enc", 1000);
        PutEncrypted("signed.enc", 10, signed: true);
        var v1 = EncryptionTools.Tests.Compliance.HandHeaders.Version1();
        v1[3] = 0x78; v1[2] = 0x03;
        Put("v1.enc", v1);
        Put("noncommitting.bin", EncryptionTools.Tests.Compliance.HandHeaders.NonCommittingV2());
        Put("empty", []);
        Put("text.txt", "hello"u8.ToArray());
        Put("two-bytes", [0x02, 0x04]);
        var truncated = File.ReadAllBytes(PutEncrypted("whole.enc", 10));
        Put("truncated.enc", truncated[..60]);

        var entries = FileScanner.Scan(new ScanRequest { Roots = [_dir.Path] }).ToDictionary(e => e.RelativePath);

        Assert.Equal(MessageKind.Committing, entries["v2.enc"].Kind);
        Assert.Equal((ushort)0x0478, entries["v2.enc"].SuiteId);
        Assert.Equal("v2.enc", entries["v2.enc"].Header!.EncryptionContext["owner"]);
        Assert.Equal([_key.Identity], entries["v2.enc"].Keys);
        Assert.Equal(MessageKind.Committing, entries["signed.enc"].Kind);
        Assert.Equal((ushort)0x0578, entries["signed.enc"].SuiteId);
        Assert.Equal(MessageKind.EsdkV1, entries["v1.enc"].Kind);
        Assert.Equal("AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384", entries["v1.enc"].SuiteName);
        Assert.Equal(MessageKind.NonCommitting, entries["noncommitting.bin"].Kind);
        Assert.Equal(MessageKind.NotAMessage, entries["empty"].Kind);
        Assert.Equal(MessageKind.NotAMessage, entries["text.txt"].Kind);
        Assert.Equal(MessageKind.NotAMessage, entries["two-bytes"].Kind);
        Assert.Equal(MessageKind.Malformed, entries["truncated.enc"].Kind);
        Assert.NotNull(entries["truncated.enc"].Sniff.Detail);
        Assert.Equal(9, entries.Count);
    }

    [Fact]
    public void Headers_longer_than_the_first_read_are_read_whole()
    {
        var path = PutEncrypted("big-header.enc", 10, reserve: 3 * MessageSniffer.PrefixBytes);
        var entry = Assert.Single(FileScanner.Scan(new ScanRequest { Roots = [_dir.Path] }));
        Assert.Equal(MessageKind.Committing, entry.Kind);
        Assert.Equal(FileCrypto.ReadHeader(path).TotalLength, entry.Header!.TotalLength);
        Assert.Equal([_key.Identity], entry.Keys);
    }

    [Fact]
    public void Include_and_exclude_globs_and_pruned_directories()
    {
        PutEncrypted("a.enc", 10);
        PutEncrypted("sub/b.enc", 10);
        PutEncrypted("node_modules/c.enc", 10);
        PutEncrypted("build/out/d.enc", 10);
        Put("sub/readme.md", [1]);
        Put(".hidden.enc", [1]);
        Put(".x.enc" + AtomicFile.TempSuffix, [1]);
        Put(".x.enc" + HeaderRewrap.JournalSuffix, [1]);

        string[] Scan(ScanRequest r) => FileScanner.Scan(r).Select(e => e.RelativePath).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal([".hidden.enc", "a.enc", "build/out/d.enc", "node_modules/c.enc", "sub/b.enc", "sub/readme.md"],
            Scan(new ScanRequest { Roots = [_dir.Path] }));
        Assert.Equal([".hidden.enc", "a.enc", "sub/b.enc"],
            Scan(new ScanRequest { Roots = [_dir.Path], Include = ["*.enc"], Exclude = ["node_modules", "build/**"] }));
        Assert.Equal(["sub/b.enc"], Scan(new ScanRequest { Roots = [_dir.Path], Include = ["sub/*.enc"] }));
        Assert.Equal([".hidden.enc", "a.enc"], Scan(new ScanRequest { Roots = [_dir.Path], Recurse = false }));
        Assert.Contains(".x.enc" + HeaderRewrap.JournalSuffix, Scan(new ScanRequest { Roots = [_dir.Path], IncludeEngineTemporaries = true }));
        Assert.Equal(["a.enc"], Scan(new ScanRequest { Roots = [Path.Combine(_dir.Path, "a.enc")] })); // a file root
    }

    [Fact]
    public void Many_files_in_parallel_keep_enumeration_order_and_classification()
    {
        for (var i = 0; i < 5000; i++)
        {
            if (i % 10 == 0) PutEncrypted($"d{i % 7}/f{i:D5}.enc", 5);
            else Put($"d{i % 7}/f{i:D5}.txt", [(byte)i]);
        }
        var sequential = FileScanner.Scan(new ScanRequest { Roots = [_dir.Path], MaxDegreeOfParallelism = 1 }).ToList();
        var parallel = FileScanner.Scan(new ScanRequest { Roots = [_dir.Path], MaxDegreeOfParallelism = 4 }).ToList();
        Assert.Equal(5000, parallel.Count);
        Assert.Equal(sequential.Select(e => (e.Path, e.Kind)), parallel.Select(e => (e.Path, e.Kind)));
        Assert.Equal(500, parallel.Count(e => e.Kind == MessageKind.Committing));
    }

    [Fact]
    public void A_missing_root_is_a_typed_error_and_an_unreadable_file_is_classified()
    {
        var ex = Assert.Throws<EncryptionToolsException>(() => FileScanner.Scan(new ScanRequest { Roots = [_dir.File("nope")] }).ToList());
        Assert.Equal("SourceNotFound", ex.ErrorId);
        Assert.Equal(MessageKind.Unreadable, MessageSniffer.SniffFile(_dir.File("nope")).Kind);
    }

    [Fact]
    public void Cancellation_stops_a_scan()
    {
        for (var i = 0; i < 3000; i++) Put($"f{i}", [1]);
        using var cts = new CancellationTokenSource();
        var count = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var _ in FileScanner.Scan(new ScanRequest { Roots = [_dir.Path] }, cts.Token))
            {
                if (++count == 10) cts.Cancel();
            }
        });
        Assert.True(count < 3000);
    }
}
