using System.Management.Automation;

namespace EncryptionTools.PowerShell.Tests;

[Collection(ModuleCollection.Name)]
public sealed class ModuleImportTests(ModuleRunspace ps)
{
    [Fact]
    public void EveryCmdletTheManifestExportsIsThere()
    {
        var r = ps.Run("(Import-PowerShellDataFile $args[0]).CmdletsToExport; '--'; (Get-Command -Module EncryptionTools -CommandType Cmdlet).Name".Replace("$args[0]", "'" + ModuleRunspace.ModulePath.Replace("'", "''") + "'"));
        r.AssertNoErrors();
        var all = r.Output.Select(o => o.ToString()).ToList();
        var split = all.IndexOf("--");
        var exported = all.Take(split).Order().ToList();
        var loaded = all.Skip(split + 1).Order().ToList();
        Assert.NotEmpty(exported);
        Assert.Equal(exported, loaded);
    }

    [Fact]
    public void AKeyMadeInTheRunspaceEncryptsAndDecryptsAFile()
    {
        using var box = new Sandbox();
        var plain = box.File("a.txt", "secret text");
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            Protect-File -LiteralPath $plain -KeyId alias/t -StorePath $store | Out-Null
            Unprotect-File -LiteralPath "$plain.enc" -Destination "$out/" -StorePath $store | Out-Null
            Get-Content -Raw -LiteralPath (Join-Path $out 'a.txt')
            """, new Dictionary<string, object?> { ["store"] = box.StorePath, ["plain"] = plain, ["out"] = Path.Combine(box.Root, "out") });
        r.AssertNoErrors();
        Assert.Equal("secret text", Assert.Single(r.Output).ToString());
    }
}
