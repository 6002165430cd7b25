#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

# AWS KMS keys through the module, against the KMS-API endpoint on loopback (test.sh starts tests/kms/kms_server.py and
# exports ENCTOOLS_TEST_KMS_ENDPOINT; without it this file starts its own). The module has no KMS admin cmdlets, so keys
# and aliases are made with the KMS JSON API over plain HTTP (the endpoint checks no signature). The AWS settings of the
# session are saved and restored: the AWS SDK's standard chain reads them from the environment.
BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force

    . (Join-Path $PSScriptRoot 'KmsTestEndpoint.ps1')
    Start-KmsTestEnvironment -AlsoClear ENCTOOLS_KMS_KEY_IDS

    $work = Join-Path ([IO.Path]::GetTempPath()) ("et-kms-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $work | Out-Null
    $store = Join-Path $work 'store'
    New-EncKey -StorePath $store -Alias alias/local | Out-Null
    $kmsKey = New-KmsKey
    $otherKey = New-KmsKey
    $aliasArn = Set-KmsAlias $otherKey ('alias/pester-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    function New-Plain([string] $Name, [string] $Text = "payroll $Name") {
        $path = Join-Path $work $Name
        Set-Content -LiteralPath $path -Value $Text -NoNewline
        $path
    }
}

AfterAll {
    Restore-KmsTestEnvironment
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

Describe 'Protect-File and Unprotect-File with AWS KMS keys' {
    It 'encrypts to a KMS key ARN and a local alias; each alone decrypts' {
        $plain = New-Plain 'mixed.txt'
        Protect-File -LiteralPath $plain -KeyId $kmsKey, alias/local -StorePath $store | Out-Null
        $edks = (Get-EncFileInfo -LiteralPath "$plain.enc" -StorePath $store).EncryptedDataKeys
        @($edks | Where-Object ProviderId -EQ 'aws-kms').KeyName | Should -Be $kmsKey
        $edks.Count | Should -Be 2
        Unprotect-File -LiteralPath "$plain.enc" -KeyId $kmsKey -Destination (Join-Path $work 'mixed.kms.txt') -StorePath $store | Out-Null
        Unprotect-File -LiteralPath "$plain.enc" -KeyId alias/local -Destination (Join-Path $work 'mixed.local.txt') -StorePath $store | Out-Null
        Get-Content -LiteralPath (Join-Path $work 'mixed.kms.txt') -Raw | Should -BeExactly 'payroll mixed.txt'
        Get-Content -LiteralPath (Join-Path $work 'mixed.local.txt') -Raw | Should -BeExactly 'payroll mixed.txt'
    }

    It 'encrypts to an alias ARN and decrypts with the key listed in ENCTOOLS_KMS_KEY_IDS' {
        $plain = New-Plain 'alias.txt'
        Protect-File -LiteralPath $plain -KeyId $aliasArn -StorePath $store | Out-Null
        # The data key names the key KMS used (its key ARN), as the official SDKs write it.
        (Get-EncFileInfo -LiteralPath "$plain.enc" -StorePath $store).EncryptedDataKeys.KeyName | Should -Be $otherKey
        $env:ENCTOOLS_KMS_KEY_IDS = $otherKey
        try {
            Unprotect-File -LiteralPath "$plain.enc" -Destination (Join-Path $work 'alias.out.txt') -StorePath $store | Out-Null
        } finally { $env:ENCTOOLS_KMS_KEY_IDS = $null }
        Get-Content -LiteralPath (Join-Path $work 'alias.out.txt') -Raw | Should -BeExactly 'payroll alias.txt'
    }

    It 'is strict by default: a KMS key nobody named is KmsKeyNotAllowed and nothing is written' {
        $plain = New-Plain 'strict.txt'
        Protect-File -LiteralPath $plain -KeyId $kmsKey -StorePath $store | Out-Null
        $out = Join-Path $work 'strict.out.txt'
        Unprotect-File -LiteralPath "$plain.enc" -Destination $out -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsKeyNotAllowed*'
        $failed[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $out | Should -Not -Exist
    }

    It 'decrypts by discovery only for the accounts named' {
        $plain = New-Plain 'discovery.txt'
        Protect-File -LiteralPath $plain -KeyId $kmsKey -StorePath $store | Out-Null
        $out = Join-Path $work 'discovery.out.txt'
        Unprotect-File -LiteralPath "$plain.enc" -Destination $out -KmsDiscoveryAccountId 111122223333 -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed.Count | Should -Be 1
        $out | Should -Not -Exist
        Unprotect-File -LiteralPath "$plain.enc" -Destination $out -KmsDiscoveryAccountId 123456789012 -KmsDiscoveryPartition aws -StorePath $store | Out-Null
        Get-Content -LiteralPath $out -Raw | Should -BeExactly 'payroll discovery.txt'
    }

    It 'refuses a discovery partition without accounts (KmsInvalidKeyIdentifier)' {
        $plain = New-Plain 'partition.txt'
        Protect-File -LiteralPath $plain -KeyId $kmsKey -StorePath $store | Out-Null
        { Unprotect-File -LiteralPath "$plain.enc" -KmsDiscoveryPartition aws -StorePath $store } |
            Should -Throw -ErrorId 'KmsInvalidKeyIdentifier,EncryptionTools.Module.Commands.UnprotectFileCommand'
    }

    It 'a file made with a KMS key passes Should -BeEncrypted' {
        $plain = New-Plain 'should.txt'
        Protect-File -LiteralPath $plain -KeyId $kmsKey -StorePath $store | Out-Null
        "$plain.enc" | Should -BeEncrypted
        $plain | Should -Not -BeEncrypted   # the plaintext beside it, kept (no -InPlace)
    }
}

Describe 'Update-EncFileKey with AWS KMS keys' {
    It 'adds a KMS key to a local file, and removes it again, header only' {
        $plain = New-Plain 'rewrap.txt'
        Protect-File -LiteralPath $plain -KeyId alias/local -StorePath $store | Out-Null
        $enc = "$plain.enc"
        Update-EncFileKey -LiteralPath $enc -AddKeyId $kmsKey -StorePath $store -Confirm:$false | Out-Null
        @((Get-EncFileInfo -LiteralPath $enc -StorePath $store).EncryptedDataKeys | Where-Object ProviderId -EQ 'aws-kms').Count | Should -Be 1
        Unprotect-File -LiteralPath $enc -KeyId $kmsKey -Destination (Join-Path $work 'rewrap.kms.txt') -StorePath $store | Out-Null
        Get-Content -LiteralPath (Join-Path $work 'rewrap.kms.txt') -Raw | Should -BeExactly 'payroll rewrap.txt'

        Update-EncFileKey -LiteralPath $enc -RemoveKeyId $kmsKey -StorePath $store -Confirm:$false | Out-Null
        @((Get-EncFileInfo -LiteralPath $enc -StorePath $store).EncryptedDataKeys | Where-Object ProviderId -EQ 'aws-kms').Count | Should -Be 0
        Unprotect-File -LiteralPath $enc -KeyId alias/local -Destination (Join-Path $work 'rewrap.local.txt') -StorePath $store | Out-Null
        Get-Content -LiteralPath (Join-Path $work 'rewrap.local.txt') -Raw | Should -BeExactly 'payroll rewrap.txt'
    }
}

Describe 'Protect-EncData and Unprotect-EncData with AWS KMS keys' {
    It 'round-trips a secret under a KMS key with a context' {
        $message = 'db-password' | Protect-EncData -KeyId $kmsKey -EncryptionContext @{ app = 'web' } -StorePath $store
        $message | Unprotect-EncData -KeyId $kmsKey -ExpectedEncryptionContext @{ app = 'web' } -StorePath $store | Should -BeExactly 'db-password'
        $message | Unprotect-EncData -KmsDiscoveryAccountId 123456789012 -StorePath $store | Should -BeExactly 'db-password'
    }
}

Describe 'KMS-only use needs no key store' {
    It 'never creates the store a -StorePath names' {
        $absent = Join-Path $work 'no-store-here'
        $plain = New-Plain 'nostore.txt'
        Protect-File -LiteralPath $plain -KeyId $kmsKey -StorePath $absent | Out-Null
        Unprotect-File -LiteralPath "$plain.enc" -KeyId $kmsKey -Destination (Join-Path $work 'nostore.out.txt') -StorePath $absent | Out-Null
        $m = 'x' | Protect-EncData -KeyId $kmsKey -StorePath $absent
        $m | Unprotect-EncData -KeyId $kmsKey -StorePath $absent | Should -BeExactly 'x'
        Get-Content -LiteralPath (Join-Path $work 'nostore.out.txt') -Raw | Should -BeExactly 'payroll nostore.txt'
        $absent | Should -Not -Exist
    }
}
