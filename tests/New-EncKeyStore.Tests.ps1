#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

# Stores are created on purpose: New-EncKeyStore (or New-EncKey); a use-only cmdlet at a named location creates nothing.

BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force

    function New-TestStorePath {
        Join-Path $TestDrive ("store-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    }
}

Describe 'New-EncKeyStore' {
    It 'creates an empty store with the default protection' {
        $store = New-TestStorePath
        $info = New-EncKeyStore -Path $store
        $info | Should -BeOfType ([EncryptionTools.Engine.Store.EncKeyStoreInfo])
        $info.Exists | Should -BeTrue
        $info.KeyCount | Should -Be 0
        $info.Location | Should -Be $store
        (Get-EncKeyStore -StorePath $store).StoreId | Should -Be $info.StoreId
    }

    It 'creates a password-protected store' {
        $store = New-TestStorePath
        $password = ConvertTo-SecureString 'correct horse battery staple' -AsPlainText -Force
        (New-EncKeyStore -LiteralPath $store -Password $password).Protection | Should -Be 'Password'
        Join-Path $store 'root.key' | Should -Not -Exist
        Lock-EncKeyStore -StorePath $store
    }

    It 'honours -WhatIf' {
        $store = New-TestStorePath
        New-EncKeyStore -Path $store -WhatIf
        $store | Should -Not -Exist
    }

    It 'refuses a location that already holds a store with EncKeyStoreExists' {
        $store = New-TestStorePath
        New-EncKeyStore -Path $store | Out-Null
        New-EncKeyStore -Path $store -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyStoreExists,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'takes store paths from the pipeline' {
        $a = New-TestStorePath; $b = New-TestStorePath
        (@($a, $b) | New-EncKeyStore).Location | Should -Be @($a, $b)
    }
}

Describe 'A mistyped -StorePath' {
    It 'makes Protect-File fail with EncKeyStoreNotFound and creates nothing' {
        $file = Join-Path $TestDrive 'pay.csv'
        Set-Content -LiteralPath $file -Value 'salary'
        $typo = New-TestStorePath
        { Protect-File -LiteralPath $file -StorePath $typo -ErrorAction Stop } | Should -Throw -ErrorId 'EncKeyStoreNotFound*'
        $typo | Should -Not -Exist
        "$file.enc" | Should -Not -Exist
    }

    It 'makes Get-EncKey fail with EncKeyStoreNotFound (ObjectNotFound) instead of listing nothing' {
        $typo = New-TestStorePath
        Get-EncKey -StorePath $typo -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyStoreNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $typo | Should -Not -Exist
    }
}
