using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>Keys that move whole (Export-EncKey | Import-EncKey) and whole stores (Backup-EncKeyStore, Restore-EncKeyStore).</summary>
[Collection(ModuleCollection.Name)]
public sealed class KeyTransferTests(ModuleRunspace ps)
{
    /// <summary>A key rotated twice in $store, with a file encrypted under each version: f1..f3.txt.enc in $root.</summary>
    private const string RotatedTwice = """
        New-EncKey -Alias alias/app -Exportable -Description 'app data' -Tag @{ dept = 'hr' } -EnableRotation -StorePath $store | Out-Null
        foreach ($v in 1..3) {
            if ($v -gt 1) { Invoke-EncKeyRotation -KeyId alias/app -StorePath $store -Confirm:$false | Out-Null }
            Set-Content -LiteralPath "$root/f$v.txt" -Value "version $v"
            Protect-File -LiteralPath "$root/f$v.txt" -KeyId alias/app -StorePath $store | Out-Null
            Remove-Item -LiteralPath "$root/f$v.txt"
        }
        """;

    [Fact]
    public void ExportEncKeyPipedToImportEncKeyMovesTheKeyWholeAndTheTargetDecryptsEveryVersion()
    {
        using var box = new Sandbox();
        var r = ps.Run(RotatedTwice + """
            $package = Export-EncKey -KeyId alias/app -StorePath $store -Confirm:$false
            $package.GetType().Name
            $package.Versions.Count
            $moved = $package | Import-EncKey -StorePath "$root/target" -Confirm:$false
            $moved.KeyId -eq $package.KeyId
            "$($moved.CurrentVersion) $($moved.Aliases -join ',') $($moved.Description) $($moved.Tags['dept']) $($moved.RotationEnabled)"
            Unprotect-File -LiteralPath "$root/f1.txt.enc", "$root/f2.txt.enc", "$root/f3.txt.enc" -StorePath "$root/target" | Out-Null
            Get-Content -LiteralPath "$root/f1.txt", "$root/f2.txt", "$root/f3.txt"
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["EncKeyPackage", "3", "True", "3 alias/app app data hr True", "version 1", "version 2", "version 3"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void ImportingTheSameKeyTwiceIsANonTerminatingEncKeyExistsNamingTheKey()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $key = New-EncKey -Alias alias/app -Exportable -StorePath $store
            $package = Export-EncKey -KeyId alias/app -StorePath $store -Confirm:$false
            $package | Import-EncKey -StorePath $store -Confirm:$false
            'went on'
            $key.KeyId
            """, Vars(box));
        var keyId = r.Output.Last().ToString();
        SingleError(r, "EncKeyExists", ErrorCategory.ResourceExists, keyId);
        Assert.Equal("went on", r.Output[^2].ToString());
    }

