#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

# Key policies, grants and the audit log, against a temporary store (-StorePath under $TestDrive). The caller is the
# store owner; a second principal is tested with Test-EncKeyAccess -Principal (the engine's xunit tests act as one).

BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force

    function New-TestStorePath {
        Join-Path $TestDrive ("store-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    }

    $script:owner = if ($IsWindows) { "user:$env:USERDOMAIN\$env:USERNAME" } else { "user:$(id -un)" }
}

Describe 'Get-EncKeyPolicy' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store -Alias 'x' }

    It 'returns the default policy of a new key' {
        $policy = Get-EncKeyPolicy -StorePath $store -KeyId 'alias/x'
        $policy.KeyId | Should -Be $key.KeyId
        $policy.IsDefault | Should -BeTrue
        $policy.Policy | Should -Match 'Enable full control for the key creator and the store owner'
    }

    It 'returns the raw document with -AsJson' {
        $json = Get-EncKeyPolicy -StorePath $store -KeyId 'alias/x' -AsJson
        $json | Should -BeOfType [string]
        ($json | ConvertFrom-Json).Statement[0].Action | Should -Be 'kms:*'
    }

    It 'takes keys from the pipeline' {
        (Get-EncKey -StorePath $store -KeyId 'alias/x' | Get-EncKeyPolicy -StorePath $store).KeyId | Should -Be $key.KeyId
    }

    It 'writes EncKeyNotFound for a missing key' {
        Get-EncKeyPolicy -StorePath $store -KeyId 'alias/missing' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncKeyNotFound,*'
    }
}

Describe 'Set-EncKeyPolicy' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store }

    It 'stores a policy given as text, exactly' {
        $text = '{ "Version": "2012-10-17", "Statement": [ { "Sid": "Owner", "Effect": "Allow", "Principal": { "EncTools": "' + $owner + '" }, "Action": "kms:*", "Resource": "*" } ] }'
        Set-EncKeyPolicy -StorePath $store -KeyId $key.KeyId -Policy $text -Confirm:$false
        Get-EncKeyPolicy -StorePath $store -KeyId $key.KeyId -AsJson | Should -Be $text
    }

    It 'takes a hashtable and a file' {
        $doc = @{ Version = '2012-10-17'; Statement = @(@{ Sid = 'Owner'; Effect = 'Allow'; Principal = @{ EncTools = $owner }; Action = 'kms:*'; Resource = '*' }) }
        $doc | Set-EncKeyPolicy -StorePath $store -KeyId $key.KeyId -Confirm:$false
        (Get-EncKeyPolicy -StorePath $store -KeyId $key.KeyId).StatementCount | Should -Be 1
        $file = Join-Path $TestDrive 'policy.json'
        Get-EncKeyPolicy -StorePath $store -KeyId $key.KeyId -AsJson | Set-Content -LiteralPath $file
        Set-EncKeyPolicy -StorePath $store -KeyId $key.KeyId -LiteralPath $file -Confirm:$false -PassThru | Should -Not -BeNullOrEmpty
    }

    It 'names the statement and field of an invalid policy' {
        $bad = '{ "Version": "2012-10-17", "Statement": [ { "Sid": "A", "Effect": "Allow", "Principal": "*", "Acton": "kms:*", "Resource": "*" } ] }'
        Set-EncKeyPolicy -StorePath $store -KeyId $key.KeyId -Policy $bad -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidKeyPolicy,*'
        $errs[0].Exception.Message | Should -Match "Statement 0 \(Sid 'A'\)"
    }

    It 'refuses a policy that locks everyone out unless bypassed' {
        $lockout = '{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": { "EncTools": "user:nobody-here" }, "Action": "kms:*", "Resource": "*" } ] }'
        $other = New-EncKey -StorePath $store
        Set-EncKeyPolicy -StorePath $store -KeyId $other.KeyId -Policy $lockout -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'KeyPolicyLockout,*'
        Set-EncKeyPolicy -StorePath $store -KeyId $other.KeyId -Policy $lockout -BypassLockoutSafetyCheck -Confirm:$false
        Get-EncKeyPolicy -StorePath $store -KeyId $other.KeyId -ErrorVariable denied -ErrorAction SilentlyContinue
        $denied[0].FullyQualifiedErrorId | Should -BeLike 'AccessDenied,*'
        $denied[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $denied[0].Exception.Message | Should -Match 'kms:GetKeyPolicy'
    }

    It 'honours -WhatIf' {
        $before = Get-EncKeyPolicy -StorePath $store -KeyId $key.KeyId -AsJson
        Set-EncKeyPolicy -StorePath $store -KeyId $key.KeyId -Policy '{}' -WhatIf
        Get-EncKeyPolicy -StorePath $store -KeyId $key.KeyId -AsJson | Should -Be $before
    }
}

