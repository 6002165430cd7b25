using Xunit;

namespace EncryptionTools.HelpGen.Tests;

public class ParserTests
{
    private static CommandHelp Parse(string sample)
    {
        using var dir = new TempDir();
        return MarkdownHelpParser.ParseCommandPage(dir.Write(sample, Samples.Text(sample)));
    }

    [Fact]
    public void GetSample_front_matter_and_text_sections()
    {
        var c = Parse("Get-Sample.md");
        Assert.Equal("Get-Sample", c.Name);
        Assert.Equal("Get", c.Verb);
        Assert.Equal("Sample", c.Noun);
        Assert.Equal("EncryptionTools.dll-Help.xml", c.ExternalHelpFile);
        Assert.Equal("EncryptionTools", c.ModuleName);
        Assert.Equal("https://example.invalid/EncryptionTools/Get-Sample", c.OnlineVersion);
        Assert.Equal("Gets samples by name or from a file.", c.Synopsis);
        // Soft line breaks join, emphasis markers go, code spans stay, absolute links keep their URI.
        Assert.Equal(
            "The Get-Sample cmdlet gets sample objects. It reads them from the sample store, or from a file when you use the Path parameter.\n\n" +
            "Names accept wildcards, so `Get-Sample -Name a*` gets every sample whose name starts with a. See the online guide (https://example.invalid/guide) for details.",
            c.Description);
        Assert.Equal("Samples are cached for the session.", c.Notes);
        Assert.True(c.SupportsCommonParameters);
    }

    [Fact]
    public void GetSample_syntax_has_two_named_sets_with_parameters_by_position()
    {
        var c = Parse("Get-Sample.md");
        Assert.Equal(2, c.Syntax.Count);

        Assert.Equal("ByName", c.Syntax[0].Name);
        Assert.True(c.Syntax[0].IsDefault);
        Assert.Equal(["Name", "Count", "Format"], c.Syntax[0].ParameterNames);
        Assert.StartsWith("Get-Sample [[-Name] <String[]>]", c.Syntax[0].Code);

        Assert.Equal("ByPath", c.Syntax[1].Name);
        Assert.False(c.Syntax[1].IsDefault);
        Assert.Equal(["Path", "Count", "Format"], c.Syntax[1].ParameterNames);
    }

    [Fact]
    public void GetSample_parameters_have_every_field()
    {
        var c = Parse("Get-Sample.md");
        Assert.Equal(["Count", "Format", "Name", "Path"], c.Parameters.Select(p => p.Name));

        var name = c.FindParameter("Name")!;
        Assert.Equal("String[]", name.Type);
        Assert.Equal(["ByName"], name.ParameterSets);
        Assert.Equal(["SampleName", "N"], name.Aliases);
        Assert.False(name.Required);
        Assert.Equal("0", name.Position);
        Assert.Null(name.DefaultValue);
        Assert.Equal("True (ByPropertyName, ByValue)", name.AcceptPipelineInput);
        Assert.True(name.AcceptWildcardCharacters);
        Assert.Equal("Names of the samples to get. Wildcards are permitted.", name.Description);
        Assert.False(name.IsSwitch);

        var path = c.FindParameter("Path")!;
        Assert.True(path.Required);
        Assert.Equal(["FilePath"], path.Aliases);
        Assert.Equal("False", path.AcceptPipelineInput);
        Assert.False(path.AcceptWildcardCharacters);

        var count = c.FindParameter("Count")!;
        Assert.Equal("Int32", count.Type);
        Assert.Equal(["(All)"], count.ParameterSets);
        Assert.Empty(count.Aliases);
        Assert.Equal("Named", count.Position);
        Assert.Equal("10", count.DefaultValue);

        var format = c.FindParameter("Format")!;
        Assert.Equal(["Text", "Json"], format.AcceptedValues);
        Assert.Equal("Text", format.DefaultValue);
    }

    [Fact]
    public void GetSample_examples_inputs_outputs_links()
    {
        var c = Parse("Get-Sample.md");
        Assert.Equal(2, c.Examples.Count);
        Assert.Equal("Example 1: Get every sample", c.Examples[0].Title);
        Assert.Equal(@"PS C:\> Get-Sample", c.Examples[0].Code);
        Assert.Equal("This command gets all samples in the store.", c.Examples[0].Remarks);
        Assert.Equal("Example 2: Read samples from a file", c.Examples[1].Title);
        Assert.Equal(@"PS C:\> Get-Sample -Path .\samples.json -Count 2", c.Examples[1].Code);
        // Backslash escapes are resolved in text.
        Assert.Equal("This command reads the first two samples from samples.json.\n\nThe file must be UTF-8 <JSON> text.", c.Examples[1].Remarks);

        Assert.Equal([new TypeHelp("System.String[]", "You can pipe sample names to this cmdlet.")], c.Inputs);
        Assert.Equal([new TypeHelp("EncryptionTools.Sample", "One object per sample.")], c.Outputs);

        Assert.Equal(
            [new LinkHelp("Online Version:", "https://example.invalid/EncryptionTools/Get-Sample"), new LinkHelp("Set-Sample", "")],
            c.Links);
    }

