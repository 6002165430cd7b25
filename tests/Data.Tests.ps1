#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

# The data plane end to end: Protect-EncData, Unprotect-EncData, New-EncDataKey and Update-EncData on a temporary
# -StorePath, the runbook of the issue across two pwsh processes, and enctools data reading the module's messages.
BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force
    $modulePath = (Get-Module EncryptionTools).Path -replace '\.dll$', '.psd1'
    $cli = Join-Path $PSScriptRoot '../out/enctools' ($IsWindows ? 'enctools.exe' : 'enctools')
    $work = Join-Path ([IO.Path]::GetTempPath()) ("et-data-" + [guid]::NewGuid().ToString('N'))
    $store = Join-Path $work 'store'
    New-Item -ItemType Directory -Path $work | Out-Null
    New-EncKey -StorePath $store -Alias alias/app | Out-Null
    New-EncKey -StorePath $store -Alias alias/new | Out-Null

    # The pwsh running these tests, to start a later session: the .NET tool runs as dotnet pwsh.dll.
    $pwsh = if ((Split-Path -Leaf ([Environment]::ProcessPath)) -like 'dotnet*') { [Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll') } else { , [Environment]::ProcessPath }
}

AfterAll {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

Describe 'Protect-EncData and Unprotect-EncData' {
    It 'round-trips a string, a SecureString and bytes' {
        'p@ss' | Protect-EncData -KeyId alias/app -StorePath $store | Unprotect-EncData -StorePath $store | Should -BeExactly 'p@ss'
        $ss = ConvertTo-SecureString 'pw' -AsPlainText -Force
        Protect-EncData -InputObject $ss -KeyId alias/app -StorePath $store | Unprotect-EncData -StorePath $store | Should -BeExactly 'pw'
        $bytes = [byte[]](1..100)
        $back = ,$bytes | Protect-EncData -KeyId alias/app -StorePath $store | Unprotect-EncData -AsByteArray -StorePath $store
        [Convert]::ToBase64String($back) | Should -BeExactly ([Convert]::ToBase64String($bytes))
    }

    It 'writes one line of base64 a standard message decodes from' {
        $m = 'x' | Protect-EncData -KeyId alias/app -StorePath $store
        $m | Should -Match '^[A-Za-z0-9+/=]+$'
        [Convert]::FromBase64String($m)[0] | Should -Be 2
    }

    It 'refuses a message whose context does not match, with no output' {
        $m = 'x' | Protect-EncData -KeyId alias/app -EncryptionContext @{ app = 'a' } -StorePath $store
        { $m | Unprotect-EncData -ExpectedEncryptionContext @{ app = 'b' } -StorePath $store -ErrorAction Stop } |
            Should -Throw -ErrorId 'EncryptionContextMismatch,EncryptionTools.Module.Commands.UnprotectEncDataCommand'
    }

    It 'lets a later pwsh process read a saved secret back as a SecureString' {
        $config = Join-Path $work 'app.config.secret'
        $secret = 'p@ss' | Protect-EncData -KeyId alias/app -StorePath $store
        Set-Content -LiteralPath $config -Value $secret
        $script = "Import-Module '$($modulePath -replace "'", "''")'; " +
            "`$s = Get-Content -LiteralPath '$($config -replace "'", "''")' | Unprotect-EncData -AsSecureString -StorePath '$($store -replace "'", "''")'; " +
            "`$s.GetType().Name; [Net.NetworkCredential]::new('', `$s).Password"
        $out = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $out | Should -Be @('SecureString', 'p@ss')
    }
}

Describe 'New-EncDataKey' {
    It 'returns a 32-byte key whose CiphertextBlob decrypts to the same bytes' {
        $dk = New-EncDataKey -KeyId alias/app -StorePath $store
        $dk.Plaintext.Length | Should -Be 32
        $dk.KeySpec | Should -Be 'AES_256'
        $back = $dk | Unprotect-EncData -AsByteArray -StorePath $store
        [Convert]::ToBase64String($back) | Should -BeExactly ([Convert]::ToBase64String($dk.Plaintext))
    }

    It 'returns no plaintext with -WithoutPlaintext' {
        (New-EncDataKey -KeyId alias/app -WithoutPlaintext -StorePath $store).Plaintext | Should -BeNullOrEmpty
    }
}

Describe 'Update-EncData' {
    It 'moves a message to another key without changing what it decrypts to' {
        $m = 'p@ss' | Protect-EncData -KeyId alias/app -StorePath $store
        $moved = $m | Update-EncData -DestinationKeyId alias/new -StorePath $store
        $moved | Unprotect-EncData -KeyId alias/new -StorePath $store | Should -BeExactly 'p@ss'
        { $moved | Unprotect-EncData -KeyId alias/app -StorePath $store -ErrorAction Stop } | Should -Throw -ErrorId 'NoDecryptableKey*'
    }
}

Describe 'enctools data' {
    It 'decrypts what Protect-EncData wrote, and the module decrypts what the CLI wrote' {
        $m = 'from the module' | Protect-EncData -KeyId alias/app -StorePath $store
        & $cli data decrypt $m --store $store | Should -BeExactly 'from the module'
        $LASTEXITCODE | Should -Be 0
        $c = 'from the cli' | & $cli data encrypt --key alias/app --store $store
        $c | Unprotect-EncData -StorePath $store | Should -BeExactly "from the cli$([Environment]::NewLine)"
    }
}
