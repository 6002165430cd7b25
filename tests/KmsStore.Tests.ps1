#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

# A key store whose root key AWS KMS protects, through the module, against the KMS-API endpoint on loopback (test.sh
# starts tests/kms/kms_server.py and exports ENCTOOLS_TEST_KMS_ENDPOINT; without it this file starts its own). Keys are
# made with the KMS JSON API over plain HTTP (the endpoint checks no signature). The session's AWS settings are saved
# and restored: the AWS SDK's standard chain reads them from the environment.
BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force

    . (Join-Path $PSScriptRoot 'KmsTestEndpoint.ps1')
    Start-KmsTestEnvironment -AlsoClear ENCRYPTIONTOOLS_STORE_PASSWORD

    $work = Join-Path ([IO.Path]::GetTempPath()) ("et-kmsstore-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $work | Out-Null
    function New-Plain([string] $Name, [string] $Text = "payroll $Name") {
        $path = Join-Path $work $Name
        Set-Content -LiteralPath $path -Value $Text -NoNewline
        $path
    }
    function StoreDir([string] $Name) { Join-Path $work $Name }
    # A store under a new KMS key, with one key of that alias, locked (the root key KMS gave is forgotten).
    function New-LockedKmsStore([string] $Name, [string] $Alias) {
        $kmsKey = New-KmsKey 'EncryptionTools store root key'
        $store = StoreDir $Name
        New-EncKeyStore -Path $store -KmsKeyId $kmsKey | Out-Null
        New-EncKey -Alias $Alias -StorePath $store | Out-Null
        Lock-EncKeyStore -StorePath $store
        [pscustomobject]@{ Store = $store; KmsKey = $kmsKey }
    }
    # Runs the script block with the KMS key disabled, and enables it again whatever happens.
    function Invoke-WithKmsKeyDisabled([string] $KmsKey, [scriptblock] $Script) {
        Invoke-Kms DisableKey @{ KeyId = (KeyIdOf $KmsKey) } | Out-Null
        try { & $Script }
        finally { Invoke-Kms EnableKey @{ KeyId = (KeyIdOf $KmsKey) } | Out-Null }
    }
}

