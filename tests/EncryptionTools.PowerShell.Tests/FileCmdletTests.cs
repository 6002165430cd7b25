using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// Protect-File, Unprotect-File, Get-EncFileInfo and Update-EncFileKey on single files: behaviour, error records and
/// -WhatIf. (How pipeline input is grouped and where -Destination puts it is tested with that work, not here.)
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class FileCmdletTests(ModuleRunspace ps)
{
    [Fact]
    public void ProtectThenUnprotectRoundTripsWithTheContext()
    {
        using var box = new Sandbox();
        var plain = box.File("pay.csv", "a,b\n1,2\n");
        var r = ps.Run("""
            New-EncKey -Alias alias/hr -StorePath $store | Out-Null
            $p = Protect-File -LiteralPath $plain -KeyId alias/hr -EncryptionContext @{ dept = 'hr' } -StorePath $store
            "$($p.Action)|$($p.EncryptionContext['dept'])|$([IO.Path]::GetFileName($p.Destination))"
            $u = Unprotect-File -LiteralPath "$plain.enc" -ExpectedEncryptionContext @{ dept = 'hr' } -Destination "$root/out.csv" -StorePath $store
            Get-Content -Raw -LiteralPath "$root/out.csv"
            """, Vars(box, ("plain", plain)));
        r.AssertNoErrors();
        Assert.Equal("Encrypted|hr|pay.csv.enc", r.Output[0].ToString());
        Assert.Equal("a,b\n1,2\n", r.Output[^1].ToString());
    }

    [Fact]
    public void ResultsPipedToTheNextFileCmdletBindItsLiteralPathEvenWithWildcardCharactersInTheName()
    {
        // 'a[1].csv' read as a -Path wildcard matches 'a1.csv', a decoy here: only -LiteralPath names the right file.
        using var box = new Sandbox();
        var plain = box.File("a[1].csv", "the real one");
        box.File("a1.csv", "decoy");
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            $p = Protect-File -LiteralPath $plain -KeyId alias/t -StorePath $store
            $p.LiteralPath -eq $p.Destination
            $i = $p | Get-EncFileInfo -StorePath $store
            $i.LiteralPath -eq $i.Path
            $i | Unprotect-File -Destination "$root/out" -StorePath $store | Out-Null
            Get-Content -Raw -LiteralPath "$root/out/a[1].csv"
            """, Vars(box, ("plain", plain)));
        r.AssertNoErrors();
        Assert.Equal([true, true], r.Output.Take(2).Select(o => o.BaseObject));
        Assert.Equal("the real one", r.Output[^1].ToString());
        Assert.False(File.Exists(Path.Combine(box.Root, "a1.csv.enc")));
    }

    [Fact]
    public void AMissingPathIsPathNotFoundWithThePathAsTarget()
    {
        using var box = new Sandbox();
        var missing = Path.Combine(box.Root, "none.txt");
        var r = ps.Run("""
            New-EncKey -StorePath $store | Out-Null
            Protect-File -LiteralPath $missing -StorePath $store
            """, Vars(box, ("missing", missing)));
        SingleError(r, "PathNotFound", ErrorCategory.ObjectNotFound, missing);
        Assert.False(File.Exists(missing + ".enc"));
    }

    [Fact]
    public void AWrongContextIsEncryptionContextMismatchAndWritesNothing()
    {
        using var box = new Sandbox();
        var plain = box.File("pay.csv", "secret");
        var r = ps.Run("""
            New-EncKey -Alias alias/hr -StorePath $store | Out-Null
            Protect-File -LiteralPath $plain -KeyId alias/hr -EncryptionContext @{ dept = 'hr' } -StorePath $store | Out-Null
            Unprotect-File -LiteralPath "$plain.enc" -ExpectedEncryptionContext @{ dept = 'it' } -Destination "$root/out.csv" -StorePath $store
            """, Vars(box, ("plain", plain)));
        var error = Assert.Single(r.Errors);
        Assert.Equal("EncryptionContextMismatch", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.SecurityError, error.CategoryInfo.Category);
        Assert.EndsWith("pay.csv.enc", Unwrap(error.TargetObject)?.ToString());
        Assert.Empty(Directory.EnumerateFiles(box.Root, "out*"));
    }

    [Fact]
    public void WhatIfWritesNoFile()
    {
        using var box = new Sandbox();
        var plain = box.File("pay.csv", "secret");
        var r = ps.Run("""
            New-EncKey -Alias alias/hr -StorePath $store | Out-Null
            Protect-File -LiteralPath $plain -KeyId alias/hr -StorePath $store -WhatIf
            Protect-File -LiteralPath $plain -KeyId alias/hr -InPlace -StorePath $store -WhatIf
            """, Vars(box, ("plain", plain)));
        r.AssertNoErrors();
        Assert.False(File.Exists(plain + ".enc"));
        Assert.Equal("secret", File.ReadAllText(plain));
    }

    [Fact]
    public void GetEncFileInfoBindsGetChildItemByPropertyNameAndNamesAPlainFile()
    {
        using var box = new Sandbox();
        var plain = box.File("d/[a].csv", "x");
        var other = box.File("d/plain.txt", "not encrypted");
        var r = ps.Run("""
            New-EncKey -Alias alias/hr -StorePath $store | Out-Null
            Protect-File -LiteralPath $plain -KeyId alias/hr -EncryptionContext @{ dept = 'hr' } -StorePath $store | Out-Null
            Get-ChildItem -LiteralPath "$root/d" -File | Get-EncFileInfo -StorePath $store | ForEach-Object { "$([IO.Path]::GetFileName($_.Path))|$($_.EncryptionContext['dept'])" }
            """, Vars(box, ("plain", plain)));
        Assert.Equal(["[a].csv.enc|hr"], r.Output.Where(o => o.ToString()!.Contains('|')).Select(o => o.ToString()));
        var errors = r.Errors.Where(e => e.FullyQualifiedErrorId.StartsWith("NotAnEncryptedMessage", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, errors.Count); // the plain [a].csv and plain.txt
        Assert.Contains(errors, e => Unwrap(e.TargetObject)?.ToString() == other);
        Assert.All(errors, e => Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category));
    }

    [Fact]
    public void UpdateEncFileKeyAddsAKeyAndWhatIfLeavesTheFileAlone()
    {
        using var box = new Sandbox();
        var plain = box.File("k.json", "{}");
        var r = ps.Run("""
            New-EncKey -Alias alias/x -StorePath $store | Out-Null
            New-EncKey -Alias alias/y -StorePath $store | Out-Null
            Protect-File -LiteralPath $plain -KeyId alias/x -StorePath $store | Out-Null
            $before = [IO.File]::ReadAllBytes("$plain.enc")
            Update-EncFileKey -LiteralPath "$plain.enc" -AddKeyId alias/y -StorePath $store -WhatIf
            [Convert]::ToBase64String([IO.File]::ReadAllBytes("$plain.enc")) -eq [Convert]::ToBase64String($before)
            $r = Update-EncFileKey -LiteralPath "$plain.enc" -AddKeyId alias/y -StorePath $store -Confirm:$false
            $r.KeysAfter.Count
            """, Vars(box, ("plain", plain)));
        r.AssertNoErrors();
        Assert.Equal(["True", "2"], r.Output.Select(o => o.ToString()));
    }
}