    [Fact]
    public void ThePackageTravelsAsJsonTextAndVersionStillExportsOneVersionForTheSdks()
    {
        using var box = new Sandbox();
        var r = ps.Run(RotatedTwice + """
            (Export-EncKey -KeyId alias/app -StorePath $store -Confirm:$false).ToJson() | Set-Content -LiteralPath "$root/app.key.json"
            Import-EncKey -Package (Get-Content -LiteralPath "$root/app.key.json" -Raw) -StorePath "$root/target" -Confirm:$false | ForEach-Object CurrentVersion
            $one = Export-EncKey -KeyId alias/app -Version 2 -StorePath $store -Confirm:$false
            "$($one.GetType().Name) $($one.Version) $($one.KeyMaterial.Length)"
            Get-Content -LiteralPath "$root/app.key.json" -Raw | Import-EncKey -StorePath "$root/third" -Confirm:$false | ForEach-Object CurrentVersion
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["3", "EncKeyExport 2 32", "3"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void BackupAndRestoreMoveTheWholeStoreWithItsAuditLog()
    {
        using var box = new Sandbox();
        var r = ps.Run(RotatedTwice + """
            $pass = ConvertTo-SecureString 'backup-pass-1' -AsPlainText -Force
            $info = Backup-EncKeyStore -Path "$root/keys.etb" -Password $pass -StorePath $store
            "$($info.KeyCount) $($info.Protection) $((Get-Item -LiteralPath "$root/keys.etb").Length -eq $info.Bytes)"
            $restored = Restore-EncKeyStore -Path "$root/keys.etb" -Password $pass -StorePath "$root/restored"
            $restored.StoreId -eq (Get-EncKeyStore -StorePath $store).StoreId
            Unprotect-File -LiteralPath "$root/f1.txt.enc", "$root/f2.txt.enc", "$root/f3.txt.enc" -StorePath "$root/restored" | Out-Null
            Get-Content -LiteralPath "$root/f1.txt", "$root/f2.txt", "$root/f3.txt"
            (Test-EncAuditLog -StorePath "$root/restored").IsValid
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["1 Password True", "True", "version 1", "version 2", "version 3", "True"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void RestoreOntoAStoreIsRefusedAndAWrongPasswordRestoresNothing()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -StorePath $store | Out-Null
            Backup-EncKeyStore -Path "$root/keys.etb" -Password (ConvertTo-SecureString 'backup-pass-1' -AsPlainText -Force) -StorePath $store | Out-Null
            Restore-EncKeyStore -Path "$root/keys.etb" -Password (ConvertTo-SecureString 'wrong-pass-1' -AsPlainText -Force) -StorePath "$root/restored"
            Test-Path -LiteralPath "$root/restored/store.json"
            """, Vars(box));
        var error = Assert.Single(r.Errors);
        Assert.Equal("EncKeyStoreBackupInvalid", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal("False", r.Output.Last().ToString());

        var again = ps.Run("""
            Restore-EncKeyStore -Path "$root/keys.etb" -Password (ConvertTo-SecureString 'backup-pass-1' -AsPlainText -Force) -StorePath $store
            """, Vars(box));
        Assert.Equal("EncKeyStoreExists", Assert.Single(again.Errors).FullyQualifiedErrorId.Split(',')[0]);
    }

    [Fact]
    public void BackupNeedsAPasswordOrARecipientAndNeverOverwritesWithoutForce()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -StorePath $store | Out-Null
            try { Backup-EncKeyStore -Path "$root/keys.etb" -StorePath $store } catch { $_ }
            """, Vars(box));
        CaughtError(r, "EncKeyStoreBackupProtectionMissing", ErrorCategory.InvalidArgument, null);

        var twice = ps.Run("""
            $pass = ConvertTo-SecureString 'backup-pass-1' -AsPlainText -Force
            Backup-EncKeyStore -Path "$root/keys.etb" -Password $pass -StorePath $store | Out-Null
            Backup-EncKeyStore -Path "$root/keys.etb" -Password $pass -StorePath $store
            (Backup-EncKeyStore -Path "$root/keys.etb" -Password $pass -StorePath $store -Force).KeyCount
            """, Vars(box));
        Assert.Equal("DestinationExists", Assert.Single(twice.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("1", twice.Output.Last().ToString());
    }

    [Fact]
    public void AWholeExportOfAnRsaKeyStillServesAsARecipientPublicKey()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/rsa -KeySpec RSA_3072 -Exportable -StorePath $store | Out-Null
            Set-Content -LiteralPath "$root/r.txt" -Value 'to the recipient'
            Protect-File -LiteralPath "$root/r.txt" -RecipientPublicKey (Export-EncKey -KeyId alias/rsa -StorePath $store -Confirm:$false) -StorePath $store | Out-Null
            Remove-Item -LiteralPath "$root/r.txt"
            Unprotect-File -LiteralPath "$root/r.txt.enc" -StorePath $store | Out-Null
            Get-Content -LiteralPath "$root/r.txt"
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal("to the recipient", Assert.Single(r.Output).ToString());
    }
}
