using System.Management.Automation;
using System.Reflection;
using EncryptionTools.HelpGen;

namespace EncryptionTools.Tests.Module;

/// <summary>
/// House rules every cmdlet must keep, found by reflection on the compiled classes: approved verbs, one cmdlet per
/// file named VerbNounCommand, [OutputType], ShouldProcess where it writes, -Path beside -LiteralPath, and help.
/// </summary>
public class CmdletConventionTests
{
    /// <summary>Verbs whose cmdlets only read; everything else changes state and must support -WhatIf/-Confirm.</summary>
    private static readonly HashSet<string> ReadOnlyVerbs = new(StringComparer.OrdinalIgnoreCase) { "Get", "Test", "Find", "Search", "Measure", "Compare", "Show" };

    /// <summary>State that lives only in this session's memory (an unlock cache) is not a write.</summary>
    private static readonly HashSet<string> InMemoryOnly = new(StringComparer.OrdinalIgnoreCase) { "Lock-EncKeyStore", "Unlock-EncKeyStore" };

    public static TheoryData<string> CmdletNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in ModuleLayout.Cmdlets.Keys.Order()) data.Add(name);
        return data;
    }

    [Fact]
    public void ThereAreCmdlets() => Assert.NotEmpty(ModuleLayout.Cmdlets);

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void UsesAnApprovedVerbAndTheClassAndFileNames(string name)
    {
        var type = ModuleLayout.Cmdlets[name];
        var (verb, noun) = (ModuleLayout.Verb(type), ModuleLayout.Noun(type));
        Assert.Contains(verb, ApprovedVerbs);
        Assert.Equal(verb + noun + "Command", type.Name);
        var file = Path.Combine(ModuleLayout.RepoRoot, "src", "EncryptionTools", "Commands", type.Name + ".cs");
        Assert.True(File.Exists(file), $"{name} must live in {file}.");
        // The product specification names exactly these two Protect-File and Unprotect-File (the verbs' own pairing, as
        // in Protect-CmsMessage); every other noun carries the module's Enc prefix.
        if (name is "Protect-File" or "Unprotect-File") return;
        Assert.True(noun.StartsWith("Enc", StringComparison.Ordinal) || noun.StartsWith("Encryption", StringComparison.Ordinal), $"{name}: nouns carry the module's Enc prefix.");
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void DeclaresItsOutputType(string name) =>
        Assert.NotEmpty(ModuleLayout.Attributes<OutputTypeAttribute>(ModuleLayout.Cmdlets[name]));

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void HasAHelpUriToItsDocsPageAndThePageSaysTheSame(string name)
    {
        var expected = EncryptionTools.Module.HelpLinks.DocsBase + name + ".md";
        Assert.Equal(expected, ModuleLayout.Named(ModuleLayout.Attribute<CmdletAttribute>(ModuleLayout.Cmdlets[name])!, "HelpUri"));
        Assert.True(Uri.TryCreate(expected, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps, expected);
        var page = MarkdownHelpParser.ParseCommandPage(Path.Combine(ModuleLayout.RepoRoot, "docs", name + ".md"));
        Assert.Equal(expected, page.OnlineVersion);
        // Get-Help -Online opens the first related link that is a URI: platyPS's "Online Version:" link.
        Assert.Equal(new LinkHelp("Online Version:", expected), page.Links.FirstOrDefault());
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void SupportsShouldProcessWhenItWrites(string name)
    {
        var type = ModuleLayout.Cmdlets[name];
        if (ReadOnlyVerbs.Contains(ModuleLayout.Verb(type)) || InMemoryOnly.Contains(name)) return;
        Assert.True(ModuleLayout.Named(ModuleLayout.Attribute<CmdletAttribute>(type)!, "SupportsShouldProcess") is true,
            $"{name} changes state and must declare SupportsShouldProcess.");
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void PairsWildcardPathWithLiteralPath(string name)
    {
        var parameters = ModuleLayout.Parameters(ModuleLayout.Cmdlets[name]).ToDictionary(p => p.Name);
        if (!parameters.TryGetValue("Path", out var path)) return;
        Assert.NotNull(ModuleLayout.Attribute<SupportsWildcardsAttribute>(path));
        Assert.True(parameters.TryGetValue("LiteralPath", out var literal), $"{name} has -Path but no -LiteralPath.");
        Assert.Contains("PSPath", ModuleLayout.StringArgs(ModuleLayout.Attribute<AliasAttribute>(literal!)));
        Assert.Contains(ModuleLayout.Attributes<ParameterAttribute>(literal!), p => ModuleLayout.Named(p, "ValueFromPipelineByPropertyName") is true);
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void HasAHelpPageDocumentingEveryParameterAndNothingElse(string name)
    {
        var page = Path.Combine(ModuleLayout.RepoRoot, "docs", name + ".md");
        Assert.True(File.Exists(page), $"{name} has no docs page {page}.");
        var help = MarkdownHelpParser.ParseCommandPage(page);
        Assert.False(string.IsNullOrWhiteSpace(help.Synopsis));
        Assert.True(help.Examples.Count >= 2, $"{name} needs at least two examples.");
        var actual = ModuleLayout.Parameters(ModuleLayout.Cmdlets[name]).Select(p => p.Name).Order(StringComparer.OrdinalIgnoreCase);
        var documented = help.Parameters.Select(p => p.Name).Order(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(actual, documented);
    }

    [Fact]
    public void NoPageDocumentsACmdletThatDoesNotExist()
    {
        var pages = Directory.EnumerateFiles(Path.Combine(ModuleLayout.RepoRoot, "docs"), "*-*.md")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => n!.Contains("-Enc", StringComparison.OrdinalIgnoreCase) || n!.StartsWith("Test-", StringComparison.OrdinalIgnoreCase));
        Assert.All(pages, p => Assert.True(ModuleLayout.Cmdlets.ContainsKey(p!), $"docs/{p}.md documents no compiled cmdlet."));
    }

    [Fact]
    public void TheCommittedMamlIsCurrentAndCoversEveryCmdletAndParameter()
    {
        var temp = Directory.CreateTempSubdirectory("et-maml-").FullName;
        try
        {
            HelpGenerator.Generate(Path.Combine(ModuleLayout.RepoRoot, "docs"), temp, "EncryptionTools");
            var fresh = Path.Combine(temp, "EncryptionTools.dll-Help.xml");
            var committed = Path.Combine(ModuleLayout.RepoRoot, "en-US", "EncryptionTools.dll-Help.xml");
            Assert.True(File.Exists(committed), "en-US/EncryptionTools.dll-Help.xml is missing: run bash build.sh.");
            var enUs = Path.Combine(ModuleLayout.RepoRoot, "en-US");
            Assert.Equal(Directory.GetFiles(temp).Select(Path.GetFileName).Order(), Directory.GetFiles(enUs).Select(Path.GetFileName).Order());
            foreach (var file in Directory.GetFiles(temp))
                Assert.True(File.ReadAllText(file) == File.ReadAllText(Path.Combine(enUs, Path.GetFileName(file))),
                    $"en-US/{Path.GetFileName(file)} is stale: run bash build.sh and commit en-US/.");
            var commands = MamlReader.ReadCommandNames(committed);
            var parameters = MamlReader.ReadParameters(committed);
            foreach (var (name, type) in ModuleLayout.Cmdlets)
            {
                Assert.Contains(name, commands, StringComparer.OrdinalIgnoreCase);
                foreach (var p in ModuleLayout.Parameters(type))
                    Assert.Contains(p.Name, parameters[name], StringComparer.OrdinalIgnoreCase);
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>The approved verbs of PowerShell (Get-Verb), from the Verbs* classes of the reference assembly.</summary>
    private static readonly HashSet<string> ApprovedVerbs = new[]
        {
            typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic),
            typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity),
        }
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
        .Select(f => (string)f.GetValue(null)!)
        .ToHashSet(StringComparer.OrdinalIgnoreCase);
}
