using Xunit;

namespace EncryptionTools.HelpGen.Tests;

public class AboutTopicTests
{
    private static string Convert(string text, string file = "about_Sample.md")
    {
        using var dir = new TempDir();
        return AboutHelpConverter.ConvertFile(dir.Write(file, text));
    }

    [Fact]
    public void Sections_follow_the_platyps_layout()
    {
        string txt = Convert(Samples.Text("about_Sample.md"));
        Assert.StartsWith("TOPIC\n    about_Sample\n\nSHORT DESCRIPTION\n    Explains how samples are stored and changed.\n\nLONG DESCRIPTION\n", txt);
        var lines = txt.Split('\n');
        // Upper-case section names at column 0, in page order.
        Assert.Equal(["TOPIC", "SHORT DESCRIPTION", "LONG DESCRIPTION", "EXAMPLES", "SEE ALSO", "KEYWORDS"],
            lines.Where(l => l.Length > 0 && !l.StartsWith(' ')));
        // A sub-heading becomes an indented upper-case line.
        Assert.Contains("    READING SAMPLES", lines);
    }

    [Fact]
    public void Text_is_wrapped_at_80_columns_and_markdown_is_removed()
    {
        string txt = Convert(Samples.Text("about_Sample.md"));
        var lines = txt.Split('\n');
        Assert.All(lines, l => Assert.True(l.Length <= AboutHelpConverter.Width, $"line over 80 columns: '{l}'"));
        Assert.Contains("    Samples are small named values that the Get-Sample and Set-Sample cmdlets", lines);
        Assert.Contains("    read and write. This paragraph is deliberately long so that it has to be", lines);
        // List items keep their marker and get a hanging indent.
        Assert.Contains("    - one value per sample name, compared without regard to case, which keeps", lines);
        Assert.Contains("      lookups simple and predictable for scripts", lines);
        Assert.Contains("    - Get-Sample", lines);
        Assert.DoesNotContain("**", txt);
        Assert.DoesNotContain("```", txt);
        Assert.DoesNotContain("](", txt);
        Assert.EndsWith("    - Sample\n", txt);
        Assert.DoesNotContain("\r", txt);
    }

    [Fact]
    public void Code_fences_are_indented_by_four_and_not_wrapped()
    {
        string longLine = "Get-Sample -Name alpha, beta, gamma, delta, epsilon, zeta, eta, theta, iota, kappa, lambda";
        string md = Samples.Text("about_Sample.md").Replace("Get-Sample -Name alpha\n", longLine + "\n");
        string txt = Convert(md);
        Assert.Contains("\n    " + longLine + "\n    Get-Sample -Path .\\samples.json\n\n", txt);
        Assert.Contains("\n    Get-Sample alpha | Set-Sample -Value 'new' -PassThru\n", txt);
    }

    [Fact]
    public void Platyps_template_heading_form_is_accepted()
    {
        string md = "# Sample\n## about_Sample\n\n# SHORT DESCRIPTION\nShort text.\n\n# LONG DESCRIPTION\nLong text.\n";
        Assert.Equal("TOPIC\n    about_Sample\n\nSHORT DESCRIPTION\n    Short text.\n\nLONG DESCRIPTION\n    Long text.\n", Convert(md));
    }

    [Theory]
    [InlineData("# about_Sample\n\n## LONG DESCRIPTION\nLong.\n", "missing '## SHORT DESCRIPTION' section")]
    [InlineData("# about_Sample\n\n## SHORT DESCRIPTION\nShort.\n", "missing '## LONG DESCRIPTION' section")]
    [InlineData("# about_Sample\n\n## SHORT DESCRIPTION\n\n## LONG DESCRIPTION\nLong.\n", "'## SHORT DESCRIPTION' is empty")]
    [InlineData("# about_Other\n\n## SHORT DESCRIPTION\nS.\n\n## LONG DESCRIPTION\nL.\n", "topic heading 'about_Other' does not match the file name 'about_Sample.md'")]
    [InlineData("Intro\n\n## SHORT DESCRIPTION\nS.\n", "expected a '# about_Sample' heading first")]
    [InlineData("# about_Sample\n\n## SHORT DESCRIPTION\n{{ Short Description Placeholder }}\n\n## LONG DESCRIPTION\nL.\n", "placeholder '{{ Short Description Placeholder }}'")]
    public void Malformed_about_topic_fails_naming_file_and_problem(string md, string problem)
    {
        using var dir = new TempDir();
        string path = dir.Write("about_Sample.md", md);
        var ex = Assert.Throws<HelpFormatException>(() => AboutHelpConverter.ConvertFile(path));
        Assert.StartsWith(path, ex.Message);
        Assert.Contains(problem, ex.Message);
    }

    [Fact]
    public void Output_file_name_comes_from_the_page_name()
    {
        Assert.Equal("about_Sample.help.txt", AboutHelpConverter.OutputFileName("/x/docs/about_Sample.md"));
        using var dir = new TempDir();
        HelpGenerator.Generate(Samples.CopyDocs(dir), dir.Combine("en-US"), "EncryptionTools");
        Assert.True(File.Exists(dir.Combine("en-US", "about_Sample.help.txt")));
    }
}
