#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

# Keys that move whole (Export-EncKey | Import-EncKey) and whole stores (Backup-EncKeyStore | Restore-EncKeyStore),
# between temporary stores under $TestDrive.

BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force

    function New-TestStorePath {
        Join-Path $TestDrive ("store-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    }

    # A key rotated twice, with a file encrypted under each of its three versions; returns the encrypted files.
    function New-RotatedKey([string] $Store, [string] $Dir) {
        New-Item -ItemType Directory -Force -Path $Dir | Out-Null
        New-EncKey -StorePath $Store -Alias alias/app -Exportable -Description 'app data' -Tag @{ dept = 'hr' } -EnableRotation | Out-Null
        foreach ($v in 1..3) {
            if ($v -gt 1) { Invoke-EncKeyRotation -StorePath $Store -KeyId alias/app -Confirm:$false | Out-Null }
            $plain = Join-Path $Dir "f$v.txt"
            Set-Content -LiteralPath $plain -Value "version $v"
            Protect-File -StorePath $Store -LiteralPath $plain -KeyId alias/app -InPlace -Confirm:$false | Out-Null
        }
        Get-ChildItem -LiteralPath $Dir -File | Sort-Object Name
    }
}

Describe 'Import-EncKey' {
    BeforeAll {
        $source = New-TestStorePath
        $target = New-TestStorePath
        $files = New-RotatedKey -Store $source -Dir (Join-Path $TestDrive 'move')
        $package = Export-EncKey -StorePath $source -KeyId alias/app -Confirm:$false
    }

    It 'exports every version with the key id, aliases and settings' {
        $package | Should -BeOfType ([EncryptionTools.Engine.Store.EncKeyPackage])
        $package.Versions.Count | Should -Be 3
        $package.Aliases | Should -Be @('alias/app')
        $package.Tags['dept'] | Should -Be 'hr'
        $package.RotationEnabled | Should -BeTrue
    }

    It 'recreates the same key in the target, and files from before each rotation decrypt there' {
        $moved = $package | Import-EncKey -StorePath $target -Confirm:$false
        $moved.KeyId | Should -Be $package.KeyId
        $moved.CurrentVersion | Should -Be 3
        $moved.Aliases | Should -Be @('alias/app')
        $moved.Description | Should -Be 'app data'
        $files | Unprotect-File -StorePath $target -InPlace -Confirm:$false | Should -HaveCount 3
        $files | ForEach-Object { Get-Content -LiteralPath $_.FullName } | Should -Be @('version 1', 'version 2', 'version 3')
    }

    It 'refuses a second import with EncKeyExists' {
        $package | Import-EncKey -StorePath $target -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyExists,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'records the export and the import in each store''s audit log' {
        (Get-EncAuditEvent -StorePath $source -Action kms:ExportKeyMaterial | Select-Object -Last 1).KeyId | Should -Be $package.KeyId
        (Get-EncAuditEvent -StorePath $target -Action kms:CreateKey | Select-Object -Last 1).KeyId | Should -Be $package.KeyId
    }

    It 'refuses a key that is not exportable with EncKeyNotExportable' {
        New-EncKey -StorePath $source -Alias alias/sealed | Out-Null
        Export-EncKey -StorePath $source -KeyId alias/sealed -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyNotExportable,*'
    }
}

Describe 'Backup-EncKeyStore' {
    BeforeAll {
        $source = New-TestStorePath
        New-EncKey -StorePath $source -Alias alias/sealed | Out-Null   # not exportable: a backup still carries it
        $pass = ConvertTo-SecureString 'backup-pass-1' -AsPlainText -Force
    }

    It 'writes an owner-only backup of every key' {
        $backup = Join-Path $TestDrive 'one.etb'
        $info = Backup-EncKeyStore -StorePath $source -Path $backup -Password $pass
        $info.KeyCount | Should -Be 1
        $info.Path | Should -Be $backup
        $info.Protection | Should -Be 'Password'
        if (-not $IsWindows) { (Get-Item -LiteralPath $backup).UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite') }
        (Get-EncAuditEvent -StorePath $source -Action StoreBackedUp).Count | Should -Be 1
    }

    It 'needs -Password or -RecipientPublicKey, and never overwrites without -Force' {
        { Backup-EncKeyStore -StorePath $source -Path (Join-Path $TestDrive 'none.etb') } | Should -Throw -ErrorId 'EncKeyStoreBackupProtectionMissing*'
        $backup = Join-Path $TestDrive 'twice.etb'
        Backup-EncKeyStore -StorePath $source -Path $backup -Password $pass | Out-Null
        Backup-EncKeyStore -StorePath $source -Path $backup -Password $pass -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'DestinationExists,*'
        (Backup-EncKeyStore -StorePath $source -Path $backup -Password $pass -Force).KeyCount | Should -Be 1
    }
}

Describe 'Restore-EncKeyStore' {
    BeforeAll {
        $source = New-TestStorePath
        $files = New-RotatedKey -Store $source -Dir (Join-Path $TestDrive 'backup')
        New-EncKey -StorePath $source -Alias alias/sealed | Out-Null
        $pass = ConvertTo-SecureString 'backup-pass-1' -AsPlainText -Force
        $backup = Join-Path $TestDrive 'keys.etb'
        Backup-EncKeyStore -StorePath $source -Path $backup -Password $pass | Out-Null
    }

    It 'restores into a fresh location: same store id, every version, and the audit log verifies' {
        $target = New-TestStorePath
        $restored = Restore-EncKeyStore -StorePath $target -Path $backup -Password $pass
        $restored.StoreId | Should -Be (Get-EncKeyStore -StorePath $source).StoreId
        (Get-EncKey -StorePath $target -KeyId alias/sealed).KeyId | Should -Be (Get-EncKey -StorePath $source -KeyId alias/sealed).KeyId
        $files | Unprotect-File -StorePath $target -InPlace -Confirm:$false | Should -HaveCount 3
        $files | ForEach-Object { Get-Content -LiteralPath $_.FullName } | Should -Be @('version 1', 'version 2', 'version 3')
        (Test-EncAuditLog -StorePath $target).IsValid | Should -BeTrue
        (Get-EncAuditEvent -StorePath $target -Action StoreRestored).Count | Should -Be 1
    }

    It 'restores a backup made to an RSA key of another store with that store''s keys' {
        $recovery = New-TestStorePath
        New-EncKey -StorePath $recovery -Alias alias/dr -KeySpec RSA_3072 | Out-Null
        $pem = (Export-EncKey -StorePath $recovery -KeyId alias/dr -PublicKeyOnly -Confirm:$false).PublicKeyPem
        $drBackup = Join-Path $TestDrive 'dr.etb'
        (Backup-EncKeyStore -StorePath $source -Path $drBackup -RecipientPublicKey $pem).Protection | Should -Be 'Recipient'
        $target = New-TestStorePath
        (Restore-EncKeyStore -StorePath $target -Path $drBackup -KeyStorePath $recovery).KeyCount | Should -Be 2
    }

    It 'refuses to restore over a store, and a wrong password restores nothing' {
        Restore-EncKeyStore -StorePath $source -Path $backup -Password $pass -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyStoreExists,*'
        $empty = New-TestStorePath
        Restore-EncKeyStore -StorePath $empty -Path $backup -Password (ConvertTo-SecureString 'nope-nope-1' -AsPlainText -Force) -ErrorVariable errs2 -ErrorAction SilentlyContinue
        $errs2[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyStoreBackupInvalid,*'
        Test-Path -LiteralPath (Join-Path $empty 'store.json') | Should -BeFalse
    }
}
