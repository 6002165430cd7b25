using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Inspection;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Cli;

/// <summary>
/// --json of every subcommand family. The CLI serializes through source-generated metadata (reflection is off in both
/// its IL build and its Native AOT executable), so a result type missing from its JSON context fails here; and each
/// output must be exactly what the reflection serializer wrote before for the same value (names, order, enums as
/// strings, nulls written, two-space indentation).
/// </summary>
public class CliJsonTests
{
    // The CLI's options before source generation: the documented --json shape.
    private static readonly JsonSerializerOptions Reflection = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>The output is one JSON value of <typeparamref name="T"/>, written exactly as reflection writes it.</summary>
    private static T Same<T>((int Code, string Out, string Err) run)
    {
        Assert.True(run.Code == 0, $"exit {run.Code}: {run.Err}");
        var text = run.Out.TrimEnd('\n', '\r');
        var value = JsonSerializer.Deserialize<T>(text, Reflection)!;
        Assert.Equal(JsonSerializer.Serialize(value, Reflection), text);
        return value;
    }

    private sealed record Unchanged(string Path, string Method, string? Reason);

    [Fact]
    public void EveryFamilyWritesTheReflectionShape()
    {
        using var dir = new TempDir();
        var store = dir.File("store");

        // key
        var a = Same<EncKey>(CliProcess.Run("key", "create", "--alias", "alias/a", "--description", "quote \" <b> é", "--enable-rotation", "--rotation-days", "100", "--store", store, "--json"));
        Assert.Equal(KeySpec.SYMMETRIC_DEFAULT, a.KeySpec);
        var rsa = Same<EncKey>(CliProcess.Run("key", "create", "--spec", "RSA_3072", "--store", store, "--json"));
        Assert.Null(rsa.DeletionDate);
        Same<EncKey>(CliProcess.Run("key", "rotate", a.KeyId, "--store", store, "--json"));
        Same<EncKey>(CliProcess.Run("key", "disable", rsa.KeyId, "--store", store, "--json"));
        Same<EncKey>(CliProcess.Run("key", "enable", rsa.KeyId, "--store", store, "--json"));
        Assert.NotNull(Same<EncKey>(CliProcess.Run("key", "schedule-deletion", rsa.KeyId, "--days", "7", "--store", store, "--json")).DeletionDate);
        Same<EncKey>(CliProcess.Run("key", "cancel-deletion", rsa.KeyId, "--store", store, "--json"));
        Same<EncKey>(CliProcess.Run("key", "show", "alias/a", "--store", store, "--json"));
        Assert.Equal(2, Same<List<EncKey>>(CliProcess.Run("key", "list", "--store", store, "--json")).Count);
        var b = Same<EncKey>(CliProcess.Run("key", "create", "--alias", "alias/b", "--store", store, "--json"));

        // alias
        Same<EncKeyAlias>(CliProcess.Run("alias", "create", "alias/c", a.KeyId, "--store", store, "--json"));
        Same<EncKeyAlias>(CliProcess.Run("alias", "set", "alias/c", b.KeyId, "--store", store, "--json"));
        Assert.Equal(3, Same<List<EncKeyAlias>>(CliProcess.Run("alias", "list", "--store", store, "--json")).Count);
        Same<EncKeyAlias>(CliProcess.Run("alias", "delete", "alias/c", "--store", store, "--json"));

        // encrypt, info, rewrap, decrypt with store keys; encrypt and decrypt with a raw key file
        var plain = dir.Write("p.txt", RandomNumberGenerator.GetBytes(3000));
        var enc = Same<List<FileOperationResult>>(CliProcess.Run("encrypt", plain, "--key", "alias/a", "--context", "dept=hr", "--store", store, "--json"));
        Assert.Equal(FileAction.Encrypted, Assert.Single(enc).Action);
        var info = Same<List<EncryptedFileInfo>>(CliProcess.Run("info", plain + ".enc", "--store", store, "--json"));
        Assert.Equal(EdkResolution.InStore, info[0].EncryptedDataKeys[0].Resolution);
        var rewrapped = Same<List<RewrapResult>>(CliProcess.Run("rewrap", plain + ".enc", "--add-key", "alias/b", "--store", store, "--json"));
        Assert.Equal(2, rewrapped[0].KeysAfter.Count);
        var unchanged = Same<List<Unchanged>>(CliProcess.Run("rewrap", plain + ".enc", "--store", store, "--json"));
        Assert.Equal("Unchanged", unchanged[0].Method);
        Assert.NotNull(unchanged[0].Reason);
        var dec = Same<List<FileOperationResult>>(CliProcess.Run("decrypt", plain + ".enc", "-o", dir.File("out.txt"), "--store", store, "--json"));
        Assert.Null(dec[0].Warning);

        var raw = dir.Write("team.key", RandomNumberGenerator.GetBytes(32));
        var other = dir.Write("q.txt", RandomNumberGenerator.GetBytes(10));
        Same<List<FileOperationResult>>(CliProcess.Run("encrypt", other, "--key-file", raw, "--json"));
        Same<List<FileOperationResult>>(CliProcess.Run("decrypt", other + ".enc", "--key-file", raw, "-o", dir.File("q.out"), "--json"));
        // A skipped file: its warning is in the JSON too.
        var skipped = Same<List<FileOperationResult>>(CliProcess.Run("encrypt", other + ".enc", "--key-file", raw, "--json"));
        Assert.Equal(FileAction.Skipped, skipped[0].Action);

        // compliance (its own writer, camelCase)
        var compliance = CliProcess.Run("compliance", dir.Path, "--store", store, "--json");
        Assert.True(compliance.Code is 0 or 10, compliance.Err);
        Assert.True(JsonDocument.Parse(compliance.Out).RootElement.TryGetProperty("summary", out _));
    }

