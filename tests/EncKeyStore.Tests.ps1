#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

# The key store cmdlets against a temporary store (-StorePath under $TestDrive): never the user's own store.

BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force

    function New-TestStorePath {
        # A new store per Describe; created by New-EncKeyStore or the first New-EncKey (use-only cmdlets never create one).
        Join-Path $TestDrive ("store-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    }

    function ConvertTo-TestSecureString([string] $Text) {
        ConvertTo-SecureString -String $Text -AsPlainText -Force
    }
}

Describe 'New-EncKey' {
    BeforeAll { $store = New-TestStorePath }

    It 'creates an enabled AES-256 key with the KMS properties' {
        $key = New-EncKey -StorePath $store -Description 'payroll' -Tag @{ dept = 'hr' }
        $key.KeyId | Should -Match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        $key.Arn | Should -Be "arn:enctools:kms:local:$($key.StoreId):key/$($key.KeyId)"
        $key.KeyState | Should -Be 'Enabled'
        $key.KeySpec | Should -Be 'SYMMETRIC_DEFAULT'
        $key.KeyUsage | Should -Be 'ENCRYPT_DECRYPT'
        $key.Origin | Should -Be 'EncryptionTools'
        $key.KeyManager | Should -Be 'Customer'
        $key.RotationEnabled | Should -BeFalse
        $key.CurrentVersion | Should -Be 1
        $key.Exportable | Should -BeFalse
        $key.Tags['dept'] | Should -Be 'hr'
    }

    It 'creates the key with an alias and rotation settings' {
        $key = New-EncKey -StorePath $store -Alias 'new-test' -EnableRotation -RotationPeriodInDays 90
        $key.Aliases | Should -Be @('alias/new-test')
        $key.RotationEnabled | Should -BeTrue
        $key.RotationPeriodInDays | Should -Be 90
        $key.NextRotationDate | Should -Not -BeNullOrEmpty
    }

    It 'rejects a rotation period outside 90 to 2560 days at binding' {
        { New-EncKey -StorePath $store -EnableRotation -RotationPeriodInDays 89 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'creates an RSA key pair' {
        (New-EncKey -StorePath $store -KeySpec RSA_3072).KeySpec | Should -Be 'RSA_3072'
    }

    It 'honours -WhatIf' {
        $before = @(Get-EncKey -StorePath $store).Count
        New-EncKey -StorePath $store -WhatIf
        @(Get-EncKey -StorePath $store).Count | Should -Be $before
    }

    It 'pipes into Get-EncKey' {
        $key = New-EncKey -StorePath $store
        (New-EncKey -StorePath $store | Get-EncKey -StorePath $store).KeyId | Should -Not -Be $key.KeyId
    }

    It 'gives EncKeyAliasExists for a duplicate alias, as a non-terminating error' {
        New-EncKey -StorePath $store -Alias 'dup' | Out-Null
        New-EncKey -StorePath $store -Alias 'dup' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyAliasExists,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }
}

Describe 'Get-EncKey' {
    BeforeAll {
        $store = New-TestStorePath
        $prod = New-EncKey -StorePath $store -Alias 'prod-db' -Tag @{ env = 'production' }
        $dev = New-EncKey -StorePath $store -Alias 'dev-db' -Tag @{ env = 'dev' }
        Disable-EncKey -StorePath $store -KeyId $dev.KeyId -Confirm:$false
    }

    It 'gets every key' { @(Get-EncKey -StorePath $store).Count | Should -Be 2 }

    It 'accepts an id, an ARN, an alias, an alias ARN and a bare alias name' {
        foreach ($id in @($prod.KeyId, $prod.Arn, 'alias/prod-db', "arn:enctools:kms:local:$($prod.StoreId):alias/prod-db", 'prod-db')) {
            (Get-EncKey -StorePath $store -KeyId $id).KeyId | Should -Be $prod.KeyId
        }
    }

    It 'accepts a key object' {
        (Get-EncKey -StorePath $store -KeyId $prod).KeyId | Should -Be $prod.KeyId
    }

    It 'expands wildcards over ids and aliases' {
        (Get-EncKey -StorePath $store -KeyId 'alias/prod*').KeyId | Should -Be $prod.KeyId
        @(Get-EncKey -StorePath $store -KeyId '*-db').Count | Should -Be 2
        Get-EncKey -StorePath $store -KeyId 'nomatch*' | Should -BeNullOrEmpty
    }

    It 'filters by state and by tag' {
        (Get-EncKey -StorePath $store -KeyState Disabled).KeyId | Should -Be $dev.KeyId
        (Get-EncKey -StorePath $store -Tag @{ env = 'prod*' }).KeyId | Should -Be $prod.KeyId
    }

    It 'writes EncKeyNotFound per missing key and goes on' {
        $found = Get-EncKey -StorePath $store -KeyId 'alias/missing', $prod.KeyId -ErrorVariable errs -ErrorAction SilentlyContinue
        $found.KeyId | Should -Be $prod.KeyId
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'uses ENCRYPTIONTOOLS_STORE when no -StorePath is given' {
        $env:ENCRYPTIONTOOLS_STORE = $store
        try { @(Get-EncKey).Count | Should -Be 2 }
        finally { Remove-Item Env:ENCRYPTIONTOOLS_STORE }
    }
}

Describe 'Set-EncKey' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store -Tag @{ a = '1' } }

    It 'changes description, tags and rotation' {
        $updated = Set-EncKey -StorePath $store -KeyId $key.KeyId -Description 'new' -Tag @{ b = '2' } -RemoveTag a -RotationEnabled $true -RotationPeriodInDays 180 -PassThru
        $updated.Description | Should -Be 'new'
        $updated.Tags.Keys | Should -Be @('b')
        $updated.RotationEnabled | Should -BeTrue
        $updated.RotationPeriodInDays | Should -Be 180
    }

    It 'sets the minimum decryption version after a rotation' {
        Invoke-EncKeyRotation -StorePath $store -KeyId $key.KeyId -Confirm:$false | Out-Null
        (Set-EncKey -StorePath $store -KeyId $key.KeyId -MinimumDecryptionVersion 2 -PassThru).MinimumDecryptionVersion | Should -Be 2
    }

    It 'supports -WhatIf' {
        Set-EncKey -StorePath $store -KeyId $key.KeyId -Description 'changed' -WhatIf
        (Get-EncKey -StorePath $store -KeyId $key.KeyId).Description | Should -Be 'new'
    }

    It 'refuses changes to a key pending deletion' {
        $doomed = New-EncKey -StorePath $store
        Remove-EncKey -StorePath $store -KeyId $doomed.KeyId -Confirm:$false -WarningAction SilentlyContinue
        Set-EncKey -StorePath $store -KeyId $doomed.KeyId -Description 'x' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyPendingDeletion,*'
    }
}

Describe 'Enable-EncKey' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store }

    It 'enables a disabled key from the pipeline' {
        Disable-EncKey -StorePath $store -KeyId $key.KeyId -Confirm:$false
        (Get-EncKey -StorePath $store -KeyId $key.KeyId | Enable-EncKey -StorePath $store -PassThru).KeyState | Should -Be 'Enabled'
    }

    It 'refuses a key pending deletion with EncKeyPendingDeletion' {
        Remove-EncKey -StorePath $store -KeyId $key.KeyId -PendingWindowInDays 7 -Confirm:$false -WarningAction SilentlyContinue
        Enable-EncKey -StorePath $store -KeyId $key.KeyId -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyPendingDeletion,*'
        $errs[0].Exception.Message | Should -Match 'Restore-EncKey'
    }
}