Describe 'Test-EncKeyAccess' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store -Alias 'x' }

    It 'allows the owner through the default statement' {
        $decision = Test-EncKeyAccess -StorePath $store -KeyId 'alias/x' -Action kms:Decrypt
        $decision.IsAllowed | Should -BeTrue
        $decision.StatementIndex | Should -Be 0
    }

    It 'denies another user, naming the missing permission' {
        $decision = Test-EncKeyAccess -StorePath $store -KeyId 'alias/x' -Action Decrypt -Principal 'user:carol-test' -EncryptionContext @{ dept = 'hr' }
        $decision.Kind | Should -Be 'ImplicitDeny'
        $decision.Reason | Should -Match 'not allowed kms:Decrypt'
        $decision.Reason | Should -Match '\{dept=hr\}'
    }
}

Describe 'Grant-EncKeyAccess' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store -Alias 'x' }

    It 'grants Decrypt constrained to an encryption context, idempotently with a name' {
        $grant = Grant-EncKeyAccess -StorePath $store -KeyId 'alias/x' -GranteePrincipal 'user:carol-test' -Operation Decrypt -EncryptionContextSubset @{ dept = 'hr' } -Name 'hr-read' -Confirm:$false
        $grant.GrantId | Should -Match '^[0-9a-f]{64}$'
        $grant.KeyId | Should -Be $key.KeyId
        $again = Grant-EncKeyAccess -StorePath $store -KeyId 'alias/x' -GranteePrincipal 'user:carol-test' -Operation Decrypt -EncryptionContextSubset @{ dept = 'hr' } -Name 'hr-read' -Confirm:$false
        $again.GrantId | Should -Be $grant.GrantId
        (Test-EncKeyAccess -StorePath $store -KeyId 'alias/x' -Action kms:Decrypt -Principal 'user:carol-test' -EncryptionContext @{ dept = 'hr' }).GrantId | Should -Be $grant.GrantId
        (Test-EncKeyAccess -StorePath $store -KeyId 'alias/x' -Action kms:Decrypt -Principal 'user:carol-test' -EncryptionContext @{ dept = 'it' }).IsAllowed | Should -BeFalse
    }

    It 'refuses both constraints at once' {
        Grant-EncKeyAccess -StorePath $store -KeyId 'alias/x' -GranteePrincipal 'user:carol-test' -Operation Decrypt -EncryptionContextSubset @{ a = '1' } -EncryptionContextEquals @{ a = '1' } -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidGrant,*'
    }
}

Describe 'Get-EncKeyGrant' {
    BeforeAll {
        $store = New-TestStorePath
        $key = New-EncKey -StorePath $store
        $grant = Grant-EncKeyAccess -StorePath $store -KeyId $key.KeyId -GranteePrincipal 'user:carol-test' -Operation Decrypt, DescribeKey -Confirm:$false
    }

    It 'lists grants from key objects on the pipeline' {
        (Get-EncKey -StorePath $store | Get-EncKeyGrant -StorePath $store).GrantId | Should -Be $grant.GrantId
    }

    It 'filters by grant id and grantee' {
        (Get-EncKeyGrant -StorePath $store -GrantId $grant.GrantId).GranteePrincipal.ToString() | Should -Be 'user:carol-test'
        Get-EncKeyGrant -StorePath $store -GranteePrincipal 'user:someone-else' | Should -BeNullOrEmpty
    }
}

Describe 'Revoke-EncKeyAccess' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store }

    It 'revokes grants piped from Get-EncKeyGrant' {
        Grant-EncKeyAccess -StorePath $store -KeyId $key.KeyId -GranteePrincipal 'user:carol-test' -Operation Decrypt -Confirm:$false | Out-Null
        Get-EncKeyGrant -StorePath $store -KeyId $key.KeyId | Revoke-EncKeyAccess -StorePath $store -Confirm:$false
        Get-EncKeyGrant -StorePath $store -KeyId $key.KeyId | Should -BeNullOrEmpty
    }

    It 'writes GrantNotFound for an unknown grant' {
        Revoke-EncKeyAccess -StorePath $store -KeyId $key.KeyId -GrantId ('0' * 64) -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'GrantNotFound,*'
    }
}

