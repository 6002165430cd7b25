using System.Security.Cryptography;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Tests.Files;

public sealed class FileProtectorTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _key = new("key-a");
    private readonly TestKey _other = new("key-b");

    public void Dispose()
    {
        _key.Dispose();
        _other.Dispose();
        _dir.Dispose();
    }

    private ProtectRequest Protect(Func<ProtectRequest, ProtectRequest>? with = null)
    {
        var r = new ProtectRequest { Keyrings = [_key.Keyring], EncryptionContext = new Dictionary<string, string> { ["dept"] = "hr" }, FrameLength = 4096 };
        return with is null ? r : with(r);
    }

    private UnprotectRequest Unprotect(Func<UnprotectRequest, UnprotectRequest>? with = null)
    {
        var r = new UnprotectRequest { Keyrings = [_key.Keyring] };
        return with is null ? r : with(r);
    }

    private static FileOperationResult Ok(FileOutcome outcome)
    {
        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        return outcome.Result!;
    }

    private static T Failed<T>(FileOutcome outcome) where T : EncryptionToolsException
    {
        Assert.False(outcome.Succeeded);
        Assert.Null(outcome.Result);
        return Assert.IsType<T>(outcome.Error);
    }

    // ------------------------------------------------------------------ destinations

    [Fact]
    public void Encrypts_beside_the_source_with_the_default_suffix_and_reports_everything()
    {
        var plain = FilesSupport.Random(10_000);
        var src = _dir.Write("report.txt", plain);

        var result = Ok(Assert.Single(FileProtector.Protect([src], Protect())));

        Assert.Equal(".enc", FileProtector.DefaultSuffix);
        Assert.Equal(src, result.Source);
        Assert.Equal(src + ".enc", result.Destination);
        Assert.Equal(FileAction.Encrypted, result.Action);
        Assert.False(result.InPlace);
        Assert.Equal([_key.Identity], result.Keys);
        Assert.Equal("hr", result.EncryptionContext["dept"]);
        Assert.Equal(10_000, result.BytesIn);
        Assert.Equal(new FileInfo(src + ".enc").Length, result.BytesOut);
        Assert.Equal(4096, result.FrameLength);
        Assert.Equal(0, result.HeaderReserve); // small file: no reserve by default
        Assert.Equal("AES_256_GCM_HKDF_SHA512_COMMIT_KEY", result.AlgorithmSuite);
        Assert.Equal(plain, File.ReadAllBytes(src)); // the source stays
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(src + ".enc", [_key.Keyring]));
    }

    [Fact]
    public void Large_files_get_the_default_header_reserve_and_an_explicit_reserve_wins()
    {
        var src = FilesSupport.WriteRandom(_dir.File("big.bin"), HeaderReserve.Threshold);
        Assert.Equal(HeaderReserve.DefaultBytes, Ok(Assert.Single(FileProtector.Protect([src], Protect()))).HeaderReserve);
        Assert.Equal(HeaderReserve.DefaultBytes, EncryptionTools.Engine.Inspection.EncryptedFileInfo.Read(src + ".enc").HeaderReserve);
        var small = _dir.Write("small.bin", FilesSupport.Random(10));
        Assert.Equal(300, Ok(Assert.Single(FileProtector.Protect([small], Protect(r => r with { HeaderReserve = 300 })))).HeaderReserve);
    }

    [Fact]
    public void Decrypts_to_the_name_without_the_suffix_and_never_overwrites_without_Force()
    {
        var plain = FilesSupport.Random(5000);
        var src = _dir.Write("a.txt", plain);
        Ok(Assert.Single(FileProtector.Protect([src], Protect())));

        var exists = Failed<DestinationExistsException>(Assert.Single(FileProtector.Unprotect([src + ".enc"], Unprotect())));
        Assert.Equal("DestinationExists", exists.ErrorId);
        Assert.Equal(plain, File.ReadAllBytes(src));

        File.WriteAllText(src, "something else");
        var result = Ok(Assert.Single(FileProtector.Unprotect([src + ".enc"], Unprotect(r => r with { Force = true }))));
        Assert.Equal(FileAction.Decrypted, result.Action);
        Assert.Equal(src, result.Destination);
        Assert.Equal([_key.Identity], result.Keys);
        Assert.Equal("hr", result.EncryptionContext["dept"]);
        Assert.Equal(5000, result.BytesOut);
        Assert.Equal(plain, File.ReadAllBytes(src));
        Assert.Equal(["a.txt", "a.txt.enc"], FilesSupport.Listing(_dir.Path));
    }

    [Fact]
    public void Existing_encryption_destination_needs_Force()
    {
        var src = _dir.Write("a.txt", FilesSupport.Random(100));
        File.WriteAllText(src + ".enc", "precious");
        Failed<DestinationExistsException>(Assert.Single(FileProtector.Protect([src], Protect())));
        Assert.Equal("precious", File.ReadAllText(src + ".enc"));
        Ok(Assert.Single(FileProtector.Protect([src], Protect(r => r with { Force = true }))));
        Assert.Equal(File.ReadAllBytes(src), FilesSupport.DecryptFileToBytes(src + ".enc", [_key.Keyring]));
    }

    [Fact]
    public void Custom_suffix_both_ways()
    {
        var plain = FilesSupport.Random(100);
        var src = _dir.Write("a.txt", plain);
        Ok(Assert.Single(FileProtector.Protect([src], Protect(r => r with { Suffix = ".sealed" }))));
        File.Delete(src);
        var result = Ok(Assert.Single(FileProtector.Unprotect([src + ".sealed"], Unprotect(r => r with { Suffix = ".sealed" }))));
        Assert.Equal(src, result.Destination);
        Assert.Equal(plain, File.ReadAllBytes(src));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a/b")]
    public void Unusable_suffixes_are_refused_up_front(string suffix)
    {
        var src = _dir.Write("a.txt", [1]);
        Assert.Throws<InvalidDestinationException>(() => FileProtector.Protect([src], Protect(r => r with { Suffix = suffix })));
    }

    [Fact]
    public void Destination_file_and_destination_directory()
    {
        var plain = FilesSupport.Random(100);
        var src = _dir.Write("a.txt", plain);
        var file = Ok(Assert.Single(FileProtector.Protect([src], Protect(r => r with { Destination = _dir.File("named.bin") }))));
        Assert.Equal(_dir.File("named.bin"), file.Destination);

        Directory.CreateDirectory(_dir.File("out"));
        var intoDir = Ok(Assert.Single(FileProtector.Protect([src], Protect(r => r with { Destination = _dir.File("out") }))));
        Assert.Equal(Path.Combine(_dir.File("out"), "a.txt.enc"), intoDir.Destination);

        // A trailing separator means a directory, created on demand.
        var created = Ok(Assert.Single(FileProtector.Protect([src], Protect(r => r with { Destination = _dir.File("new") + "/" }))));
        Assert.Equal(Path.Combine(_dir.File("new"), "a.txt.enc"), created.Destination);

        // Decrypting into a directory keeps a name that lacks the suffix.
        var back = Ok(Assert.Single(FileProtector.Unprotect([_dir.File("named.bin")], Unprotect(r => r with { Destination = _dir.File("out") }))));
        Assert.Equal(Path.Combine(_dir.File("out"), "named.bin"), back.Destination);
        Assert.Equal(plain, File.ReadAllBytes(back.Destination!));
    }

    [Fact]
    public void Several_inputs_to_one_file_is_refused_up_front()
    {
        var a = _dir.Write("a", [1]);
        var b = _dir.Write("b", [2]);
        var dest = _dir.Write("dest", [3]);
        Assert.Throws<InvalidDestinationException>(() => FileProtector.Protect([a, b], Protect(r => r with { Destination = dest })));
        Assert.Equal([3], File.ReadAllBytes(dest));
    }

    [Fact]
    public void InPlace_with_a_Destination_is_refused_up_front()
    {
        var a = _dir.Write("a", [1]);
        var ex = Assert.Throws<InvalidDestinationException>(() => FileProtector.Protect([a], Protect(r => r with { InPlace = true, Destination = _dir.File("x") })));
        Assert.Equal("InvalidDestination", ex.ErrorId);
    }

    [Fact]
    public void Recursion_keeps_the_tree_under_the_destination_and_decrypts_back()
    {
        var tree = _dir.File("tree");
        var files = new Dictionary<string, byte[]>
        {
            ["top.txt"] = FilesSupport.Random(10),
            ["a/one.bin"] = FilesSupport.Random(5000),
            ["a/b/two.bin"] = FilesSupport.Random(0),
            ["c/three"] = FilesSupport.Random(70_000),
        };
        foreach (var (rel, content) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(tree, rel))!);
            File.WriteAllBytes(Path.Combine(tree, rel), content);
        }
        var encrypted = _dir.File("encrypted");

        var outcomes = FileProtector.Protect([tree], Protect(r => r with { Recurse = true, Destination = encrypted })).ToList();

        Assert.All(outcomes, o => Ok(o));
        Assert.Equal(files.Keys.Select(k => k + ".enc").Order(StringComparer.Ordinal),
            FilesSupport.Listing(encrypted).Where(p => File.Exists(Path.Combine(encrypted, p))));

        var restored = _dir.File("restored");
        var back = FileProtector.Unprotect([encrypted], Unprotect(r => r with { Recurse = true, Destination = restored })).ToList();
        Assert.All(back, o => Assert.Equal(FileAction.Decrypted, Ok(o).Action));
        foreach (var (rel, content) in files) Assert.Equal(content, File.ReadAllBytes(Path.Combine(restored, rel)));
    }

    [Fact]
    public void Recursion_beside_the_sources_skips_what_is_already_encrypted()
    {
        var tree = _dir.File("tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        File.WriteAllBytes(Path.Combine(tree, "x.txt"), FilesSupport.Random(10));
        File.WriteAllBytes(Path.Combine(tree, "sub", "y.txt"), FilesSupport.Random(10));

        var first = FileProtector.Protect([tree], Protect(r => r with { Recurse = true })).ToList();
        Assert.Equal(2, first.Count(o => Ok(o).Action == FileAction.Encrypted));

        // A second run meets the .enc files it wrote: skipped with a warning; the .txt files: destination exists.
        var second = FileProtector.Protect([tree], Protect(r => r with { Recurse = true })).ToList();
        Assert.Equal(4, second.Count);
        var skipped = second.Where(o => o.Succeeded && o.Result!.Action == FileAction.Skipped).ToList();
        Assert.Equal(2, skipped.Count);
        Assert.All(skipped, o => Assert.Contains("already an encrypted message", o.Result!.Warning));
        Assert.Equal(2, second.Count(o => o.Error is DestinationExistsException));
    }

    [Fact]
    public void Recursive_decryption_beside_the_sources_skips_files_that_are_not_messages()
    {
        var tree = _dir.File("tree");
        Directory.CreateDirectory(tree);
        var plain = FilesSupport.Random(100);
        File.WriteAllBytes(Path.Combine(tree, "x"), plain);
        Ok(Assert.Single(FileProtector.Protect([Path.Combine(tree, "x")], Protect())));
        File.Delete(Path.Combine(tree, "x"));
        File.WriteAllText(Path.Combine(tree, "readme.md"), "plain text");

        var outcomes = FileProtector.Unprotect([tree], Unprotect(r => r with { Recurse = true })).ToList();

        Assert.Equal(FileAction.Skipped, Ok(outcomes.Single(o => o.Source.EndsWith("readme.md"))).Action);
        Assert.Equal(FileAction.Decrypted, Ok(outcomes.Single(o => o.Source.EndsWith("x.enc"))).Action);
        Assert.Equal(plain, File.ReadAllBytes(Path.Combine(tree, "x")));
    }

    [Fact]
    public void Explicit_decryption_of_a_name_without_the_suffix_needs_a_destination()
    {
        var src = _dir.Write("a", FilesSupport.Random(10));
        Ok(Assert.Single(FileProtector.Protect([src], Protect(r => r with { Destination = _dir.File("cipher.bin") }))));
        var error = Failed<InvalidDestinationException>(Assert.Single(FileProtector.Unprotect([_dir.File("cipher.bin")], Unprotect())));
        Assert.Contains(".enc", error.Message);
    }

    [Fact]
    public void Destination_inside_the_tree_being_encrypted_is_not_encrypted_again()
    {
        var tree = _dir.File("tree");
        Directory.CreateDirectory(Path.Combine(tree, "out"));
        File.WriteAllBytes(Path.Combine(tree, "a"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(tree, "out", "old"), [4]);
        var outcomes = FileProtector.Protect([tree], Protect(r => r with { Recurse = true, Destination = Path.Combine(tree, "out") })).ToList();
        Assert.Equal(Path.Combine(tree, "a"), Assert.Single(outcomes).Source);
    }

    [Fact]
    public void A_directory_without_Recurse_is_one_files_error_and_the_batch_goes_on()
    {
        Directory.CreateDirectory(_dir.File("folder"));
        var good1 = _dir.Write("g1", [1]);
        var good2 = _dir.Write("g2", [2]);

        var outcomes = FileProtector.Protect([_dir.File("missing"), good1, _dir.File("folder"), good2], Protect()).ToList();

        Assert.Equal(4, outcomes.Count);
        Assert.Equal("SourceNotFound", outcomes[0].Error!.ErrorId);
        Assert.Equal(EngineErrorCategory.ObjectNotFound, outcomes[0].Error!.Category);
        Ok(outcomes[1]);
        Assert.Equal("SourceIsDirectory", outcomes[2].Error!.ErrorId);
        Ok(outcomes[3]);
    }

    [Fact]
    public void Decryption_errors_are_typed_per_file_and_leave_nothing()
    {
        var src = _dir.Write("a", FilesSupport.Random(20_000));
        Ok(Assert.Single(FileProtector.Protect([src], Protect())));
        File.Delete(src);
        var tampered = _dir.File("t.enc");
        var bytes = File.ReadAllBytes(src + ".enc");
        bytes[^100] ^= 1;
        File.WriteAllBytes(tampered, bytes);

        var outcomes = FileProtector.Unprotect([src + ".enc", tampered, src + ".enc"], Unprotect(r => r with { Keyrings = [_other.Keyring] })).ToList();
        var noKey = Failed<NoDecryptableKeyException>(outcomes[0]);
        Assert.Equal(src + ".enc", noKey.Target);
        Assert.Equal(["a.enc", "t.enc"], FilesSupport.Listing(_dir.Path));

        var again = FileProtector.Unprotect([tampered], Unprotect()).ToList();
        var tamperedError = Failed<MessageTamperedException>(Assert.Single(again));
        Assert.Contains(tampered, tamperedError.Message);
        Assert.Equal(["a.enc", "t.enc"], FilesSupport.Listing(_dir.Path));

        var context = Failed<EncryptionContextMismatchException>(Assert.Single(FileProtector.Unprotect([src + ".enc"],
            Unprotect(r => r with { RequiredEncryptionContext = new Dictionary<string, string> { ["dept"] = "it" } }))));
        Assert.Equal("EncryptionContextMismatch", context.ErrorId);
        Assert.Equal(["a.enc", "t.enc"], FilesSupport.Listing(_dir.Path));
    }

    // ------------------------------------------------------------------ already encrypted

    [Fact]
    public void Already_encrypted_input_is_skipped_with_a_warning_unless_Force()
    {
        var src = _dir.Write("a", FilesSupport.Random(100));
        Ok(Assert.Single(FileProtector.Protect([src], Protect())));

        var skipped = Ok(Assert.Single(FileProtector.Protect([src + ".enc"], Protect())));
        Assert.Equal(FileAction.Skipped, skipped.Action);
        Assert.Contains("-Force", skipped.Warning);
        Assert.False(File.Exists(src + ".enc.enc"));

        var forced = Ok(Assert.Single(FileProtector.Protect([src + ".enc"], Protect(r => r with { Force = true }))));
        Assert.Equal(FileAction.Encrypted, forced.Action);
        Assert.True(File.Exists(src + ".enc.enc"));
    }

    [Fact]
    public void Version_1_messages_count_as_already_encrypted()
    {
        // A v1 header laid out as the spec says: version 1, type 0x80, suite 0x0178, ...
        var v1 = _dir.Write("old.enc", EncryptionTools.Tests.Compliance.HandHeaders.Version1());
        var skipped = Ok(Assert.Single(FileProtector.Protect([v1], Protect())));
        Assert.Equal(FileAction.Skipped, skipped.Action);
        Assert.Contains("version 1", skipped.Warning);
        // The same four bytes before anything else are just data: the file is encrypted.
        var lookalike = _dir.Write("lookalike.bin", [0x01, 0x80, 0x01, 0x78, .. FilesSupport.Random(200)]);
        Assert.Equal(FileAction.Encrypted, Ok(Assert.Single(FileProtector.Protect([lookalike], Protect()))).Action);
    }

    // ------------------------------------------------------------------ in place

    [Fact]
    public void In_place_encryption_and_decryption_keep_the_name_and_the_mode()
    {
        var plain = FilesSupport.Random(300_000);
        var src = _dir.Write("doc.txt", plain);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(src, mode);
        var phases = new CallbackProgress<FileProgress>(_ => { });

        var result = Ok(Assert.Single(FileProtector.Protect([src], Protect(r => r with { InPlace = true }), phases)));

        Assert.True(result.InPlace);
        Assert.Equal(src, result.Destination);
        Assert.Contains(phases.Reports, p => p.Phase == FileProgressPhase.Verifying);
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(src, [_key.Keyring]));
        Assert.Equal(["doc.txt"], FilesSupport.Listing(_dir.Path));
        if (!OperatingSystem.IsWindows()) Assert.Equal(mode, File.GetUnixFileMode(src));

        var back = Ok(Assert.Single(FileProtector.Unprotect([src], Unprotect(r => r with { InPlace = true }))));
        Assert.Equal(FileAction.Decrypted, back.Action);
        Assert.Equal(plain, File.ReadAllBytes(src));
        Assert.Equal(["doc.txt"], FilesSupport.Listing(_dir.Path));
        if (!OperatingSystem.IsWindows()) Assert.Equal(mode, File.GetUnixFileMode(src));
    }

    [Fact]
    public void In_place_encryption_that_cannot_be_verified_leaves_the_original()
    {
        using var rsa = RSA.Create(2048);
        using var publicOnly = new RawRsaKeyring("files-test", "rsa", RSA.Create(rsa.ExportParameters(false)), null);
        var plain = FilesSupport.Random(50_000);
        var src = _dir.Write("doc.txt", plain);

        var error = Failed<InPlaceVerificationException>(Assert.Single(FileProtector.Protect([src],
            Protect(r => r with { Keyrings = [publicOnly], InPlace = true }))));
        Assert.Equal("InPlaceVerificationFailed", error.ErrorId);
        Assert.Equal(plain, File.ReadAllBytes(src));
        Assert.Equal(["doc.txt"], FilesSupport.Listing(_dir.Path));

        // With a keyring that can decrypt for the check, it goes through.
        using var privateKey = new RawRsaKeyring("files-test", "rsa", null, RSA.Create(rsa.ExportParameters(true)));
        Ok(Assert.Single(FileProtector.Protect([src], Protect(r => r with { Keyrings = [publicOnly], VerifyKeyrings = [privateKey], InPlace = true }))));
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(src, [privateKey]));
    }

    [Fact]
    public void A_read_only_source_encrypts_to_a_destination_but_not_in_place()
    {
        var plain = FilesSupport.Random(1000);
        var src = _dir.Write("ro.txt", plain);
        File.SetAttributes(src, FileAttributes.ReadOnly); // on Unix: removes every write bit
        try
        {
            Ok(Assert.Single(FileProtector.Protect([src], Protect())));
            Assert.Equal(plain, FilesSupport.DecryptFileToBytes(src + ".enc", [_key.Keyring]));

            var error = Failed<SourceReadOnlyException>(Assert.Single(FileProtector.Protect([src], Protect(r => r with { InPlace = true }))));
            Assert.Equal("SourceReadOnly", error.ErrorId);
            Assert.Equal(EngineErrorCategory.PermissionDenied, error.Category);
            Assert.Equal(plain, File.ReadAllBytes(src));
            Assert.Equal(["ro.txt", "ro.txt.enc"], FilesSupport.Listing(_dir.Path));
        }
        finally
        {
            File.SetAttributes(src, FileAttributes.Normal);
        }
    }

    // ------------------------------------------------------------------ a source that changes

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_source_that_grows_while_read_fails_and_leaves_nothing(bool inPlace)
    {
        var src = FilesSupport.WriteRandom(_dir.File("growing.log"), 8 * 1024 * 1024);
        var original = FilesSupport.Sha256(src);
        var grown = false;
        var progress = new CallbackProgress<FileProgress>(_ =>
        {
            if (grown) return;
            grown = true;
            File.AppendAllText(src, new string('x', 100_000));
        });

        var error = Failed<SourceChangedException>(Assert.Single(FileProtector.Protect([src], Protect(r => r with { InPlace = inPlace }), progress)));

        Assert.Equal("SourceChanged", error.ErrorId);
        Assert.Equal(["growing.log"], FilesSupport.Listing(_dir.Path));
        Assert.NotEqual(original, FilesSupport.Sha256(src)); // it is the appended file, not a ciphertext
        Assert.Equal(8 * 1024 * 1024 + 100_000, new FileInfo(src).Length);
    }

    [Fact]
    public void A_source_rewritten_in_place_at_the_same_length_fails_by_its_write_time()
    {
        var src = FilesSupport.WriteRandom(_dir.File("edited.db"), 4 * 1024 * 1024);
        FilesSupport.TouchPast(src);
        var edited = false;
        var progress = new CallbackProgress<FileProgress>(_ =>
        {
            if (edited) return;
            edited = true;
            using var fs = new FileStream(src, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            fs.Write(new byte[10]);
        });

        var error = Failed<SourceChangedException>(Assert.Single(FileProtector.Protect([src], Protect(), progress)));
        Assert.Contains("last-write time", error.Message);
        Assert.Equal(["edited.db"], FilesSupport.Listing(_dir.Path));
    }

    [Fact]
    public void A_source_that_shrinks_while_read_fails()
    {
        var src = FilesSupport.WriteRandom(_dir.File("shrinking"), 8 * 1024 * 1024);
        var cut = false;
        var progress = new CallbackProgress<FileProgress>(_ =>
        {
            if (cut) return;
            cut = true;
            using var fs = new FileStream(src, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            fs.SetLength(1024);
        });
        Failed<SourceChangedException>(Assert.Single(FileProtector.Protect([src], Protect(), progress)));
        Assert.Equal(["shrinking"], FilesSupport.Listing(_dir.Path));
    }

    // ------------------------------------------------------------------ progress and cancellation

    [Fact]
    public void Progress_reports_per_file_and_overall_bytes()
    {
        var a = FilesSupport.WriteRandom(_dir.File("a"), 3 * 1024 * 1024 + 5);
        var b = FilesSupport.WriteRandom(_dir.File("b"), 2 * 1024 * 1024);
        var progress = new CallbackProgress<FileProgress>(_ => { });

        var outcomes = FileProtector.Protect([a, b], Protect(), progress).ToList();

        Assert.All(outcomes, o => Ok(o));
        var total = 5L * 1024 * 1024 + 5;
        Assert.All(progress.Reports, p => Assert.Equal(total, p.OverallBytesTotal));
        Assert.All(progress.Reports, p => Assert.Equal(2, p.FileCount));
        var forA = progress.Reports.Where(p => p.Source == a).ToList();
        var forB = progress.Reports.Where(p => p.Source == b).ToList();
        Assert.Equal(3L * 1024 * 1024 + 5, forA[^1].FileBytesDone);
        Assert.Equal(2L * 1024 * 1024, forB[^1].FileBytesDone);
        Assert.All(forB, p => Assert.Equal(2, p.FileNumber));
        Assert.Equal(total, progress.Reports[^1].OverallBytesDone);
        Assert.True(progress.Reports.Select(p => p.OverallBytesDone).Zip(progress.Reports.Skip(1).Select(p => p.OverallBytesDone)).All(x => x.First <= x.Second));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cancellation_stops_the_batch_and_leaves_no_partial_files(bool inPlace)
    {
        var a = FilesSupport.WriteRandom(_dir.File("a"), 16 * 1024 * 1024);
        var b = _dir.Write("b", [1, 2, 3]);
        var hash = FilesSupport.Sha256(a);
        using var cts = new CancellationTokenSource();
        var progress = new CallbackProgress<FileProgress>(_ => cts.Cancel());

        var seen = new List<FileOutcome>();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var o in FileProtector.Protect([a, b], Protect(r => r with { InPlace = inPlace }), progress, cts.Token)) seen.Add(o);
        });

        Assert.Empty(seen);
        Assert.Equal(["a", "b"], FilesSupport.Listing(_dir.Path));
        Assert.Equal(hash, FilesSupport.Sha256(a));
    }

    // ------------------------------------------------------------------ one file to a named destination (the route, as tests drive it)

    [Fact]
    public void Single_file_entry_points_throw_typed_errors()
    {
        var plain = FilesSupport.Random(1000);
        var src = _dir.Write("a", plain);
        var result = FileRoute.Protect(src, _dir.File("a.sealed"), Protect());
        Assert.Equal(FileAction.Encrypted, result.Action);
        Assert.Throws<DestinationExistsException>(() => FileRoute.Protect(src, _dir.File("a.sealed"), Protect()));
        var back = FileRoute.Unprotect(_dir.File("a.sealed"), _dir.File("a.out"), Unprotect());
        Assert.Equal(plain, File.ReadAllBytes(back.Destination!));
        Assert.Throws<NoDecryptableKeyException>(() =>
            FileRoute.Unprotect(_dir.File("a.sealed"), _dir.File("b.out"), Unprotect(r => r with { Keyrings = [_other.Keyring] })));
        Assert.False(File.Exists(_dir.File("b.out")));
    }

    [Fact]
    public void Plan_shows_destinations_without_touching_files()
    {
        var tree = _dir.File("t");
        Directory.CreateDirectory(Path.Combine(tree, "s"));
        File.WriteAllBytes(Path.Combine(tree, "s", "f"), [1]);
        File.WriteAllBytes(Path.Combine(tree, ".f" + AtomicFile.TempSuffix), [1]); // an engine temporary: never an input
        var plan = FileProtector.Plan([tree], Protect(r => r with { Recurse = true, Destination = _dir.File("o") }), encrypting: true);
        var item = Assert.Single(plan);
        Assert.Equal(Path.Combine(_dir.File("o"), "s", "f.enc"), item.Destination);
        Assert.True(item.FoundByRecursion);
        Assert.False(Directory.Exists(_dir.File("o")));
    }
}

