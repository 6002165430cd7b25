using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>Protect-File -Signed, and what Get-EncFileInfo, Unprotect-File and Update-EncFileKey do with signed files.</summary>
[Collection(ModuleCollection.Name)]
public sealed class SignedFileCmdletTests(ModuleRunspace ps)
{
    [Fact]
    public void SignedFilesRoundTripAndShowTheirSuite()
    {
        using var box = new Sandbox();
        var plain = box.File("pay.csv", "a,b\n1,2\n");
        var r = ps.Run("""
            New-EncKey -Alias alias/hr -StorePath $store | Out-Null
            $p = Protect-File -LiteralPath $plain -KeyId alias/hr -Signed -EncryptionContext @{ dept = 'hr' } -StorePath $store
            "$($p.AlgorithmSuite)|$($p.EncryptionContext.Count)"
            $i = Get-EncFileInfo -LiteralPath "$plain.enc" -StorePath $store
            "$($i.AlgorithmSuiteId)|$($i.IsSigned)"
            ($i | Format-List | Out-String) -match '0x0578 AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384'
            Unprotect-File -LiteralPath "$plain.enc" -Destination "$root/out.csv" -ExpectedEncryptionContext @{ dept = 'hr' } -StorePath $store | Out-Null
            Get-Content -Raw -LiteralPath "$root/out.csv"
            """, Vars(box, ("plain", plain)));
        r.AssertNoErrors();
        Assert.Equal("AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384|1", r.Output[0].ToString());
        Assert.Equal("0x0578|True", r.Output[1].ToString());
        Assert.Equal("True", r.Output[2].ToString());
        Assert.Equal("a,b\n1,2\n", r.Output[3].ToString());
    }

    [Fact]
    public void UpdateEncFileKeyReSignsASignedFile()
    {
        using var box = new Sandbox();
        var plain = box.File("s.txt", "signed secret");
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            New-EncKey -Alias alias/b -StorePath $store | Out-Null
            Protect-File -LiteralPath $plain -KeyId alias/a -Signed -StorePath $store | Out-Null
            Remove-Item -LiteralPath $plain
            $u = Update-EncFileKey -LiteralPath "$plain.enc" -AddKeyId alias/b -StorePath $store
            "$($u.Method)"
            (Get-EncFileInfo -LiteralPath "$plain.enc" -StorePath $store).IsSigned
            Unprotect-File -LiteralPath "$plain.enc" -KeyId alias/b -StorePath $store | Out-Null
            Get-Content -Raw -LiteralPath $plain
            """, Vars(box, ("plain", plain)));
        r.AssertNoErrors();
        Assert.Equal("FullRewrite", r.Output[0].ToString());
        Assert.Equal("True", r.Output[1].ToString());
        Assert.Equal("signed secret", r.Output[2].ToString());
    }

    [Fact]
    public void ADamagedSignatureIsMessageTamperedAndWritesNothing()
    {
        using var box = new Sandbox();
        var plain = box.File("t.txt", "x");
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            Protect-File -LiteralPath $plain -KeyId alias/a -Signed -StorePath $store | Out-Null
            $b = [IO.File]::ReadAllBytes("$plain.enc"); $b[$b.Length - 4] = $b[$b.Length - 4] -bxor 1; [IO.File]::WriteAllBytes("$plain.enc", $b)
            Unprotect-File -LiteralPath "$plain.enc" -Destination "$root/out.txt" -StorePath $store
            """, Vars(box, ("plain", plain)));
        var error = Assert.Single(r.Errors);
        Assert.Equal("MessageTampered", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.False(File.Exists(Path.Combine(box.Root, "out.txt")));
    }
}