Describe 'Remove-EncKeyGrant' {
    BeforeAll { $store = New-TestStorePath; $key = New-EncKey -StorePath $store }

    It 'lets the store owner retire a grant' {
        $grant = Grant-EncKeyAccess -StorePath $store -KeyId $key.KeyId -GranteePrincipal 'user:carol-test' -Operation Decrypt -Confirm:$false
        $grant | Remove-EncKeyGrant -StorePath $store -Confirm:$false
        Get-EncKeyGrant -StorePath $store -KeyId $key.KeyId | Should -BeNullOrEmpty
    }

    It 'honours -WhatIf' {
        $grant = Grant-EncKeyAccess -StorePath $store -KeyId $key.KeyId -GranteePrincipal 'user:carol-test' -Operation Decrypt -Confirm:$false
        Remove-EncKeyGrant -StorePath $store -GrantId $grant.GrantId -WhatIf
        (Get-EncKeyGrant -StorePath $store -KeyId $key.KeyId).GrantId | Should -Be $grant.GrantId
    }
}

Describe 'Get-EncAuditEvent' {
    BeforeAll {
        $store = New-TestStorePath
        $key = New-EncKey -StorePath $store -Alias 'x'
        Get-EncKeyPolicy -StorePath $store -KeyId 'alias/x' | Out-Null
        $grant = Grant-EncKeyAccess -StorePath $store -KeyId 'alias/x' -GranteePrincipal 'user:carol-test' -Operation Decrypt -EncryptionContextSubset @{ dept = 'hr' } -Confirm:$false
        Revoke-EncKeyAccess -StorePath $store -KeyId 'alias/x' -GrantId $grant.GrantId -Confirm:$false
    }

    It 'reads every step back, with the cmdlet that did it' {
        $events = Get-EncAuditEvent -StorePath $store -KeyId 'alias/x'
        $events.Action | Should -Contain 'kms:CreateKey'
        $events.Action | Should -Contain 'kms:GetKeyPolicy'
        $events.Action | Should -Contain 'kms:CreateGrant'
        $events.Action | Should -Contain 'kms:RevokeGrant'
        ($events | Where-Object Action -eq 'kms:GetKeyPolicy').Command | Should -Be 'Get-EncKeyPolicy'
        $events | ForEach-Object { $_.IsAuthentic | Should -BeTrue }
    }

    It 'filters by action, result and count' {
        (Get-EncAuditEvent -StorePath $store -Action 'kms:*Grant').Count | Should -Be 2
        Get-EncAuditEvent -StorePath $store -Result Denied | Should -BeNullOrEmpty
        @(Get-EncAuditEvent -StorePath $store -Last 1).Count | Should -Be 1
        @(Get-EncAuditEvent -StorePath $store -First 2).Count | Should -Be 2
    }
}

Describe 'Test-EncAuditLog' {
    BeforeAll {
        $store = New-TestStorePath
        $key = New-EncKey -StorePath $store
        1..5 | ForEach-Object { Get-EncKey -StorePath $store -KeyId $key.KeyId | Out-Null }
    }

    It 'verifies an intact log' {
        $result = Test-EncAuditLog -StorePath $store
        $result.IsValid | Should -BeTrue
        $result.RecordCount | Should -BeGreaterThan 5
        Test-EncAuditLog -StorePath $store -Quiet | Should -BeTrue
    }

    It 'names the first broken record after an edit' {
        $log = Get-ChildItem -LiteralPath (Join-Path $store 'audit') -Filter 'audit-*.jsonl' | Select-Object -First 1
        $lines = Get-Content -LiteralPath $log.FullName
        $lines[2] = $lines[2] -replace 'kms:DescribeKey', 'kms:DescribeKeX'
        Set-Content -LiteralPath $log.FullName -Value $lines
        $result = Test-EncAuditLog -StorePath $store
        $result.IsValid | Should -BeFalse
        $result.FirstBreak.Kind | Should -Be 'Edited'
        $result.FirstBreak.Line | Should -Be 3
        Test-EncAuditLog -StorePath $store -Quiet | Should -BeFalse
    }

    It 'reports a deleted audit log as tampering, not as an empty log, even after the next change' {
        $other = New-TestStorePath
        New-EncKey -StorePath $other | Out-Null
        Remove-Item -Recurse -Force -LiteralPath (Join-Path $other 'audit')
        $result = Test-EncAuditLog -StorePath $other
        $result.IsValid | Should -BeFalse
        $result.FirstBreak.ErrorId | Should -Be 'AuditLogMissing'
        New-EncKey -StorePath $other | Out-Null
        Test-EncAuditLog -StorePath $other -Quiet | Should -BeFalse
        (Get-EncAuditEvent -StorePath $other -Action 'audit:TamperingDetected').Reason | Should -Match '^LogMissing:'
    }
}
