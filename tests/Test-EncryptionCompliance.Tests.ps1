#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Pester 5 tests for Test-EncryptionCompliance and the Should -BeEncrypted operator. Run after `bash build.sh`:
#   Invoke-Pester ./tests/Test-EncryptionCompliance.Tests.ps1
# Pester is imported (by #Requires) before the module, so the module registers Should -BeEncrypted on import.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' 'out' 'EncryptionTools' 'EncryptionTools.psd1') -Force
    $script:store = Join-Path ([IO.Path]::GetTempPath()) ("et-compliance-store-" + [guid]::NewGuid().ToString('N'))
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ("et-compliance-tree-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $root | Out-Null
    $script:key = New-EncKey -StorePath $store -EnableRotation -Alias 'alias/pester'
    # The engine's CLI writes encrypted files under a raw key; those are encrypted (ET1001 passes) but unknown to the store.
    $script:cli = Join-Path $PSScriptRoot '..' 'out' 'enctools' ($IsWindows ? 'enctools.exe' : 'enctools')
    $script:rawKey = Join-Path $root '..' ("raw-" + [guid]::NewGuid().ToString('N') + '.key')
    [IO.File]::WriteAllBytes($rawKey, [byte[]](1..32))
    function script:New-EncryptedFile([string] $Path) {
        Set-Content -LiteralPath "$Path.src" -Value 'secret'
        & $cli encrypt "$Path.src" --key-file $rawKey -o $Path | Out-Null
        Remove-Item -LiteralPath "$Path.src"
    }
}

AfterAll {
    Remove-Item -LiteralPath $root, $store, $rawKey -Recurse -Force -ErrorAction Ignore
}

Describe 'Test-EncryptionCompliance' {
    BeforeEach {
        Get-ChildItem -LiteralPath $root | Remove-Item -Recurse -Force
    }

    It 'writes one finding per plain file, with the exact Protect-File remediation' {
        Set-Content -LiteralPath (Join-Path $root 'plain.csv') -Value 'a,b'
        $findings = @(Test-EncryptionCompliance -LiteralPath $root -Recurse -Rule ET1001 -StorePath $store)
        $findings.Count | Should -Be 1
        $findings[0].RuleId | Should -Be 'ET1001'
        $findings[0].Severity | Should -Be 'High'
        $findings[0].Remediation | Should -BeLike "Protect-File -LiteralPath '*plain.csv' -InPlace -StorePath '*'"
    }

    It 'gives a file named to inject a command a remediation that is data, and one literal argument' {
        $name = "c$([char]0x2019); New-Item PWNED; Write-Output $([char]0x2019)"
        $file = Join-Path $root $name
        Set-Content -LiteralPath $file -Value 'a,b'
        $finding = Test-EncryptionCompliance -LiteralPath $root -Rule ET1001 -StorePath $store
        @($finding.RemediationCommands) | Should -HaveCount 1
        $command = $finding.RemediationCommands[0]
        $command.Command | Should -Be 'Protect-File'
        ($command.Arguments | Where-Object Name -eq 'LiteralPath').Value | Should -BeExactly $file
        $tokens = $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($finding.Remediation, [ref] $tokens, [ref] $errors)
        $errors | Should -BeNullOrEmpty
        $ast.EndBlock.Statements | Should -HaveCount 1
        $ast.EndBlock.Statements[0].PipelineElements[0].CommandElements[2].Value | Should -BeExactly $file
    }

    It '-Quiet returns $false, then $true once the files are encrypted' {
        $file = Join-Path $root 'plain.csv'
        Set-Content -LiteralPath $file -Value 'a,b'
        Test-EncryptionCompliance -Path $root -Recurse -Rule ET1001 -StorePath $store -Quiet | Should -BeFalse
        Remove-Item -LiteralPath $file
        New-EncryptedFile (Join-Path $root 'data.csv.enc')
        Test-EncryptionCompliance -Path $root -Recurse -Rule ET1001 -StorePath $store -Quiet | Should -BeTrue
    }

    It '-Quiet with a path answers about those files only; -IncludeStore adds the key and store rules' {
        # A key that does not rotate is an ET2001 finding about the store, not about the encrypted file.
        New-EncKey -StorePath $store -Alias 'alias/pester-norotate' | Out-Null
        New-EncryptedFile (Join-Path $root 'data.csv.enc')
        Test-EncryptionCompliance -LiteralPath $root -Recurse -Rule ET1001, ET1006 -StorePath $store -Quiet | Should -BeTrue
        Test-EncryptionCompliance -LiteralPath $root -Recurse -ExcludeRule ET1002 -StorePath $store -Quiet | Should -BeTrue
        @(Test-EncryptionCompliance -LiteralPath $root -Recurse -ExcludeRule ET1002 -StorePath $store | Where-Object RuleId -like 'ET2*').Count | Should -Be 0
        Test-EncryptionCompliance -LiteralPath $root -Recurse -ExcludeRule ET1002 -StorePath $store -IncludeStore -Quiet | Should -BeFalse
        @(Test-EncryptionCompliance -LiteralPath $root -Recurse -StorePath $store -IncludeStore | Where-Object RuleId -eq 'ET2001').Target | Should -Contain (Get-EncKey -KeyId 'alias/pester-norotate' -StorePath $store).KeyId
        Remove-EncKey -KeyId 'alias/pester-norotate' -StorePath $store -PendingWindowInDays 7 -Confirm:$false -WarningAction Ignore | Out-Null
    }

    It '-Quiet is $false for a path that does not exist, after its PathNotFound error' {
        $missing = Join-Path $root 'no-such-dir'
        $result = Test-EncryptionCompliance -LiteralPath $missing -Rule ET1001 -StorePath $store -Quiet -ErrorAction SilentlyContinue -ErrorVariable problems
        $result | Should -BeFalse
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
    }

    It 'writes the summary last, only with -Summary' {
        Set-Content -LiteralPath (Join-Path $root 'plain.csv') -Value 'a,b'
        $out = @(Test-EncryptionCompliance -Path $root -Recurse -StorePath $store -Summary)
        $out[-1] | Should -BeOfType ([EncryptionTools.Engine.Compliance.ComplianceSummary])
        $out[-1].Compliant | Should -BeFalse
        $out[-1].CountByRule['ET1001'] | Should -Be 1
        @(Test-EncryptionCompliance -Path $root -Recurse -StorePath $store) |
            Where-Object { $_ -is [EncryptionTools.Engine.Compliance.ComplianceSummary] } | Should -BeNullOrEmpty
    }

    It 'takes a profile as a hashtable and as a .psd1 file' {
        New-EncryptedFile (Join-Path $root 'data.enc')
        $findings = Test-EncryptionCompliance -Path $root -Recurse -StorePath $store -Rule ET1008 -Profile @{ RequiredEncryptionContextKeys = 'tenant' }
        @($findings).Count | Should -Be 1
        $psd1 = Join-Path $root '..' ("p-" + [guid]::NewGuid().ToString('N') + '.psd1')
        Set-Content -LiteralPath $psd1 -Value "@{ RequiredEncryptionContextKeys = @('tenant') }"
        @(Test-EncryptionCompliance -Path $root -Recurse -StorePath $store -Rule ET1008 -Profile $psd1).Count | Should -Be 1
        Remove-Item -LiteralPath $psd1
    }

    It 'names the bad field of a profile' {
        { Test-EncryptionCompliance -StorePath $store -Profile @{ MaxKeyAge = 3 } } |
            Should -Throw -ErrorId 'ComplianceProfileInvalid*' -ExpectedMessage '*MaxKeyAge*'
    }

    It 'filters by -MinimumSeverity and selects rules with -Rule and -ExcludeRule' {
        Set-Content -LiteralPath (Join-Path $root 'plain.csv') -Value 'a,b'
        @(Test-EncryptionCompliance -Path $root -Recurse -StorePath $store -MinimumSeverity Critical -Rule ET1*).Count | Should -Be 0
        @(Test-EncryptionCompliance -Path $root -Recurse -StorePath $store -ExcludeRule ET1001 -Rule ET1*).Count | Should -Be 0
        { Test-EncryptionCompliance -StorePath $store -Rule ET9999 } | Should -Throw -ErrorId 'ComplianceInvalidArgument*'
    }

    It 'completes rule ids' {
        $completions = TabExpansion2 -inputScript 'Test-EncryptionCompliance -Rule ET10' -cursorColumn 36
        $completions.CompletionMatches.CompletionText | Should -Contain 'ET1001'
    }
}