    [Fact]
    public void SetSample_single_unnamed_set_switches_and_pipeline_input()
    {
        var c = Parse("Set-Sample.md");
        Assert.Null(c.OnlineVersion);
        var set = Assert.Single(c.Syntax);
        Assert.Null(set.Name);
        Assert.True(set.IsDefault);
        // Positional first (0, 1), then named ones in page order.
        Assert.Equal(["InputObject", "Value", "Confirm", "Force", "PassThru", "WhatIf"], set.ParameterNames);

        var force = c.FindParameter("Force")!;
        Assert.True(force.IsSwitch);
        Assert.Equal("SwitchParameter", force.Type);
        Assert.Null(force.DefaultValue);

        var input = c.FindParameter("InputObject")!;
        Assert.Equal("True (ByValue)", input.AcceptPipelineInput);
        Assert.True(input.Required);
        Assert.Equal("0", input.Position);

        Assert.Equal(["wi"], c.FindParameter("WhatIf")!.Aliases);
        Assert.Equal("Shows what would happen if the cmdlet runs. The cmdlet is not run.", c.FindParameter("WhatIf")!.Description);

        Assert.Equal("", c.Notes);
        Assert.Equal(["None", "EncryptionTools.Sample"], c.Outputs.Select(o => o.TypeName));
        Assert.Equal("When you use the PassThru parameter, this cmdlet returns the changed sample.", c.Outputs[1].Description);

        var example = Assert.Single(c.Examples);
        // Several code blocks (command, then output) join with a blank line, as platyPS does.
        Assert.Equal("PS C:\\> Get-Sample -Name alpha | Set-Sample -Value 'new' -PassThru\n\nName  Value\n----  -----\nalpha new", example.Code);
        Assert.Equal([new LinkHelp("Get-Sample", "")], c.Links);
    }

    [Fact]
    public void Several_yaml_blocks_give_per_set_metadata()
    {
        string text = Samples.Text("Get-Sample.md").Replace(
            "Parameter Sets: ByName\nAliases: SampleName, N\n\nRequired: False\nPosition: 0",
            "Parameter Sets: ByName\nAliases: SampleName, N\n\nRequired: False\nPosition: 0\nDefault value: None\nAccept pipeline input: False\nAccept wildcard characters: False\n```\n\n```yaml\nType: String[]\nParameter Sets: ByPath\nAliases:\n\nRequired: True\nPosition: 1");
        text = text.Replace("Get-Sample [-Path] <String> [-Count", "Get-Sample [-Path] <String> [-Name] <String[]> [-Count");
        using var dir = new TempDir();
        var c = MarkdownHelpParser.ParseCommandPage(dir.Write("Get-Sample.md", text));

        var name = c.FindParameter("Name")!;
        Assert.Equal(2, name.Metadata.Count);
        Assert.Equal(["ByName", "ByPath"], name.ParameterSets);
        Assert.Equal("0", name.Position);             // flat view = first block
        Assert.Equal("1", name.ForSet("ByPath")!.Position);
        Assert.True(name.ForSet("ByPath")!.Required);
        Assert.Equal(["Path", "Name", "Count", "Format"], c.Syntax[1].ParameterNames);

        var maml = System.Xml.Linq.XDocument.Parse(MamlWriter.WriteToString([c]));
        var byPath = maml.Descendants(Ns.Command + "syntaxItem").ElementAt(1);
        var nameInPath = byPath.Elements(Ns.Command + "parameter").Single(p => (string?)p.Element(Ns.Maml + "name") == "Name");
        Assert.Equal("1", (string?)nameInPath.Attribute("position"));
        Assert.Equal("true", (string?)nameInPath.Attribute("required"));
        var nameInParams = maml.Descendants(Ns.Command + "parameters").Single().Elements(Ns.Command + "parameter")
            .Single(p => (string?)p.Element(Ns.Maml + "name") == "Name");
        Assert.Equal("0", (string?)nameInParams.Attribute("position"));
    }

    [Fact]
    public void Crlf_and_bom_input_parse_the_same()
    {
        using var dir = new TempDir();
        string lf = dir.Write("a/Set-Sample.md", Samples.Text("Set-Sample.md"));
        string crlf = dir.Combine("b", "Set-Sample.md");
        Directory.CreateDirectory(Path.GetDirectoryName(crlf)!);
        File.WriteAllText(crlf, Samples.Text("Set-Sample.md").Replace("\n", "\r\n"), new System.Text.UTF8Encoding(true));

        string x = MamlWriter.WriteToString([MarkdownHelpParser.ParseCommandPage(lf)]);
        string y = MamlWriter.WriteToString([MarkdownHelpParser.ParseCommandPage(crlf)]);
        Assert.Equal(x, y);
    }
}
