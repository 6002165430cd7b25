using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// The module's ErrorRecords take their id and category from the engine's error catalog, through the mapping the CLI
/// uses for its ids and exit codes: the same failure has the same id in both.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ErrorRecordIdTests(ModuleRunspace ps)
{
    [Theory]
    [InlineData("[UnauthorizedAccessException]::new('denied')", "FileAccessDenied", ErrorCategory.PermissionDenied)]
    [InlineData("[IO.IOException]::new('disk')", "IOError", ErrorCategory.WriteError)]
    [InlineData("[IO.FileNotFoundException]::new('gone')", "PathNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("[OperationCanceledException]::new()", "OperationStopped", ErrorCategory.OperationStopped)]
    [InlineData("[ArgumentException]::new('bad')", "InvalidArgument", ErrorCategory.InvalidArgument)]
    public void APlatformExceptionHasTheCatalogIdInTheModuleAndTheCli(string exception, string id, ErrorCategory category)
    {
        var r = ps.Run($$"""
            $e = {{exception}}
            $record = [EncryptionTools.Module.ErrorRecordFactory]::Create($e, 'target')
            $record.FullyQualifiedErrorId
            $record.CategoryInfo.Category.ToString()
            [EncryptionTools.Engine.ErrorCatalog]::Classify($e).Id
            """);
        r.AssertNoErrors();
        Assert.Equal(id, r.Output[0].ToString().Split(',')[0]);
        Assert.Equal(category.ToString(), r.Output[1].ToString());
        Assert.Equal(id, r.Output[2].ToString());
    }

    [Fact]
    public void SetEncKeyPolicyInputErrorsAreInvalidKeyPolicyWithItsOneCategory()
    {
        using var box = new Sandbox();
        box.File("one.json", "{}");
        box.File("two.json", "{}");
        // Two files for one policy: refused by the cmdlet itself (it was InvalidArgument there, InvalidData in the engine).
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            Set-EncKeyPolicy -KeyId alias/a -Path (Join-Path $root '*.json') -StorePath $store -Confirm:$false
            """, Vars(box));
        var error = Assert.Single(r.Errors);
        Assert.Equal("InvalidKeyPolicy", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
    }
}