Describe 'Should -BeEncrypted' {
    BeforeEach {
        Get-ChildItem -LiteralPath $root | Remove-Item -Recurse -Force
    }

    It 'is registered because Pester 5 was loaded before the module' {
        (Get-ShouldOperator -Name BeEncrypted).Name | Should -Be 'BeEncrypted'
    }

    It 'passes for encrypted files and directories' {
        $file = Join-Path $root 'a.enc'
        New-EncryptedFile $file
        $file | Should -BeEncrypted
        Get-Item -LiteralPath $file | Should -BeEncrypted
        $root | Should -BeEncrypted
    }

    It 'fails for a plain file, listing the finding and its remediation' {
        $file = Join-Path $root 'plain.txt'
        Set-Content -LiteralPath $file -Value 'not secret'
        { $file | Should -BeEncrypted -Because 'it leaves the building' } |
            Should -Throw -ExpectedMessage "*to be encrypted because it leaves the building*ET1001*Protect-File -LiteralPath*"
        $file | Should -Not -BeEncrypted
    }
    It 'fails for a path that does not exist, with or without -Not' {
        $missing = Join-Path $root 'no-such-file.enc'
        { $missing | Should -BeEncrypted } | Should -Throw -ExpectedMessage '*could not be checked*PathNotFound*'
        { $missing | Should -Not -BeEncrypted } | Should -Throw -ExpectedMessage '*could not be checked*'
    }

    It 'fails for a directory with no file in it, with or without -Not' {
        $empty = Join-Path $root 'empty'
        New-Item -ItemType Directory -Path $empty | Out-Null
        { $empty | Should -BeEncrypted } | Should -Throw -ExpectedMessage '*names no file*'
        { $empty | Should -Not -BeEncrypted } | Should -Throw -ExpectedMessage '*names no file*'
    }

    It 'is registered when the module is imported before Pester (in a child pwsh)' {
        $file = Join-Path $root 'a.enc'
        New-EncryptedFile $file
        $module = Join-Path $PSScriptRoot '..' 'out' 'EncryptionTools' 'EncryptionTools.psd1'
        $pesterPath = (Get-Module Pester).Path -replace '\.psm1$', '.psd1'
        $script = "Import-Module '$($module -replace "'", "''")'; Import-Module '$($pesterPath -replace "'", "''")'; " +
            "'$($file -replace "'", "''")' | Should -BeEncrypted; " +
            "try { '$($root -replace "'", "''")/missing' | Should -BeEncrypted; 'PASSED' } catch { 'FAILED: ' + `$_ }"
        $process = [Environment]::ProcessPath
        $pwsh = if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { @($process, (Join-Path $PSHOME 'pwsh.dll')) } else { @($process) }
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        ($output | Out-String) | Should -BeLike '*FAILED: Expected*could not be checked*'
    }
}