    [Fact]
    public void TimingGoesToStderrOnlyWhenAsked()
    {
        using var dir = new TempDir();
        var store = dir.File("store");
        Assert.Equal(0, CliProcess.Run("key", "create", "--alias", "alias/t", "--store", store).Code);
        var plain = dir.Write("t.txt", RandomNumberGenerator.GetBytes(100));
        Assert.Equal(0, CliProcess.Run("encrypt", plain, "--key", "alias/t", "--store", store).Code);
        var timed = CliProcess.Run(new Dictionary<string, string> { ["ENCTOOLS_TIMING"] = "1" }, "rewrap", plain + ".enc", "--store", store, "--json");
        Assert.True(timed.Code == 0, timed.Err);
        Assert.Contains("enctools: timing: store-open ", timed.Err, StringComparison.Ordinal);
        Assert.Contains("enctools: timing: rewrap ", timed.Err, StringComparison.Ordinal);
        JsonDocument.Parse(timed.Out).Dispose();
    }

    [Fact]
    public void TheExecutableUnderTestIsTheOneAsked()
    {
        if (CliProcess.Native is { } native)
        {
            // A Native AOT executable, not an apphost beside an IL assembly.
            Assert.False(File.Exists(Path.ChangeExtension(native, ".dll")), "ENCTOOLS_CLI should name the Native AOT executable, but an IL assembly lies beside it");
            var head = new byte[4];
            using (var f = File.OpenRead(native)) f.ReadExactly(head);
            Assert.True(head.SequenceEqual("\u007fELF"u8.ToArray()) || head[..2].SequenceEqual("MZ"u8.ToArray())
                || BitConverter.ToUInt32(head) is 0xFEEDFACF or 0xCFFAEDFE, "not a native executable: " + native);
        }
        else
        {
            Assert.True(File.Exists(CliProcess.Dll));
        }
        var help = CliProcess.Run("--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("rewrap", help.Out, StringComparison.Ordinal);
    }
}
