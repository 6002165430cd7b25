using Xunit;

namespace EncryptionTools.HelpGen.Tests;

public class MalformedPageTests
{
    private static string Mutate(string name, string page)
    {
        string Must(string from, string to)
        {
            Assert.Contains(from, page); // a stale mutation would make the case pass for the wrong reason
            return page.Replace(from, to);
        }

        return name switch
        {
            "no-front-matter" => page[(page.IndexOf("---\n\n", 4, StringComparison.Ordinal) + 5)..],
            "unclosed-front-matter" => Must("schema: 2.0.0\n---\n", "schema: 2.0.0\n"),
            "no-external-help-file" => Must("external help file: EncryptionTools.dll-Help.xml\n", ""),
            "help-file-with-path" => Must("external help file: EncryptionTools.dll-Help.xml", "external help file: ../EncryptionTools.dll-Help.xml"),
            "wrong-schema" => Must("schema: 2.0.0", "schema: 1.0.0"),
            "no-title" => Must("# Get-Sample\n", ""),
            "title-not-file-name" => Must("# Get-Sample\n", "# Get-Other\n"),
            "two-titles" => Must("## NOTES\n", "# Set-Sample\n\n## NOTES\n"),
            "no-synopsis" => Must("## SYNOPSIS\nGets samples by name or from a file.\n", ""),
            "empty-synopsis" => Must("## SYNOPSIS\nGets samples by name or from a file.\n", "## SYNOPSIS\n\n"),
            "placeholder-synopsis" => Must("Gets samples by name or from a file.", "{{ Fill in the Synopsis }}"),
            "no-description" => page[..page.IndexOf("## DESCRIPTION\n", StringComparison.Ordinal)] + page[page.IndexOf("## EXAMPLES", StringComparison.Ordinal)..],
            "empty-description" => page[..page.IndexOf("## DESCRIPTION\n", StringComparison.Ordinal)] + "## DESCRIPTION\n\n" + page[page.IndexOf("## EXAMPLES", StringComparison.Ordinal)..],
            "unknown-section" => Must("## NOTES\n", "## FOO\nbar\n\n## NOTES\n"),
            "duplicate-section" => Must("## RELATED LINKS\n", "## NOTES\nagain\n\n## RELATED LINKS\n"),
            "no-examples" => page[..(page.IndexOf("## EXAMPLES\n", StringComparison.Ordinal) + 12)] + "\n" + page[page.IndexOf("## PARAMETERS", StringComparison.Ordinal)..],
            "example-without-code" => Must("### Example 1: Get every sample\n```powershell\nPS C:\\> Get-Sample\n```\n", "### Example 1: Get every sample\n"),
            "param-without-yaml" => RemoveYaml(page, "### -Count"),
            "param-without-description" => Must("How many samples to return at most.\n", ""),
            "unknown-yaml-key" => Must("Parameter Sets: ByPath\nAliases: FilePath", "Parameter Sets: ByPath\nAlias: FilePath"),
            "yaml-no-type" => Must("Type: Int32\n", ""),
            "bad-required" => Must("Parameter Sets: ByPath\nAliases: FilePath\n\nRequired: True", "Parameter Sets: ByPath\nAliases: FilePath\n\nRequired: Yes"),
            "bad-position" => Must("Position: Named\nDefault value: 10", "Position: first\nDefault value: 10"),
            "bad-pipeline" => Must("Accept pipeline input: True (ByPropertyName, ByValue)", "Accept pipeline input: ByValue"),
            "text-after-yaml" => Must("Default value: 10\nAccept pipeline input: False\nAccept wildcard characters: False\n```\n", "Default value: 10\nAccept pipeline input: False\nAccept wildcard characters: False\n```\n\nStray text.\n"),
            "duplicate-parameter" => Must("### CommonParameters", "### -Path\nAgain.\n\n```yaml\nType: String\n```\n\n### CommonParameters"),
            "syntax-mentions-undocumented" => Must("[-Format <String>] [<CommonParameters>]\n```\n\n### ByPath", "[-Format <String>] [-Bogus] [<CommonParameters>]\n```\n\n### ByPath"),
            "unknown-parameter-set" => Must("Parameter Sets: ByPath", "Parameter Sets: ByFile"),
            "syntax-set-without-code" => Must("### ByPath\n```\nGet-Sample [-Path] <String> [-Count <Int32>] [-Format <String>] [<CommonParameters>]\n```\n", "### ByPath\n"),
            "bad-related-link" => page + "Not a link\n",
            "unclosed-fence" => page + "\n```powershell\nGet-Sample\n",
            _ => throw new ArgumentException(name),
        };
    }

    private static string RemoveYaml(string page, string heading)
    {
        int h = page.IndexOf(heading + "\n", StringComparison.Ordinal);
        int start = page.IndexOf("```yaml\n", h, StringComparison.Ordinal);
        int end = page.IndexOf("```\n", start + 8, StringComparison.Ordinal) + 4;
        return page[..start] + page[end..];
    }