public sealed class FileProtectorEdgeTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestKey _key = new("key-a");

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void A_read_past_the_starting_length_is_a_source_change()
    {
        var guard = new GuardedReadStream(new MemoryStream(new byte[100]), "f", 60, null);
        var buffer = new byte[50];
        Assert.Equal(50, guard.Read(buffer));
        var ex = Assert.Throws<SourceChangedException>(() => guard.Read(buffer));
        Assert.Equal("SourceChanged", ex.ErrorId);

        var shorter = new GuardedReadStream(new MemoryStream(new byte[10]), "f", 60, null);
        while (shorter.Read(buffer) > 0) { }
        Assert.Throws<SourceChangedException>(shorter.Finish);
    }

    [Fact]
    public void In_place_on_a_symbolic_link_is_refused_and_both_stay()
    {
        if (OperatingSystem.IsWindows()) return; // creating links needs a privilege there
        var target = _dir.Write("real.txt", [1, 2, 3]);
        var link = _dir.File("link.txt");
        File.CreateSymbolicLink(link, target);

        var outcome = Assert.Single(FileProtector.Protect([link], new ProtectRequest { Keyrings = [_key.Keyring], InPlace = true }));

        Assert.Equal("SourceIsLink", outcome.Error!.ErrorId);
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(target));
    }

    [Fact]
    public void A_rewrap_through_a_symbolic_link_rewrites_the_target_and_keeps_the_link()
    {
        if (OperatingSystem.IsWindows()) return;
        using var b = new TestKey("key-b");
        var plain = FilesSupport.Random(1000);
        var src = _dir.Write("p", plain);
        var cipher = FilesSupport.EncryptFile(src, _dir.File("c.enc"), [_key.Keyring], reserve: 0);
        var link = _dir.File("link.enc");
        File.CreateSymbolicLink(link, cipher);

        var result = HeaderRewrap.Rewrap(link, new RewrapRequest { SidecarKey = FilesSupport.JournalKey, UnwrapKeyrings = [_key.Keyring], AddKeyrings = [b.Keyring] });

        Assert.Equal(RewrapMethod.FullRewrite, result.Method);
        Assert.Equal(cipher, result.Path);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(plain, FilesSupport.DecryptFileToBytes(link, [b.Keyring]));
    }

    [Fact]
    public void Out_of_range_reserves_are_refused_up_front()
    {
        var src = _dir.Write("a", [1]);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            FileProtector.Protect([src], new ProtectRequest { Keyrings = [_key.Keyring], HeaderReserve = HeaderReserve.MaximumBytes + 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeaderReserve.Normalize(-1));
        Assert.Equal(["a"], FilesSupport.Listing(_dir.Path));
    }
}
