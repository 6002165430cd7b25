using EncryptionTools.Module;

namespace EncryptionTools.Tests.Module;

/// <summary>The shipped list of PowerShell methods the import-time warm-up compiles: its lines, and that it is shipped.</summary>
public class FirstCommandWarmUpTests
{
    [Theory]
    [InlineData("System.Management.Automation.PSObject::.ctor", "System.Management.Automation.PSObject", ".ctor")]
    [InlineData("Microsoft.PowerShell.Commands.Internal.Format.XmlLoaderBase+XmlLoaderStackFrame::Dispose", "Microsoft.PowerShell.Commands.Internal.Format.XmlLoaderBase+XmlLoaderStackFrame", "Dispose")]
    [InlineData("A.B+<>c::<.ctor>b__6_0", "A.B+<>c", "<.ctor>b__6_0")]
    public void ALineIsATypeAndAMethod(string line, string type, string method) =>
        Assert.Equal((type, method), FirstCommandWarmUp.Parse(line));

    [Theory]
    [InlineData("")]
    [InlineData("# comment::Method")]
    [InlineData("::Method")]
    [InlineData("Type::")]
    [InlineData("no separator")]
    public void CommentsBlankAndMalformedLinesAreSkipped(string line) => Assert.Null(FirstCommandWarmUp.Parse(line));

    [Fact]
    public void TheModuleCarriesTheRecordedList()
    {
        using var stream = typeof(FirstCommandWarmUp).Assembly.GetManifestResourceStream(FirstCommandWarmUp.ResourceName);
        Assert.NotNull(stream);
        var lines = new StreamReader(stream!).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var entries = lines.Where(l => !l.StartsWith('#')).ToList();
        Assert.True(entries.Count > 200, $"{entries.Count} entries");
        Assert.All(entries, e => Assert.NotNull(FirstCommandWarmUp.Parse(e)));
        // Never a type initializer, never generic code: neither can be compiled ahead of its first call without running something.
        Assert.DoesNotContain(entries, e => e.EndsWith("::.cctor", StringComparison.Ordinal) || e.Contains('`', StringComparison.Ordinal));
    }
}
