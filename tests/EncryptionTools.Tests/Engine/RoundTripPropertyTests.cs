using System.Security.Cryptography;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;
using FsCheck;
using FsCheck.Fluent;
using EncryptionTools.Tests.Files;

namespace EncryptionTools.Tests.Engine;

public enum WrapKind { Aes128, Aes192, Aes256, Rsa0, Rsa1 }

/// <summary>One wrapping key of a round-trip case; AES material is drawn per case, RSA keys are the shared test keys.</summary>
public sealed record WrapKey(WrapKind Kind, string Namespace, string Name, byte[] Material)
{
    public IKeyring ForEncrypt() => Kind switch
    {
        WrapKind.Rsa0 => TestKeys.RsaEncryptOnly(0, Name, Namespace),
        WrapKind.Rsa1 => TestKeys.RsaEncryptOnly(1, Name, Namespace),
        _ => new RawAesKeyring(Namespace, Name, Material),
    };

    /// <summary>A separately built keyring holding the same key, as the receiving side would have it.</summary>
    public IKeyring ForDecrypt() => Kind switch
    {
        WrapKind.Rsa0 => TestKeys.RsaDecryptOnly(0, Name, Namespace),
        WrapKind.Rsa1 => TestKeys.RsaDecryptOnly(1, Name, Namespace),
        _ => new RawAesKeyring(Namespace, Name, (byte[])Material.Clone()),
    };

    public override string ToString() => $"{Kind}:{Namespace}/{Name}";
}

public sealed record RoundTripCase(int FrameLength, int Size, WrapKey[] Keys, int DecryptWith, Dictionary<string, string> Context,
    bool Signed, bool FileApi, int Parallelism, int ReadChunk)
{
    public override string ToString() =>
        $"frame={FrameLength} size={Size} keys=[{string.Join(", ", Keys.Select(k => k.ToString()))}] decryptWith={DecryptWith} " +
        $"ctx={{{string.Join(", ", Context.Select(kv => $"{Escape(kv.Key)}={Escape(kv.Value)}"))}}} signed={Signed} file={FileApi} par={Parallelism} chunk={ReadChunk}";

    private static string Escape(string s) => string.Concat(s.Select(ch => ch is >= ' ' and <= '~' ? ch.ToString() : $"\\u{(int)ch:x4}"));
}

/// <summary>Encrypt/decrypt round trips over random shapes (FsCheck), plus the fixed edge sizes.</summary>
public class RoundTripPropertyTests
{
    private const int MiB = 1024 * 1024;

    private static Gen<int> FrameLengths =>
        Gen.Frequency(
            (3, Gen.Choose(1, 64)),
            (3, Gen.Choose(65, 65536)),
            (2, Gen.Choose(65537, 1 << 20)),
            (1, Gen.Elements(1, 4096, 65536, 1 << 20)));

    /// <summary>Sizes at and around frame and batch boundaries, kept to a few MiB and a few thousand frames.</summary>
    private static Gen<int> SizesFor(int f)
    {
        var batchCapacity = Math.Max(1, MessageEncryptor.BatchTarget / f) * f;
        var options = new List<(int, Gen<int>)>
        {
            (1, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(f - 1)), (1, Gen.Constant(f)), (1, Gen.Constant(f + 1)),
            (1, Gen.Constant(2 * f)), (4, Gen.Choose(0, Math.Min(4 * f + 3, 300_000))),
        };
        if (f >= 512)
        {
            options.Add((1, Gen.Choose(-1, 1).Select(d => batchCapacity + d)));
            options.Add((1, Gen.Choose(MiB, 2 * MiB)));
        }
        return Gen.Frequency(options.ToArray()).Select(s => Math.Max(0, s));
    }

    private static Gen<WrapKey> Keys(int index) =>
        Gen.Zip(Gen.Elements(Enum.GetValues<WrapKind>()), Gen.Elements("ns-a", "ns-b", "名前空間"))
            .Select(t => new WrapKey(t.Item1, t.Item2, $"key-{index}-{t.Item1}", RandomNumberGenerator.GetBytes(t.Item1 switch
            {
                WrapKind.Aes128 => 16,
                WrapKind.Aes192 => 24,
                _ => 32,
            })));

    private static Gen<RoundTripCase> Cases =>
        from frame in FrameLengths
        from size in SizesFor(frame)
        from keyCount in Gen.Choose(1, 3)
        from keys in Gen.CollectToArray(Enumerable.Range(0, keyCount).Select(Keys))
        from decryptWith in Gen.Choose(0, keyCount - 1)
        from context in EncryptionContextTests.Contexts(4)
        from signed in Gen.Elements(false, true)
        from file in Gen.Elements(false, true)
        from parallelism in Gen.Choose(1, 4)
        from chunk in Gen.Elements(1 << 20, 4096, 13, 1)
        select new RoundTripCase(frame, size, keys, decryptWith, context, signed, file, parallelism, size > 200_000 ? Math.Max(chunk, 4096) : chunk);

