using System.Xml.Linq;

namespace EncryptionTools.Tests.Module;

/// <summary>The manifest is what Import-Module reads; without pwsh here, its rules are checked directly.</summary>
public class ManifestTests
{
    [Fact]
    public void ExportsExactlyTheCompiledCmdletsExplicitly()
    {
        var exported = ModuleLayout.ManifestList("CmdletsToExport");
        Assert.DoesNotContain(exported, e => e.Contains('*'));
        Assert.Equal(ModuleLayout.Cmdlets.Keys.Order(StringComparer.OrdinalIgnoreCase), exported.Order(StringComparer.OrdinalIgnoreCase));
        Assert.Equal(exported.Count, exported.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(exported.Order(StringComparer.OrdinalIgnoreCase), exported); // sorted, so a new cmdlet has one place
    }

    [Theory]
    [InlineData("FunctionsToExport")]
    [InlineData("AliasesToExport")]
    [InlineData("VariablesToExport")]
    public void ExportsNothingElse(string key) => Assert.Empty(ModuleLayout.ManifestList(key));

    [Fact]
    public void TargetsPowerShell74CoreWithAFixedGuid()
    {
        Assert.Equal("7.4", ModuleLayout.ManifestValue("PowerShellVersion"));
        Assert.Equal(["Core"], ModuleLayout.ManifestList("CompatiblePSEditions"));
        Assert.True(Guid.TryParse(ModuleLayout.ManifestValue("GUID"), out var guid) && guid != Guid.Empty);
        Assert.Equal("EncryptionTools.dll", ModuleLayout.ManifestValue("RootModule"));
        foreach (var key in new[] { "ProjectUri", "LicenseUri", "ReleaseNotes", "Description" })
            Assert.False(string.IsNullOrWhiteSpace(ModuleLayout.ManifestValue(key)), key);
        Assert.NotEmpty(ModuleLayout.ManifestList("Tags"));
    }

    [Fact]
    public void TheVersionComesFromTheManifestOnly()
    {
        var version = Version.Parse(ModuleLayout.ManifestValue("ModuleVersion"));
        Assert.Equal(version.ToString(3), ModuleLayout.ModuleAssembly.GetName().Version!.ToString(3));
        Assert.Equal(version.ToString(3), typeof(EncryptionTools.Engine.EncryptionToolsException).Assembly.GetName().Version!.ToString(3));
    }

    [Fact]
    public void TheModuleFolderHasEveryFileTheManifestNamesAndNoStubPowerShell()
    {
        // The module project's own output is the folder build.sh publishes to out/EncryptionTools.
        var folder = Path.Combine(ModuleLayout.RepoRoot, "src", "EncryptionTools", "bin", "Release", "net8.0");
        Assert.True(Directory.Exists(folder), "Build the module in Release first: " + folder);
        foreach (var file in ModuleLayout.ManifestList("FormatsToProcess")
                     .Append(ModuleLayout.ManifestValue("RootModule")).Append("EncryptionTools.psd1"))
            Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} is missing from the module folder.");
        // The host supplies System.Management.Automation; a copy in the module folder would shadow it.
        Assert.False(File.Exists(Path.Combine(folder, "System.Management.Automation.dll")));
        foreach (var xml in ModuleLayout.ManifestList("FormatsToProcess"))
            _ = XDocument.Load(Path.Combine(folder, xml));
    }

    [Fact]
    public void TheEngineDoesNotReferencePowerShell()
    {
        var engine = typeof(EncryptionTools.Engine.EncryptionToolsException).Assembly;
        Assert.DoesNotContain(engine.GetReferencedAssemblies(), a => a.Name == "System.Management.Automation");
    }
}