Describe 'Disable-EncKey' {
    BeforeAll { $store = New-TestStorePath }

    It 'disables every key piped in' {
        $keys = 1..2 | ForEach-Object { New-EncKey -StorePath $store }
        $keys | Disable-EncKey -StorePath $store -Confirm:$false
        (Get-EncKey -StorePath $store -KeyState Disabled).Count | Should -Be 2
    }

    It 'supports -WhatIf' {
        $key = New-EncKey -StorePath $store
        Disable-EncKey -StorePath $store -KeyId $key.KeyId -WhatIf
        (Get-EncKey -StorePath $store -KeyId $key.KeyId).KeyState | Should -Be 'Enabled'
    }
}

Describe 'Remove-EncKey' {
    BeforeAll { $store = New-TestStorePath }

    It 'schedules deletion with the default 30-day window' {
        $key = New-EncKey -StorePath $store
        $removed = Remove-EncKey -StorePath $store -KeyId $key.KeyId -Confirm:$false -PassThru -WarningAction SilentlyContinue
        $removed.KeyState | Should -Be 'PendingDeletion'
        ($removed.DeletionDate - $removed.CreationDate).TotalDays | Should -BeGreaterOrEqual 29.9
    }

    It 'accepts 7 to 30 days only' {
        $key = New-EncKey -StorePath $store
        { Remove-EncKey -StorePath $store -KeyId $key.KeyId -PendingWindowInDays 6 -Confirm:$false } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { Remove-EncKey -StorePath $store -KeyId $key.KeyId -PendingWindowInDays 31 -Confirm:$false } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'supports -WhatIf and warns with the deletion date' {
        $key = New-EncKey -StorePath $store
        Remove-EncKey -StorePath $store -KeyId $key.KeyId -WhatIf
        (Get-EncKey -StorePath $store -KeyId $key.KeyId).KeyState | Should -Be 'Enabled'
        Remove-EncKey -StorePath $store -KeyId $key.KeyId -PendingWindowInDays 7 -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings[0] | Should -Match 'Restore-EncKey'
    }
}

Describe 'Restore-EncKey' {
    BeforeAll { $store = New-TestStorePath }

    It 'cancels the deletion and leaves the key Disabled' {
        $key = New-EncKey -StorePath $store
        Remove-EncKey -StorePath $store -KeyId $key.KeyId -Confirm:$false -WarningAction SilentlyContinue
        (Restore-EncKey -StorePath $store -KeyId $key.KeyId -PassThru).KeyState | Should -Be 'Disabled'
    }

    It 'gives EncKeyInvalidState for a key that is not pending deletion' {
        $key = New-EncKey -StorePath $store
        Restore-EncKey -StorePath $store -KeyId $key.KeyId -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyInvalidState,*'
    }
}

Describe 'New-EncKeyAlias' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store }

    It 'creates an alias from a piped key' {
        $alias = $key | New-EncKeyAlias -StorePath $store -AliasName 'alias/app'
        $alias.AliasName | Should -Be 'alias/app'
        $alias.KeyId | Should -Be $key.KeyId
    }

    It 'refuses a malformed, reserved or existing alias' {
        New-EncKeyAlias -StorePath $store -AliasName 'alias/with space' -KeyId $key.KeyId -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyAliasInvalid,*'
        New-EncKeyAlias -StorePath $store -AliasName 'alias/enctools/x' -KeyId $key.KeyId -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyAliasReserved,*'
        New-EncKeyAlias -StorePath $store -AliasName 'app' -KeyId $key.KeyId -ErrorVariable e3 -ErrorAction SilentlyContinue
        $e3[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyAliasExists,*'
    }
}