    [Fact]
    public void Property_any_message_decrypts_with_any_one_of_its_keys()
    {
        Prop.ForAll(Cases.ToArbitrary(), RoundTrip).Check(Config.QuickThrowOnFailure.WithMaxTest(30));
    }

    private static void RoundTrip(RoundTripCase c)
    {
        var plaintext = RandomNumberGenerator.GetBytes(c.Size);
        var encryptRings = c.Keys.Select(k => k.ForEncrypt()).ToList();
        var decryptRing = c.Keys[c.DecryptWith].ForDecrypt();
        var encryptOptions = new EncryptOptions
        {
            EncryptionContext = c.Context, FrameLength = c.FrameLength, MaxDegreeOfParallelism = c.Parallelism,
            Suite = c.Signed ? AlgorithmSuite.CommitKeyEcdsaP384 : AlgorithmSuite.CommitKey,
        };
        var decryptOptions = new DecryptOptions { RequiredEncryptionContext = c.Context, MaxDegreeOfParallelism = c.Parallelism };
        try
        {
            byte[] message, decrypted;
            // What each route reports: the file route's results, or the streams' own.
            long encryptedPlaintext, ciphertextLength, decryptedPlaintext;
            int edkCount;
            FileKeyIdentity decryptedWith;
            IReadOnlyDictionary<string, string> context;
            if (c.FileApi)
            {
                using var dir = new TempDir();
                var src = dir.Write("plain.bin", plaintext);
                var er = FileRoute.EncryptFile(src, dir.File("cipher.enc"), encryptRings, encryptOptions);
                var dr = FileRoute.DecryptFile(dir.File("cipher.enc"), dir.File("out.bin"), [decryptRing], decryptOptions);
                message = File.ReadAllBytes(dir.File("cipher.enc"));
                decrypted = File.ReadAllBytes(dir.File("out.bin"));
                Assert.Equal(["cipher.enc", "out.bin", "plain.bin"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());
                (encryptedPlaintext, ciphertextLength, edkCount) = (er.BytesIn, er.BytesOut, er.Keys.Count);
                (decryptedPlaintext, decryptedWith) = (dr.BytesOut, Assert.Single(dr.Keys));
                context = FileCrypto.ReadHeader(dir.File("cipher.enc")).EncryptionContext; // with the reserved entries, as the decryptor's header
            }
            else
            {
                using var cipher = new MemoryStream();
                var er = MessageEncryptor.Encrypt(new ChunkedReadStream(new MemoryStream(plaintext), c.ReadChunk), cipher, encryptRings, encryptOptions);
                message = cipher.ToArray();
                using var output = new MemoryStream();
                var dr = MessageDecryptor.Decrypt(new ChunkedReadStream(new MemoryStream(message), c.ReadChunk), output, [decryptRing], decryptOptions);
                decrypted = output.ToArray();
                (encryptedPlaintext, ciphertextLength, edkCount) = (er.PlaintextLength, er.CiphertextLength, er.EncryptedDataKeys.Count);
                (decryptedPlaintext, decryptedWith) = (dr.PlaintextLength, FileKeyIdentity.Of(dr.DecryptedWith));
                context = dr.Header.EncryptionContext;
            }

            Assert.True(plaintext.AsSpan().SequenceEqual(decrypted), "plaintext differs after the round trip");
            Assert.Equal(c.Size, encryptedPlaintext);
            Assert.Equal(c.Size, decryptedPlaintext);
            Assert.Equal(message.Length, ciphertextLength);
            Assert.Equal(c.Keys.Length, edkCount);
            var chosen = c.Keys[c.DecryptWith];
            Assert.Equal(chosen.Namespace, decryptedWith.ProviderId);
            Assert.Equal(chosen.Name, decryptedWith.KeyName);
            Assert.Equal(c.Signed, context.ContainsKey(EncryptionContext.PublicKeyField));
            Assert.Equal(c.Context.Count + (c.Signed ? 1 : 0), context.Count);

            var layout = MessageLayout.Parse(message);
            Assert.Equal(c.Signed ? Spec.Suite0578 : Spec.Suite0478, layout.SuiteId);
            Assert.Equal((uint)c.FrameLength, layout.FrameLength);
            Assert.Equal(c.Size == 0 ? 1 : (c.Size + c.FrameLength - 1) / c.FrameLength, layout.Frames.Count);
        }
        finally
        {
            foreach (var r in encryptRings) (r as IDisposable)?.Dispose();
            (decryptRing as IDisposable)?.Dispose();
        }
    }

    public static TheoryData<int, int> EdgeSizes()
    {
        var data = new TheoryData<int, int>();
        foreach (var f in new[] { 1, 7, 4096, 65536 })
            foreach (var s in new[] { 0, 1, f - 1, f, f + 1, 3 * f }.Distinct())
                data.Add(f, s);
        // Around the engine's 1 MiB batches: exact multiples, one either side, and a frame that does not divide the batch.
        foreach (var (f, s) in new[] { (4096, MiB), (4096, MiB - 1), (4096, MiB + 1), (4096, 2 * MiB), (3000, 1_047_000), (3000, 1_047_001), (3000, 2_094_000), (MiB + 1, MiB + 1), (MiB + 1, 2 * MiB + 3) })
            data.Add(f, s);
        return data;
    }

    [Theory]
    [MemberData(nameof(EdgeSizes))]
    public void Edge_sizes_round_trip_on_both_apis(int frameLength, int size)
    {
        var key = new WrapKey(WrapKind.Aes256, "edge", "k", RandomNumberGenerator.GetBytes(32));
        RoundTrip(new RoundTripCase(frameLength, size, [key], 0, new() { ["edge"] = "yes" }, false, true, 2, 1 << 20));
        RoundTrip(new RoundTripCase(frameLength, size, [key], 0, new(), size % 2 == 0, false, 3, 1000));
    }

    [Fact]
    public void Multi_mebibyte_file_decrypts_with_each_of_three_keys()
    {
        const int size = 5 * MiB + 3;
        var keys = new[]
        {
            new WrapKey(WrapKind.Aes128, "multi", "aes-128", RandomNumberGenerator.GetBytes(16)),
            new WrapKey(WrapKind.Rsa0, "multi", "rsa", []),
            new WrapKey(WrapKind.Aes192, "multi", "aes-192", RandomNumberGenerator.GetBytes(24)),
        };
        using var dir = new TempDir();
        var plaintext = RandomNumberGenerator.GetBytes(size);
        var src = dir.Write("plain.bin", plaintext);
        FileRoute.EncryptFile(src, dir.File("c.enc"), keys.Select(k => k.ForEncrypt()).ToList(),
            new EncryptOptions { EncryptionContext = new Dictionary<string, string> { ["file"] = "big" } });
        for (var i = 0; i < keys.Length; i++)
        {
            var r = FileRoute.DecryptFile(dir.File("c.enc"), dir.File($"out{i}"), [keys[i].ForDecrypt()]);
            Assert.Equal(keys[i].Name, Assert.Single(r.Keys).KeyName);
            Assert.True(plaintext.AsSpan().SequenceEqual(File.ReadAllBytes(dir.File($"out{i}"))));
        }
    }

    [Fact]
    public void Multi_mebibyte_signed_stream_with_small_frames_and_tiny_reads()
    {
        var plaintext = RandomNumberGenerator.GetBytes(4 * MiB + 1);
        using var keyring = Crypt.AesKeyring();
        using var cipher = new MemoryStream();
        MessageEncryptor.Encrypt(new ChunkedReadStream(new MemoryStream(plaintext), 5000), cipher, [keyring],
            new EncryptOptions { FrameLength = 4096, Suite = AlgorithmSuite.CommitKeyEcdsaP384 });
        using var output = new MemoryStream();
        MessageDecryptor.Decrypt(new ChunkedReadStream(new MemoryStream(cipher.ToArray()), 333), output, [keyring]);
        Assert.True(plaintext.AsSpan().SequenceEqual(output.ToArray()));
        Assert.Equal(1025, MessageLayout.Parse(cipher.ToArray()).Frames.Count);
    }

    [Fact]
    public void Each_encryption_uses_a_fresh_message_id_and_data_key()
    {
        using var keyring = Crypt.AesKeyring();
        var a = Crypt.Encrypt([1, 2, 3], [keyring]);
        var b = Crypt.Encrypt([1, 2, 3], [keyring]);
        var la = MessageLayout.Parse(a);
        var lb = MessageLayout.Parse(b);
        Assert.NotEqual(la.MessageId.Of(a), lb.MessageId.Of(b));
        Assert.NotEqual(la.CommitKey.Of(a), lb.CommitKey.Of(b));
        Assert.NotEqual(la.Frames[0].Content.Of(a), lb.Frames[0].Content.Of(b));
    }
}
