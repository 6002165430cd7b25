using System.Management.Automation;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// Where outputs go and what they may be: two sources of one command never write the same output (even with -Force),
/// a -Path wildcard that matches nothing is an error as in Get-Content, and an output is never more permissive than
/// its source.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class FileDestinationRulesTests(ModuleRunspace ps)
{
    private static Dictionary<string, object?> Vars(Sandbox box) => new() { ["store"] = box.StorePath, ["root"] = box.Root };

    [Theory]
    [InlineData("Get-ChildItem (Join-Path $root src) -Recurse -File | Protect-File -KeyId alias/t -Destination $out -Force -StorePath $store")]
    [InlineData("Protect-File -LiteralPath (Join-Path $root src/a/x.txt), (Join-Path $root src/b/x.txt) -KeyId alias/t -Destination $out -Force -StorePath $store")]
    public void TwoSourcesMappingToOneDestinationAreRefusedEvenWithForce(string command)
    {
        using var box = new Sandbox();
        var first = box.File("src/a/x.txt", "first");
        var second = box.File("src/b/x.txt", "second");
        var r = ps.Run($"""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            $out = Join-Path $root out
            @({command}).Count
            Unprotect-File -LiteralPath (Join-Path $out x.txt.enc) -Destination (Join-Path $root back.txt) -StorePath $store | Out-Null
            Get-Content -Raw -LiteralPath (Join-Path $root back.txt)
            """, Vars(box));
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.Equal("DestinationClash,EncryptionTools.Module.Commands.ProtectFileCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        // The first source in input order (Get-ChildItem's order is the file system's) wins; the other is refused.
        Assert.Contains(error.TargetObject, new object[] { first, second });
        Assert.Equal(1, Convert.ToInt32(r.Output[0].BaseObject)); // one result, one file
        Assert.Equal(Equals(error.TargetObject, second) ? "first" : "second", r.Output[1].ToString());
    }

    [Fact]
    public void DecryptingTwoSameNamedFilesIntoOneDirectoryRefusesTheSecond()
    {
        using var box = new Sandbox();
        box.File("src/a/x.txt", "first");
        box.File("src/b/x.txt", "second");
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            Get-ChildItem (Join-Path $root src) -Recurse -File | Protect-File -KeyId alias/t -StorePath $store | Out-Null
            $out = Join-Path $root out
            @(Get-ChildItem (Join-Path $root src) -Recurse -Filter *.enc | Unprotect-File -Destination $out -Force -StorePath $store).Count
            Get-Content -Raw -LiteralPath (Join-Path $out x.txt)
            """, Vars(box));
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.Equal("DestinationClash,EncryptionTools.Module.Commands.UnprotectFileCommand", error.FullyQualifiedErrorId);
        Assert.Equal(1, Convert.ToInt32(r.Output[0].BaseObject));
        Assert.Equal(((string)error.TargetObject).Contains("/b/", StringComparison.Ordinal) ? "first" : "second", r.Output[1].ToString());
    }

    [Theory]
    [InlineData("Protect-File -Path (Join-Path $root '*.nomatch') -KeyId alias/t -StorePath $store")]
    [InlineData("Unprotect-File -Path (Join-Path $root '*.nomatch') -StorePath $store")]
    [InlineData("Update-EncFileKey -Path (Join-Path $root '*.nomatch') -StorePath $store")]
    [InlineData("Get-EncFileInfo -Path (Join-Path $root '*.nomatch') -StorePath $store")]
    public void AWildcardThatMatchesNothingIsAnObjectNotFoundError(string command)
    {
        using var box = new Sandbox();
        box.File("a.txt", "x");
        var r = ps.Run("New-EncKey -Alias alias/t -StorePath $store | Out-Null\n" + command, Vars(box));
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("PathNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(Path.Combine(box.Root, "*.nomatch"), error.TargetObject);
        Assert.Empty(r.Output);
    }

    [Theory]
    [InlineData("600", "600")]
    [InlineData("644", "644")]
    [InlineData("640", "640")]
    [InlineData("755", "644")] // execute never carries over
    [InlineData("444", "644")] // the owner may always write (and remove) their own ciphertext
    [InlineData("606", "606")]
    public void ANewCiphertextIsNeverMorePermissiveThanItsSource(string sourceMode, string expected)
    {
        if (OperatingSystem.IsWindows()) return;
        using var box = new Sandbox();
        var plain = box.File("a.txt", "mode test");
        File.SetUnixFileMode(plain, (UnixFileMode)Convert.ToInt32(sourceMode, 8));
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId alias/t -StorePath $store | Out-Null
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(expected, Convert.ToString((int)File.GetUnixFileMode(plain + ".enc"), 8));
    }

    [Fact]
    public void ANewPlaintextIsOwnerOnlyWhateverTheCiphertextsMode()
    {
        if (OperatingSystem.IsWindows()) return;
        using var box = new Sandbox();
        var plain = box.File("a.txt", "mode test");
        File.SetUnixFileMode(plain, (UnixFileMode)Convert.ToInt32("644", 8));
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId alias/t -StorePath $store | Out-Null
            Unprotect-File -LiteralPath (Join-Path $root a.txt.enc) -Destination (Join-Path $root b.txt) -StorePath $store | Out-Null
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal("644", Convert.ToString((int)File.GetUnixFileMode(plain + ".enc"), 8));
        Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(box.Root, "b.txt")), 8));
    }
}