Describe 'Get-EncKeyAlias' {
    BeforeAll {
        $store = New-TestStorePath
        $key = New-EncKey -StorePath $store -Alias 'app/one'
        New-EncKeyAlias -StorePath $store -AliasName 'app/two' -KeyId $key.KeyId | Out-Null
        New-EncKey -StorePath $store -Alias 'other' | Out-Null
    }

    It 'lists, filters by wildcard and by key' {
        @(Get-EncKeyAlias -StorePath $store).Count | Should -Be 3
        @(Get-EncKeyAlias -StorePath $store -AliasName 'alias/app/*').Count | Should -Be 2
        @($key | Get-EncKeyAlias -StorePath $store).Count | Should -Be 2
    }

    It 'pipes aliases to Get-EncKey' {
        (Get-EncKeyAlias -StorePath $store -AliasName 'other' | Get-EncKey -StorePath $store).Aliases | Should -Be @('alias/other')
    }
}

Describe 'Set-EncKeyAlias' {
    BeforeAll { $store = New-TestStorePath; $a = New-EncKey -StorePath $store -Alias 'current'; $b = New-EncKey -StorePath $store }

    It 're-points an alias' {
        (Set-EncKeyAlias -StorePath $store -AliasName 'current' -KeyId $b.KeyId -PassThru).KeyId | Should -Be $b.KeyId
        (Get-EncKey -StorePath $store -KeyId 'alias/current').KeyId | Should -Be $b.KeyId
    }

    It 'gives EncKeyAliasNotFound for a missing alias' {
        Set-EncKeyAlias -StorePath $store -AliasName 'missing' -KeyId $a.KeyId -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyAliasNotFound,*'
    }
}

