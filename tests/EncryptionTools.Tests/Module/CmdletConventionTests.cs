using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using EncryptionTools.Engine.Store;
using EncryptionTools.HelpGen;
using EncryptionTools.Module;

namespace EncryptionTools.Tests.Module;

/// <summary>
/// House rules every cmdlet must keep, found by reflection on the compiled classes: approved verbs (PowerShell's own),
/// one cmdlet per file named VerbNounCommand, [OutputType], HelpUri, ShouldProcess where it writes (and only there),
/// -Path beside -LiteralPath, -KeyId with its Id alias and key completion, -StorePath on store cmdlets, and help.
/// The module's one convention suite.
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

    /// <summary>The store cmdlets: they use the store and bind keys from the pipeline (the file cmdlets bind files; Module/FileCmdletTests).</summary>
    private static readonly Type[] StoreCmdlets = [.. ModuleLayout.Cmdlets.Values
        .Where(t => t.IsSubclassOf(typeof(KeyStoreCmdlet)) && (!t.IsSubclassOf(typeof(FileCmdlet)) || t == typeof(EncryptionTools.Module.Commands.InvokeEncKeyRotationCommand)))
        .OrderBy(t => t.Name, StringComparer.Ordinal)];

    /// <summary>Cmdlets that destroy or expose something, or change who may do what: -Confirm asks by default.</summary>
    private static readonly string[] HighImpact =
        ["Remove-EncKey", "Invoke-EncKeyRotation", "Export-EncKey", "Set-EncKeyStore", "Set-EncKeyPolicy", "Revoke-EncKeyAccess"];

    public static TheoryData<string> StoreCmdletNames()
    {
        var data = new TheoryData<string>();
        foreach (var type in StoreCmdlets) data.Add(ModuleLayout.Name(type));
        return data;
    }

    [Fact]
    public void ThereAreCmdlets() => Assert.NotEmpty(ModuleLayout.Cmdlets);

    [Fact]
    public void EveryStoreCmdletExists()
    {
        string[] expected =
        [
            "New-EncKey", "Get-EncKey", "Set-EncKey", "Enable-EncKey", "Disable-EncKey", "Remove-EncKey", "Restore-EncKey",
            "New-EncKeyAlias", "Get-EncKeyAlias", "Set-EncKeyAlias", "Remove-EncKeyAlias", "Invoke-EncKeyRotation", "Get-EncKeyRotation",
            "Import-EncKey", "Export-EncKey", "Unlock-EncKeyStore", "Lock-EncKeyStore", "Get-EncKeyStore", "Set-EncKeyStore",
            "Get-EncKeyPolicy", "Set-EncKeyPolicy", "Test-EncKeyAccess", "Grant-EncKeyAccess", "Get-EncKeyGrant", "Revoke-EncKeyAccess",
            "Remove-EncKeyGrant", "Get-EncAuditEvent", "Test-EncAuditLog",
            "Backup-EncKeyStore", "Restore-EncKeyStore",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), StoreCmdlets.Select(ModuleLayout.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StoreCmdletNames))]
    public void StoreCmdletsTakeAStorePathAndHaveAPesterDescribe(string name)
    {
        var type = ModuleLayout.Cmdlets[name];
        Assert.NotNull(ModuleLayout.Attribute<ParameterAttribute>(type.GetProperty("StorePath")!));
        var pester = Directory.GetFiles(Path.Combine(ModuleLayout.RepoRoot, "tests"), "*.Tests.ps1").Select(File.ReadAllText);
        Assert.Contains(pester, text => text.Contains($"Describe '{name}'", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CmdletNames))]
    public void KeyIdHasTheIdAliasAndCompletesKeys(string name)
    {
        var keyId = ModuleLayout.Parameters(ModuleLayout.Cmdlets[name]).FirstOrDefault(p => p.Name == "KeyId");
        if (keyId is null) return;
        Assert.Contains("Id", ModuleLayout.StringArgs(ModuleLayout.Attribute<AliasAttribute>(keyId)));
        Assert.Equal(typeof(EncKeyCompleter), ModuleLayout.Attribute<ArgumentCompleterAttribute>(keyId)?.ConstructorArguments[0].Value);
    }

    [Theory]
    [MemberData(nameof(StoreCmdletNames))]
    public void StoreCmdletsBindKeyObjectsFromThePipelineByKeyId(string name)
    {
        var keyId = ModuleLayout.Cmdlets[name].GetProperty("KeyId");
        if (keyId is null || name == "Set-EncKeyAlias") return; // there -KeyId is the new target, given explicitly
        Assert.Contains(ModuleLayout.Attributes<ParameterAttribute>(keyId), p => ModuleLayout.Named(p, "ValueFromPipelineByPropertyName") is true);
    }

    [Fact]
    public void KeyObjectsBindBecauseTheyHaveAKeyIdAndConvertToIt()
    {
        using var t = new Store.TestStore();
        var key = t.Store.NewKey(new NewKeyRequest());
        Assert.Equal(key.KeyId, key.ToString()); // -KeyId $key, coerced to string
        Assert.NotNull(typeof(EncKeyAlias).GetProperty("KeyId"));
        Assert.NotNull(typeof(EncKeyExport).GetProperty("KeyNamespace")); // Export | Import binds by property name
        Assert.NotNull(typeof(EncKeyExport).GetProperty("KeyMaterialBase64"));
    }

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
    public void SupportsShouldProcessWhenItWritesAndOnlyThen(string name)
    {
        var type = ModuleLayout.Cmdlets[name];
        var cmdlet = ModuleLayout.Attribute<CmdletAttribute>(type)!;
        var writes = !ReadOnlyVerbs.Contains(ModuleLayout.Verb(type)) && !InMemoryOnly.Contains(name);
        Assert.True(writes == ModuleLayout.Named(cmdlet, "SupportsShouldProcess") is true,
            writes ? $"{name} changes state and must declare SupportsShouldProcess." : $"{name} changes nothing and must not offer -WhatIf/-Confirm.");
        if (HighImpact.Contains(name)) Assert.Equal((int)ConfirmImpact.High, ModuleLayout.Named(cmdlet, "ConfirmImpact"));
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
        var text = File.ReadAllText(page);
        Assert.Contains("external help file: EncryptionTools.dll-Help.xml", text, StringComparison.Ordinal);
        Assert.Contains("Module Name: EncryptionTools", text, StringComparison.Ordinal);
        foreach (var section in new[] { "## SYNOPSIS", "## SYNTAX", "## DESCRIPTION", "## EXAMPLES", "## PARAMETERS", "## INPUTS", "## OUTPUTS", "## NOTES", "## RELATED LINKS" })
            Assert.Matches(new Regex("^" + Regex.Escape(section) + "\\s*$", RegexOptions.Multiline), text);
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

    /// <summary>The approved verbs of PowerShell (Get-Verb), from PowerShell's own Verbs* classes.</summary>
    private static readonly HashSet<string> ApprovedVerbs = new[]
        {
            typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic),
            typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity),
        }
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
        .Select(f => (string)f.GetValue(null)!)
        .ToHashSet(StringComparer.OrdinalIgnoreCase);
}
