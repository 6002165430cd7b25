using EncryptionTools.Module;

namespace EncryptionTools.Tests.Compliance;

/// <summary>
/// The Should -BeEncrypted registration takes no dependency on Pester: it only acts when Pester 5+ is loaded, and an
/// import never fails because of it. (The operator itself is exercised by tests/Test-EncryptionCompliance.Tests.ps1.)
/// </summary>
public sealed class PesterIntegrationTests
{
    [Fact]
    public void TheRegistrationChecksForALoadedPester5AndNeverImportsIt()
    {
        var script = PesterIntegration.RegistrationScript;
        Assert.Contains("Get-Module -Name Pester", script, StringComparison.Ordinal);
        Assert.Contains("$_.Version.Major -ge 5", script, StringComparison.Ordinal);
        Assert.Contains("Add-ShouldOperator -Name BeEncrypted", script, StringComparison.Ordinal);
        Assert.DoesNotContain("Import-Module", script, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("RequiredModules", File.ReadAllText(Module.ModuleLayout.ManifestPath), StringComparison.Ordinal);
    }

    [Fact]
    public void OnImportOutsideAHostDoesNothingAndDoesNotThrow()
    {
        var initializer = new PesterIntegration();
        initializer.OnImport();
        Assert.IsAssignableFrom<System.Management.Automation.IModuleAssemblyInitializer>(initializer);
    }
}