Describe 'Remove-EncKeyAlias' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store -Alias 'gone' }

    It 'removes an alias piped from Get-EncKeyAlias and keeps the key' {
        Get-EncKeyAlias -StorePath $store -AliasName 'gone' | Remove-EncKeyAlias -StorePath $store -Confirm:$false
        Get-EncKeyAlias -StorePath $store | Should -BeNullOrEmpty
        (Get-EncKey -StorePath $store -KeyId $key.KeyId).KeyId | Should -Be $key.KeyId
    }
}

Describe 'Invoke-EncKeyRotation' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store }

    It 'rotates on demand and keeps every version' {
        $rotated = Invoke-EncKeyRotation -StorePath $store -KeyId $key.KeyId -Confirm:$false
        $rotated.CurrentVersion | Should -Be 2
        $rotated.KeyName | Should -Be "$($key.KeyId)/v2"
        $rotated.Versions.Count | Should -Be 2
    }

    It 'refuses a disabled key with EncKeyDisabled' {
        Disable-EncKey -StorePath $store -KeyId $key.KeyId -Confirm:$false
        Invoke-EncKeyRotation -StorePath $store -KeyId $key.KeyId -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyDisabled,*'
        $errs[0].Exception.Message | Should -Match 'Enable-EncKey'
    }
}

Describe 'Get-EncKeyRotation' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store }

    It 'returns one object per rotation' {
        Get-EncKeyRotation -StorePath $store -KeyId $key.KeyId | Should -BeNullOrEmpty
        $key | Invoke-EncKeyRotation -StorePath $store -Confirm:$false | Out-Null
        $rotation = $key | Get-EncKeyRotation -StorePath $store
        $rotation.Version | Should -Be 2
        $rotation.RotationType | Should -Be 'OnDemand'
    }
}

Describe 'Import-EncKey' {
    BeforeAll { $store = New-TestStorePath }

    It 'imports AES-256 material under a namespace and key name' {
        $material = [Security.Cryptography.RandomNumberGenerator]::GetBytes(32)
        $key = Import-EncKey -StorePath $store -KeyMaterial $material -KeyNamespace 'acme' -KeyName 'backup-2025' -Confirm:$false
        $key.Origin | Should -Be 'External'
        $key.KeyNamespace | Should -Be 'acme'
        $key.KeyName | Should -Be 'backup-2025'
    }

    It 'takes base64 material and refuses the wrong length' {
        $b64 = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
        (Import-EncKey -StorePath $store -KeyMaterialBase64 $b64 -KeyNamespace 'acme' -KeyName 'b64' -Confirm:$false).KeyName | Should -Be 'b64'
        $short = [Convert]::ToBase64String([byte[]]::new(16))
        Import-EncKey -StorePath $store -KeyMaterialBase64 $short -KeyNamespace 'acme' -KeyName 'short' -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyInvalidArgument,*'
    }
}

Describe 'Export-EncKey' {
    BeforeAll { $store = New-TestStorePath }

    It 'exports an exportable key with its namespace and key name, and Import-EncKey takes it by property name' {
        $key = New-EncKey -StorePath $store -Exportable
        $export = Export-EncKey -StorePath $store -KeyId $key.KeyId -Confirm:$false
        $export.KeyNamespace | Should -Be 'enctools'
        $export.KeyName | Should -Be "$($key.KeyId)/v1"
        $export.KeyMaterial.Length | Should -Be 32
        $other = New-TestStorePath
        ($export | Import-EncKey -StorePath $other -Confirm:$false).KeyName | Should -Be "$($key.KeyId)/v1"
    }

    It 'refuses a key not created exportable with EncKeyNotExportable' {
        $key = New-EncKey -StorePath $store
        Export-EncKey -StorePath $store -KeyId $key.KeyId -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyNotExportable,*'
    }

    It 'exports the public key of an RSA key as PEM' {
        $key = New-EncKey -StorePath $store -KeySpec RSA_3072
        (Export-EncKey -StorePath $store -KeyId $key.KeyId -PublicKeyOnly -Confirm:$false).PublicKeyPem | Should -Match '^-----BEGIN PUBLIC KEY-----'
    }
}

