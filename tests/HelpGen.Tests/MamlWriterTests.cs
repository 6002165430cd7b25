using System.Xml;
using System.Xml.Linq;
using Xunit;

namespace EncryptionTools.HelpGen.Tests;

public static class Ns
{
    public static readonly XNamespace Msh = "http://msh";
    public static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
}

public sealed class MamlWriterTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _mamlPath;
    private readonly XDocument _doc;

    public MamlWriterTests()
    {
        var result = HelpGenerator.Generate(Samples.CopyDocs(_dir), _dir.Combine("en-US"), "EncryptionTools");
        Assert.Contains("EncryptionTools.dll-Help.xml", result.FilesWritten);
        _mamlPath = _dir.Combine("en-US", "EncryptionTools.dll-Help.xml");
        // XmlReader with default settings rejects anything that is not well-formed.
        using var reader = XmlReader.Create(_mamlPath);
        _doc = XDocument.Load(reader);
    }

    public void Dispose() => _dir.Dispose();

    private XElement Command(string name) =>
        _doc.Root!.Elements(Ns.Command + "command")
            .Single(c => (string?)c.Element(Ns.Command + "details")!.Element(Ns.Command + "name") == name);

    private static XElement Param(XElement parent, string name) =>
        parent.Elements(Ns.Command + "parameter").Single(p => (string?)p.Element(Ns.Maml + "name") == name);

    [Fact]
    public void Root_and_namespaces_are_the_ones_get_help_reads()
    {
        Assert.Equal(Ns.Msh + "helpItems", _doc.Root!.Name);
        Assert.Equal("maml", (string?)_doc.Root.Attribute("schema"));
        var commands = _doc.Root.Elements().ToList();
        Assert.Equal(2, commands.Count);
        foreach (var c in commands)
        {
            Assert.Equal(Ns.Command + "command", c.Name);
            Assert.Equal(Ns.Maml.NamespaceName, (string?)c.Attribute(XNamespace.Xmlns + "maml"));
            Assert.Equal(Ns.Command.NamespaceName, (string?)c.Attribute(XNamespace.Xmlns + "command"));
            Assert.Equal(Ns.Dev.NamespaceName, (string?)c.Attribute(XNamespace.Xmlns + "dev"));
        }
        string text = File.ReadAllText(_mamlPath);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<helpItems schema=\"maml\" xmlns=\"http://msh\">\n", text);
    }

    [Fact]
    public void One_command_per_page_sorted_by_name_with_details()
    {
        Assert.Equal(["Get-Sample", "Set-Sample"], MamlReader.ReadCommandNames(_mamlPath));
        var details = Command("Set-Sample").Element(Ns.Command + "details")!;
        Assert.Equal("Set", (string?)details.Element(Ns.Command + "verb"));
        Assert.Equal("Sample", (string?)details.Element(Ns.Command + "noun"));
        Assert.Equal("Changes the value of a sample.", (string?)details.Element(Ns.Maml + "description")!.Element(Ns.Maml + "para"));
        var description = Command("Get-Sample").Element(Ns.Maml + "description")!.Elements(Ns.Maml + "para").ToList();
        Assert.Equal(2, description.Count);
        Assert.StartsWith("The Get-Sample cmdlet gets sample objects.", description[0].Value);
    }

    [Fact]
    public void Every_parameter_is_present_with_its_attributes()
    {
        var parameters = MamlReader.ReadParameters(_mamlPath);
        Assert.Equal(["Count", "Format", "Name", "Path"], parameters["Get-Sample"]);
        Assert.Equal(["Confirm", "Force", "InputObject", "PassThru", "Value", "WhatIf"], parameters["set-sample"]);

        var get = Command("Get-Sample").Element(Ns.Command + "parameters")!;
        var name = Param(get, "Name");
        Assert.Equal("false", (string?)name.Attribute("required"));
        Assert.Equal("0", (string?)name.Attribute("position"));
        Assert.Equal("True (ByPropertyName, ByValue)", (string?)name.Attribute("pipelineInput"));
        Assert.Equal("true", (string?)name.Attribute("globbing"));
        Assert.Equal("SampleName, N", (string?)name.Attribute("aliases"));
        Assert.Equal("String[]", (string?)name.Element(Ns.Command + "parameterValue"));
        Assert.Equal("String[]", (string?)name.Element(Ns.Dev + "type")!.Element(Ns.Maml + "name"));
        Assert.Equal("None", (string?)name.Element(Ns.Dev + "defaultValue"));

        var path = Param(get, "Path");
        Assert.Equal("true", (string?)path.Attribute("required"));
        Assert.Equal("false", (string?)path.Attribute("globbing"));
        Assert.Equal("False", (string?)path.Attribute("pipelineInput"));

        var count = Param(get, "Count");
        Assert.Equal("named", (string?)count.Attribute("position"));
        Assert.Equal("none", (string?)count.Attribute("aliases"));
        Assert.Equal("10", (string?)count.Element(Ns.Dev + "defaultValue"));

        var set = Command("Set-Sample").Element(Ns.Command + "parameters")!;
        var input = Param(set, "InputObject");
        Assert.Equal("True (ByValue)", (string?)input.Attribute("pipelineInput"));
        Assert.Equal("true", (string?)input.Attribute("required"));
        var force = Param(set, "Force");
        Assert.Equal("SwitchParameter", (string?)force.Element(Ns.Dev + "type")!.Element(Ns.Maml + "name"));
        Assert.Equal("false", (string?)force.Element(Ns.Command + "parameterValue")!.Attribute("required"));
        Assert.Equal("False", (string?)force.Element(Ns.Dev + "defaultValue"));
        Assert.Equal("cf", (string?)Param(set, "Confirm").Attribute("aliases"));
    }

    [Fact]
    public void Syntax_has_one_item_per_parameter_set()
    {
        var items = Command("Get-Sample").Element(Ns.Command + "syntax")!.Elements(Ns.Command + "syntaxItem").ToList();
        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal("Get-Sample", (string?)i.Element(Ns.Maml + "name")));
        Assert.Equal(["Name", "Count", "Format"], items[0].Elements(Ns.Command + "parameter").Select(p => (string?)p.Element(Ns.Maml + "name")));
        Assert.Equal(["Path", "Count", "Format"], items[1].Elements(Ns.Command + "parameter").Select(p => (string?)p.Element(Ns.Maml + "name")));
        Assert.Equal("true", (string?)Param(items[1], "Path").Attribute("required"));

        // Accepted values only show in syntax, as a parameterValueGroup.
        var group = Param(items[0], "Format").Element(Ns.Command + "parameterValueGroup")!;
        Assert.Equal(["Text", "Json"], group.Elements(Ns.Command + "parameterValue").Select(v => v.Value));
        Assert.Null(Param(Command("Get-Sample").Element(Ns.Command + "parameters")!, "Format").Element(Ns.Command + "parameterValueGroup"));

        var setItem = Assert.Single(Command("Set-Sample").Element(Ns.Command + "syntax")!.Elements(Ns.Command + "syntaxItem"));
        Assert.Equal(6, setItem.Elements(Ns.Command + "parameter").Count());
        // A switch in syntax has no parameterValue, so Get-Help prints [-Force] rather than [-Force <SwitchParameter>].
        Assert.Null(Param(setItem, "Force").Element(Ns.Command + "parameterValue"));
        Assert.Equal("Sample", (string?)Param(setItem, "InputObject").Element(Ns.Command + "parameterValue"));
    }

    [Fact]
    public void Examples_inputs_outputs_notes_and_links_are_present()
    {
        var get = Command("Get-Sample");
        var examples = get.Element(Ns.Command + "examples")!.Elements(Ns.Command + "example").ToList();
        Assert.Equal(2, examples.Count);
        Assert.Equal("----------------- Example 1: Get every sample -----------------", (string?)examples[0].Element(Ns.Maml + "title"));
        Assert.Equal(@"PS C:\> Get-Sample", (string?)examples[0].Element(Ns.Dev + "code"));
        Assert.Equal(["This command reads the first two samples from samples.json.", "The file must be UTF-8 <JSON> text."],
            examples[1].Element(Ns.Dev + "remarks")!.Elements(Ns.Maml + "para").Select(p => p.Value));

        Assert.Equal("System.String[]", (string?)get.Element(Ns.Command + "inputTypes")!.Element(Ns.Command + "inputType")!
            .Element(Ns.Dev + "type")!.Element(Ns.Maml + "name"));
        Assert.Equal("EncryptionTools.Sample", (string?)get.Element(Ns.Command + "returnValues")!.Element(Ns.Command + "returnValue")!
            .Element(Ns.Dev + "type")!.Element(Ns.Maml + "name"));
        Assert.Equal("Samples are cached for the session.", (string?)get.Element(Ns.Maml + "alertSet")!.Element(Ns.Maml + "alert")!.Element(Ns.Maml + "para"));

        var links = get.Element(Ns.Command + "relatedLinks")!.Elements(Ns.Maml + "navigationLink").ToList();
        Assert.Equal(2, links.Count);
        Assert.Equal("Online Version:", (string?)links[0].Element(Ns.Maml + "linkText"));
        Assert.Equal("https://example.invalid/EncryptionTools/Get-Sample", (string?)links[0].Element(Ns.Maml + "uri"));
        Assert.Equal("", (string?)links[1].Element(Ns.Maml + "uri"));

        // platyPS element order inside command:command.
        Assert.Equal(
            ["details", "description", "syntax", "parameters", "inputTypes", "returnValues", "alertSet", "examples", "relatedLinks"],
            get.Elements().Select(e => e.Name.LocalName));
    }

    [Fact]
    public void Text_that_needs_escaping_round_trips()
    {
        string text = Samples.Text("Set-Sample.md").Replace("Changes the value of a sample.", "Changes <values> & \"quotes\" of a sample.");
        using var dir = new TempDir();
        var c = MarkdownHelpParser.ParseCommandPage(dir.Write("Set-Sample.md", text));
        var doc = XDocument.Parse(MamlWriter.WriteToString([c]));
        Assert.Equal("Changes <values> & \"quotes\" of a sample.",
            doc.Descendants(Ns.Command + "details").Single().Element(Ns.Maml + "description")!.Value);
    }

    [Theory]
    [InlineData("Example 1", "-------------------------- Example 1 --------------------------")]
    [InlineData("", "")]
    public void Example_titles_are_padded_like_platyps(string title, string expected) =>
        Assert.Equal(expected, MamlWriter.PadExampleTitle(title));
}