AfterAll {
    Restore-KmsTestEnvironment
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

Describe 'New-EncKeyStore -Protection AwsKms' {
    It 'creates a store with no root key file whose keys encrypt and decrypt files' {
        $kmsKey = New-KmsKey 'EncryptionTools store root key'
        $store = StoreDir 'created'
        $info = New-EncKeyStore -Path $store -Protection AwsKms -KmsKeyId $kmsKey
        $info.Protection | Should -Be 'AwsKms'
        $info.KmsKeyId | Should -Be $kmsKey
        $info.KmsKeyArn | Should -Be $kmsKey
        Join-Path $store 'root.key' | Should -Not -Exist
        (Get-Content -LiteralPath (Join-Path $store 'store.json') -Raw | ConvertFrom-Json).awsKms.keyId | Should -Be $kmsKey

        New-EncKey -Alias alias/app -StorePath $store | Out-Null
        $plain = New-Plain 'created.txt'
        Protect-File -LiteralPath $plain -KeyId alias/app -StorePath $store | Out-Null
        Unprotect-File -LiteralPath "$plain.enc" -Destination (Join-Path $work 'created.out.txt') -StorePath $store | Out-Null
        Get-Content -LiteralPath (Join-Path $work 'created.out.txt') -Raw | Should -BeExactly 'payroll created.txt'
    }

    It 'refuses anything but a key or alias ARN (KmsInvalidKeyIdentifier) and creates nothing' {
        $store = StoreDir 'refused'
        New-EncKeyStore -Path $store -KmsKeyId 'alias/store-root' -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsInvalidKeyIdentifier*'
        $failed[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $store | Should -Not -Exist
    }
}

Describe 'Set-EncKeyStore -Protection AwsKms' {
    BeforeAll {
        $script:keyA = New-KmsKey
        $script:keyB = New-KmsKey
        $script:aliasA = Set-KmsAlias $keyA ('alias/root-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $script:store = StoreDir 'switched'
        New-EncKeyStore -Path $store | Out-Null
        $script:keyIds = 1..3 | ForEach-Object { (New-EncKey -Alias "alias/k$_" -StorePath $store).KeyId } | Sort-Object
        $script:plain = New-Plain 'switched.txt'
        Protect-File -LiteralPath $plain -KeyId alias/k2 -StorePath $store | Out-Null
        function Assert-Intact {
            (Get-EncKey -StorePath $store).KeyId | Sort-Object | Should -Be $keyIds
            $out = Join-Path $work ("switched-" + [guid]::NewGuid().ToString('N') + '.txt')
            Unprotect-File -LiteralPath "$plain.enc" -Destination $out -StorePath $store | Out-Null
            Get-Content -LiteralPath $out -Raw | Should -BeExactly 'payroll switched.txt'
            (Test-EncAuditLog -StorePath $store).IsValid | Should -BeTrue
        }
    }

    It '-WhatIf changes nothing' {
        $before = Get-FileHash -LiteralPath (Join-Path $store 'store.json')
        Set-EncKeyStore -KmsKeyId $aliasA -StorePath $store -WhatIf
        (Get-FileHash -LiteralPath (Join-Path $store 'store.json')).Hash | Should -Be $before.Hash
        Join-Path $store 'root.key' | Should -Exist
    }

    It 'moves a File store under an alias ARN; Get-EncKeyStore and its view show the key' {
        Set-EncKeyStore -Protection AwsKms -KmsKeyId $aliasA -StorePath $store -Confirm:$false
        $info = Get-EncKeyStore -StorePath $store
        $info.Protection | Should -Be 'AwsKms'
        $info.KmsKeyId | Should -Be $aliasA
        $info.KmsKeyArn | Should -Be $keyA
        Join-Path $store 'root.key' | Should -Not -Exist
        ($info | Out-String -Width 200) | Should -Match ([regex]::Escape("KMS key: $aliasA"))
        ($info | Format-List | Out-String) | Should -Match ([regex]::Escape($keyA))
        Assert-Intact
    }

    It 'moves to another KMS key, to a password and back, with every key and the audit chain' {
        Set-EncKeyStore -KmsKeyId $keyB -StorePath $store -Confirm:$false -PassThru | Select-Object -ExpandProperty KmsKeyArn | Should -Be $keyB
        Assert-Intact
        $password = ConvertTo-SecureString 'kms-store-pass-1' -AsPlainText -Force
        Set-EncKeyStore -Protection Password -Password $password -PasswordIterations 600000 -StorePath $store -Confirm:$false
        (Get-EncKeyStore -StorePath $store).KmsKeyId | Should -BeNullOrEmpty
        Assert-Intact
        Set-EncKeyStore -KmsKeyId $keyA -CurrentPassword $password -StorePath $store -Confirm:$false
        (Get-EncKeyStore -StorePath $store).Protection | Should -Be 'AwsKms'
        Assert-Intact
        (Get-EncAuditEvent -StorePath $store | Where-Object { $_.Action -eq 'StoreProtectionChanged' -or $_.Reason -like '*StoreProtectionChanged*' }).Count | Should -Be 4
    }

    It 'refuses a bad -KmsKeyId (KmsInvalidKeyIdentifier) and changes nothing' {
        $before = Get-FileHash -LiteralPath (Join-Path $store 'store.json')
        Set-EncKeyStore -KmsKeyId 'arn:aws:s3:::bucket' -StorePath $store -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsInvalidKeyIdentifier*'
        (Get-FileHash -LiteralPath (Join-Path $store 'store.json')).Hash | Should -Be $before.Hash
    }
}

Describe 'Lock-EncKeyStore on a KMS-protected store' {
    It 'forgets the root key KMS gave, so the next use asks KMS again' {
        $made = New-LockedKmsStore 'locking' alias/lock
        $store = $made.Store
        (Get-EncKeyStore -StorePath $store).IsUnlocked | Should -BeFalse
        (Get-EncKey -KeyId alias/lock -StorePath $store).Aliases | Should -Contain 'alias/lock'
        $held = Get-EncKeyStore -StorePath $store
        $held.IsUnlocked | Should -BeTrue
        $held.UnlockedUntil | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)

        Invoke-WithKmsKeyDisabled $made.KmsKey {
            # Held by this session until Lock-EncKeyStore (or its 15 minutes): the disabled key is not asked yet.
            (Get-EncKey -KeyId alias/lock -StorePath $store).KeyId | Should -Not -BeNullOrEmpty
            Lock-EncKeyStore -StorePath $store
            Get-EncKey -KeyId alias/lock -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsKeyDisabled*'
            $info = Get-EncKeyStore -StorePath $store
            $info.Protection | Should -Be 'AwsKms'
            $info.KeyCount | Should -BeNullOrEmpty
        }
        (Get-EncKey -KeyId alias/lock -StorePath $store).KeyId | Should -Not -BeNullOrEmpty
    }
}

Describe 'Unlock-EncKeyStore on a KMS-protected store' {
    It 'asks KMS once, with no password, and holds the root key for -Timeout' {
        $made = New-LockedKmsStore 'unlocking' alias/unlock
        $store = $made.Store
        $info = Unlock-EncKeyStore -StorePath $store -Timeout '02:00:00' -PassThru
        $info.Protection | Should -Be 'AwsKms'
        $info.IsUnlocked | Should -BeTrue
        $info.UnlockedUntil | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(100))
        Invoke-WithKmsKeyDisabled $made.KmsKey {
            (Get-EncKey -KeyId alias/unlock -StorePath $store).KeyState | Should -Be 'Enabled'
            Lock-EncKeyStore -StorePath $store
            Unlock-EncKeyStore -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable failed
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsKeyDisabled*'
            (Get-EncKeyStore -StorePath $store).IsUnlocked | Should -BeFalse
        }
    }
}

Describe 'Restore-EncKeyStore -KmsKeyId' {
    It 'brings a backup back under an AWS KMS key, with no root key file, and refuses a bad key id before reading the backup' {
        $source = StoreDir 'backed-up'
        New-EncKey -Alias alias/dr -StorePath $source | Out-Null
        $plain = New-Plain 'dr.txt'
        Protect-File -LiteralPath $plain -KeyId alias/dr -StorePath $source | Out-Null
        $backup = Join-Path $work 'dr.etb'
        $pass = ConvertTo-SecureString 'offline backup 3' -AsPlainText -Force
        Backup-EncKeyStore -Path $backup -Password $pass -StorePath $source | Out-Null

        $target = StoreDir 'restored-kms'
        Restore-EncKeyStore -Path $backup -Password $pass -StorePath $target -KmsKeyId 'alias/store-root' -ErrorAction SilentlyContinue -ErrorVariable failed |
            Should -BeNullOrEmpty
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsInvalidKeyIdentifier*'
        $failed[0].TargetObject | Should -Be 'alias/store-root'
        $target | Should -Not -Exist

        $kmsKey = New-KmsKey 'EncryptionTools restored store root key'
        $info = Restore-EncKeyStore -Path $backup -Password $pass -StorePath $target -KmsKeyId $kmsKey -Confirm:$false
        $info.Protection | Should -Be 'AwsKms'
        $info.KmsKeyArn | Should -Be $kmsKey
        Join-Path $target 'root.key' | Should -Not -Exist
        Unprotect-File -LiteralPath "$plain.enc" -Destination (Join-Path $work 'dr.out.txt') -StorePath $target | Out-Null
        Get-Content -LiteralPath (Join-Path $work 'dr.out.txt') -Raw | Should -BeExactly 'payroll dr.txt'
        (Get-EncAuditEvent -StorePath $target | Where-Object { $_.Action -eq 'kms:Encrypt' -and $_.KeyId -eq $kmsKey }) | Should -Not -BeNullOrEmpty
        (Test-EncAuditLog -StorePath $target).IsValid | Should -BeTrue
    }
}

Describe 'A copy of a KMS-protected store' {
    It 'opens elsewhere with no key file and no password, and decrypts a file made before the copy' {
        $kmsKey = New-KmsKey 'EncryptionTools store root key'
        $store = StoreDir 'original'
        New-EncKeyStore -Path $store -KmsKeyId $kmsKey | Out-Null
        New-EncKey -Alias alias/moved -StorePath $store | Out-Null
        $plain = New-Plain 'moved.txt'
        Protect-File -LiteralPath $plain -KeyId alias/moved -StorePath $store | Out-Null

        $copy = StoreDir 'elsewhere'
        if ($IsWindows) { Copy-Item -LiteralPath $store -Destination $copy -Recurse }
        else {
            & cp -a $store $copy   # keeps the owner-only modes the store insists on
            $LASTEXITCODE | Should -Be 0
        }
        Join-Path $copy 'root.key' | Should -Not -Exist
        $env:ENCRYPTIONTOOLS_STORE_PASSWORD | Should -BeNullOrEmpty
        (Get-EncKeyStore -StorePath $copy).IsUnlocked | Should -BeFalse
        Unprotect-File -LiteralPath "$plain.enc" -Destination (Join-Path $work 'moved.out.txt') -StorePath $copy | Out-Null
        Get-Content -LiteralPath (Join-Path $work 'moved.out.txt') -Raw | Should -BeExactly 'payroll moved.txt'
        (Test-EncAuditLog -StorePath $copy).IsValid | Should -BeTrue
        (Get-EncKeyStore -StorePath $copy).StoreId | Should -Be (Get-EncKeyStore -StorePath $store).StoreId
    }
}
