using System.Security.Cryptography;

namespace EncryptionTools.Tests.Cli;

/// <summary>Two inputs of one command that map to the same output: the second is refused, even with --force.</summary>
public class CliDestinationClashTests
{
    [Fact]
    public void SameNamedInputsIntoOneOutputDirectoryRefuseTheSecondEvenWithForce()
    {
        using var dir = new TempDir();
        var key = dir.Write("k.key", RandomNumberGenerator.GetBytes(32));
        Directory.CreateDirectory(dir.File("a"));
        Directory.CreateDirectory(dir.File("b"));
        var first = dir.Write("a/x.txt", "first"u8.ToArray());
        var second = dir.Write("b/x.txt", "second"u8.ToArray());
        var outDir = dir.File("out") + Path.DirectorySeparatorChar;

        var run = CliProcess.Run("encrypt", first, second, "--key-file", key, "-o", outDir, "--force");
        Assert.Equal(6, run.Code);
        Assert.Contains("DestinationClash", run.Err);
        Assert.Single(Directory.GetFiles(outDir));

        var back = CliProcess.Run("decrypt", Path.Combine(outDir, "x.txt.enc"), "--key-file", key, "-o", dir.File("back.txt"));
        Assert.True(back.Code == 0, back.Err);
        Assert.Equal("first", File.ReadAllText(dir.File("back.txt")));
    }
}
