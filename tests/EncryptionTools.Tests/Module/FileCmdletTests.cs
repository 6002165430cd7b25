using System.Management.Automation;
using System.Reflection;
using EncryptionTools.Module;

namespace EncryptionTools.Tests.Module;

/// <summary>The rules of the file cmdlets, beside the house rules every cmdlet keeps (CmdletConventionTests).</summary>
public class FileCmdletTests
{
    public static TheoryData<string> FileCmdlets() => new() { "Protect-File", "Unprotect-File", "Update-EncFileKey", "Get-EncFileInfo", "Invoke-EncKeyRotation" };

    [Theory]
    [MemberData(nameof(FileCmdlets))]
    public void AreFileCmdletsWithStorePathAndAPesterDescribe(string name)
    {
        var type = ModuleLayout.Cmdlets[name];
        Assert.True(type.IsSubclassOf(typeof(FileCmdlet)));
        Assert.NotNull(type.GetProperty("StorePath")!.GetCustomAttribute<ParameterAttribute>());
        var pester = Directory.GetFiles(Path.Combine(ModuleLayout.RepoRoot, "tests"), "*.Tests.ps1").Select(File.ReadAllText);
        Assert.Contains(pester, text => text.Contains(name, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Protect-File")]
    [InlineData("Unprotect-File")]
    [InlineData("Update-EncFileKey")]
    public void WritersSupportShouldProcessAndCompleteKeys(string name)
    {
        var type = ModuleLayout.Cmdlets[name];
        Assert.True(ModuleLayout.Named(ModuleLayout.Attribute<CmdletAttribute>(type)!, "SupportsShouldProcess") is true);
        foreach (var property in type.GetProperties().Where(p => p.Name.EndsWith("KeyId", StringComparison.Ordinal)))
            Assert.Contains(property.GetCustomAttributesData(), a => a.AttributeType == typeof(ArgumentCompleterAttribute));
    }

    [Fact]
    public void EveryOutputTypeOfTheFileCmdletsHasATableView()
    {
        var format = File.ReadAllText(Path.Combine(ModuleLayout.RepoRoot, "src", "EncryptionTools", "EncryptionTools.Format.ps1xml"));
        foreach (var name in new[] { "Protect-File", "Unprotect-File", "Update-EncFileKey", "Get-EncFileInfo", "Invoke-EncKeyRotation" })
            foreach (var attribute in ModuleLayout.Attributes<OutputTypeAttribute>(ModuleLayout.Cmdlets[name]))
                foreach (var argument in (IEnumerable<CustomAttributeTypedArgument>)attribute.ConstructorArguments[0].Value!)
                    if ((Type)argument.Value! is var output && output != typeof(FileInfo))
                        Assert.Contains($"<TypeName>{output.FullName}</TypeName>", format);
        Assert.Contains("<TypeName>EncryptionTools.Engine.Inspection.EncryptedDataKeyInfo</TypeName>", format);
    }

    [Fact]
    public void TheDefaultSuffixIsDocumented()
    {
        Assert.Equal(".enc", EncryptionTools.Engine.Files.FileProtector.DefaultSuffix);
        Assert.Contains("Default suffix: `.enc`", File.ReadAllText(Path.Combine(ModuleLayout.RepoRoot, "docs", "Protect-File.md")));
    }
}
