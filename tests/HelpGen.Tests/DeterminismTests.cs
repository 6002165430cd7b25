using Xunit;

namespace EncryptionTools.HelpGen.Tests;

public class DeterminismTests
{
    [Fact]
    public void Two_runs_give_byte_identical_files()
    {
        using var dir = new TempDir();
        string docs = Samples.CopyDocs(dir);
        HelpGenerator.Generate(docs, dir.Combine("out1"), "EncryptionTools");
        HelpGenerator.Generate(docs, dir.Combine("out2"), "EncryptionTools");

        var names = Directory.GetFiles(dir.Combine("out1")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["EncryptionTools.dll-Help.xml", "about_Sample.help.txt"], names);
        foreach (var name in names)
            Assert.Equal(File.ReadAllBytes(dir.Combine("out1", name!)), File.ReadAllBytes(dir.Combine("out2", name!)));
    }

    [Fact]
    public void Input_order_does_not_matter()
    {
        using var dir = new TempDir();
        var get = MarkdownHelpParser.ParseCommandPage(dir.Write("Get-Sample.md", Samples.Text("Get-Sample.md")));
        var set = MarkdownHelpParser.ParseCommandPage(dir.Write("Set-Sample.md", Samples.Text("Set-Sample.md")));
        Assert.Equal(MamlWriter.WriteToString([get, set]), MamlWriter.WriteToString([set, get]));
    }

    [Fact]
    public void Output_is_utf8_without_bom_with_lf_endings()
    {
        using var dir = new TempDir();
        string docs = Samples.CopyDocs(dir);
        // CRLF input must still give LF output.
        foreach (var f in Directory.GetFiles(docs))
            File.WriteAllText(f, File.ReadAllText(f).Replace("\n", "\r\n"));
        HelpGenerator.Generate(docs, dir.Combine("out"), "EncryptionTools");
        foreach (var f in Directory.GetFiles(dir.Combine("out")))
        {
            byte[] bytes = File.ReadAllBytes(f);
            Assert.False(bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF, $"{f} has a BOM");
            Assert.DoesNotContain((byte)'\r', bytes);
            Assert.Equal((byte)'\n', bytes[^1]);
        }
    }
}