    [Theory]
    [InlineData("no-front-matter", "missing YAML front matter", null)]
    [InlineData("unclosed-front-matter", "front matter is never closed", null)]
    [InlineData("no-external-help-file", "front matter has no 'external help file' value", null)]
    [InlineData("help-file-with-path", "must be a plain .xml file name", null)]
    [InlineData("wrong-schema", "unsupported schema '1.0.0'", null)]
    [InlineData("no-title", "expected the '# Cmdlet-Name' heading", "## SYNOPSIS")]
    [InlineData("title-not-file-name", "heading '# Get-Other' does not match the file name 'Get-Sample.md'", "# Get-Other")]
    [InlineData("two-titles", "second '# Set-Sample' heading", "# Set-Sample")]
    [InlineData("no-synopsis", "missing '## SYNOPSIS' section", null)]
    [InlineData("empty-synopsis", "'## SYNOPSIS' is empty", "## SYNOPSIS")]
    [InlineData("placeholder-synopsis", "platyPS placeholder '{{ Fill in the Synopsis }}' was never filled in", "{{ Fill")]
    [InlineData("no-description", "missing '## DESCRIPTION' section", null)]
    [InlineData("empty-description", "'## DESCRIPTION' is empty", "## DESCRIPTION")]
    [InlineData("unknown-section", "unknown section '## FOO'", "## FOO")]
    [InlineData("duplicate-section", "section '## NOTES' appears twice", "## NOTES\nagain")]
    [InlineData("no-examples", "'## EXAMPLES' has no example", "## EXAMPLES")]
    [InlineData("example-without-code", "example 'Example 1: Get every sample' has no ``` code block", "### Example 1")]
    [InlineData("param-without-yaml", "parameter -Count has no ```yaml metadata block", "### -Count")]
    [InlineData("param-without-description", "parameter -Count has no description", "### -Count")]
    [InlineData("unknown-yaml-key", "yaml block of parameter -Path: unknown key 'Alias'", "Alias: FilePath")]
    [InlineData("yaml-no-type", "yaml block of parameter -Count has no 'Type'", null)]
    [InlineData("bad-required", "'Required' must be True or False, not 'Yes'", "Required: Yes")]
    [InlineData("bad-position", "'Position' must be Named or a number, not 'first'", "Position: first")]
    [InlineData("bad-pipeline", "'Accept pipeline input' must start with True or False", "Accept pipeline input: ByValue")]
    [InlineData("text-after-yaml", "unexpected content after the ```yaml block of parameter -Count", "Stray text.")]
    [InlineData("duplicate-parameter", "parameter -Path is documented twice", "### -Path\nAgain.")]
    [InlineData("syntax-mentions-undocumented", "mentions -Bogus, but '## PARAMETERS' has no '### -Bogus'", null)]
    [InlineData("unknown-parameter-set", "parameter -Path lists parameter set 'ByFile', but '## SYNTAX' has no '### ByFile' block", null)]
    [InlineData("syntax-set-without-code", "syntax set '### ByPath' has no ``` code block", "### ByPath")]
    [InlineData("bad-related-link", "'## RELATED LINKS' line 'Not a link' is not a markdown link", "Not a link")]
    [InlineData("unclosed-fence", "code fence opened here is never closed", "```powershell\nGet-Sample\n")]
    public void Malformed_page_fails_naming_file_and_problem(string mutation, string problem, string? lineOf)
    {
        string page = Mutate(mutation, Samples.Text("Get-Sample.md"));
        using var dir = new TempDir();
        string path = dir.Write("Get-Sample.md", page);

        var ex = Assert.Throws<HelpFormatException>(() => MarkdownHelpParser.ParseCommandPage(path));
        Assert.Equal(path, ex.FilePath);
        Assert.StartsWith(path, ex.Message);
        Assert.Contains(problem, ex.Message);
        if (lineOf is not null)
        {
            // The line must point at the offending text (last occurrence: mutations add text after the original).
            int expectedLine = page[..page.LastIndexOf(lineOf, StringComparison.Ordinal)].Count(c => c == '\n') + 1;
            Assert.Equal(expectedLine, ex.Line);
            Assert.StartsWith($"{path}:{expectedLine}: ", ex.Message);
        }
    }

    [Fact]
    public void The_unmutated_sample_is_valid() =>
        Assert.Equal("Get-Sample", MarkdownHelpParser.ParseCommandPage(Path.Combine(Samples.Dir, "Get-Sample.md")).Name);

    [Fact]
    public void Generator_reports_every_bad_page_and_writes_nothing()
    {
        using var dir = new TempDir();
        string docs = Samples.CopyDocs(dir);
        File.WriteAllText(Path.Combine(docs, "Get-Sample.md"), Mutate("no-synopsis", Samples.Text("Get-Sample.md")));
        File.WriteAllText(Path.Combine(docs, "Set-Sample.md"), Mutate("no-front-matter", Samples.Text("Set-Sample.md")));
        string output = dir.Combine("en-US");

        var ex = Assert.Throws<HelpGenerationException>(() => HelpGenerator.Generate(docs, output, "EncryptionTools"));
        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains(ex.Errors, e => e.FilePath.EndsWith("Get-Sample.md") && e.Problem.Contains("missing '## SYNOPSIS'"));
        Assert.Contains(ex.Errors, e => e.FilePath.EndsWith("Set-Sample.md") && e.Problem.Contains("missing YAML front matter"));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Module_name_mismatch_is_an_error()
    {
        using var dir = new TempDir();
        string docs = Samples.CopyDocs(dir);
        var ex = Assert.Throws<HelpGenerationException>(() => HelpGenerator.Generate(docs, dir.Combine("out"), "OtherModule"));
        Assert.Contains(ex.Errors, e => e.Problem.Contains("'Module Name: EncryptionTools', but this run builds module 'OtherModule'"));
    }

    [Fact]
    public void Docs_without_cmdlet_pages_is_an_error()
    {
        using var dir = new TempDir();
        dir.Write("docs/about_Sample.md", Samples.Text("about_Sample.md"));
        var ex = Assert.Throws<HelpGenerationException>(() => HelpGenerator.Generate(dir.Combine("docs"), dir.Combine("out"), "EncryptionTools"));
        Assert.Contains("no cmdlet pages found", Assert.Single(ex.Errors).Problem);
    }
}