Describe 'Unlock-EncKeyStore' {
    BeforeAll {
        $store = New-TestStorePath
        New-EncKeyStore -Path $store -Protection Password -Password (ConvertTo-TestSecureString 'pester pass') | Out-Null
        $key = New-EncKey -StorePath $store
        Lock-EncKeyStore -StorePath $store
    }

    It 'gives EncKeyStoreLocked while locked' {
        Get-EncKey -StorePath $store -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyStoreLocked,*'
    }

    It 'gives EncKeyStorePasswordInvalid for a wrong password' {
        Unlock-EncKeyStore -StorePath $store -Password (ConvertTo-TestSecureString 'wrong') -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyStorePasswordInvalid,*'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
    }

    It 'asks for the password when none is given, and says what to do where it cannot ask (-NonInteractive)' {
        Unlock-EncKeyStore -StorePath $store -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyStorePasswordRequired,*'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errs[0].Exception.Message | Should -BeLike '*-Password*ENCRYPTIONTOOLS_STORE_PASSWORD*'
        (Get-EncKeyStore -StorePath $store).IsUnlocked | Should -BeFalse
    }

    It 'needs no password for a store that has none' {
        $plain = New-TestStorePath
        New-EncKeyStore -Path $plain -Protection File | Out-Null
        (Unlock-EncKeyStore -StorePath $plain -PassThru).IsUnlocked | Should -BeTrue
    }

    It 'unlocks with the right password and a timeout' {
        $info = Unlock-EncKeyStore -StorePath $store -Password (ConvertTo-TestSecureString 'pester pass') -Timeout 60 -PassThru
        $info.IsUnlocked | Should -BeTrue
        (Get-EncKey -StorePath $store).KeyId | Should -Be $key.KeyId
    }
}

Describe 'Lock-EncKeyStore' {
    It 'forgets the unlocked root key' {
        $store = New-TestStorePath
        New-EncKeyStore -LiteralPath $store -Protection Password -Password (ConvertTo-TestSecureString 'pester pass') | Out-Null
        (Lock-EncKeyStore -StorePath $store -PassThru).IsUnlocked | Should -BeFalse
        (Get-EncKeyStore -StorePath $store).IsUnlocked | Should -BeFalse
    }
}

Describe 'Get-EncKeyStore' {
    It 'describes a store that does not exist yet, then one that does' {
        $store = New-TestStorePath
        $info = Get-EncKeyStore -StorePath $store
        $info.Exists | Should -BeFalse
        $info.LocationSource | Should -Be 'Parameter'
        New-EncKey -StorePath $store | Out-Null
        $info = Get-EncKeyStore -StorePath $store
        $info.Exists | Should -BeTrue
        $info.KeyCount | Should -Be 1
        $info.Protection | Should -Be ($IsWindows ? 'Dpapi' : 'File')
    }

    It 'refuses a store open to other users and says how to fix it' -Skip:$IsWindows {
        $store = New-TestStorePath
        New-EncKey -StorePath $store | Out-Null
        chmod 755 $store
        try {
            Get-EncKey -StorePath $store -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyStorePermissions,*'
            $errs[0].Exception.Message | Should -Match 'chmod 700'
        }
        finally { chmod 700 $store }
    }
}

Describe 'Set-EncKeyStore' {
    It 'sets, changes and removes a password without losing keys' {
        $store = New-TestStorePath
        $key = New-EncKey -StorePath $store
        Set-EncKeyStore -StorePath $store -Protection Password -Password (ConvertTo-TestSecureString 'one') -Confirm:$false
        Set-EncKeyStore -StorePath $store -Password (ConvertTo-TestSecureString 'two') -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyStorePasswordRequired,*'
        Set-EncKeyStore -StorePath $store -Password (ConvertTo-TestSecureString 'two') -CurrentPassword (ConvertTo-TestSecureString 'one') -Confirm:$false
        Lock-EncKeyStore -StorePath $store
        Unlock-EncKeyStore -StorePath $store -Password (ConvertTo-TestSecureString 'two')
        $info = Set-EncKeyStore -StorePath $store -Protection File -CurrentPassword (ConvertTo-TestSecureString 'two') -Confirm:$false -PassThru
        $info.Protection | Should -Be 'File'
        (Get-EncKey -StorePath $store).KeyId | Should -Be $key.KeyId
    }

    It 'supports -WhatIf' {
        $store = New-TestStorePath
        New-EncKey -StorePath $store | Out-Null
        Set-EncKeyStore -StorePath $store -Protection Password -Password (ConvertTo-TestSecureString 'x') -WhatIf
        (Get-EncKeyStore -StorePath $store).Protection | Should -Not -Be 'Password'
    }
}
