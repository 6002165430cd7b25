#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

# Signed files (suite 0x0578, ECDSA P-384): Protect-File -Signed, enctools encrypt --signed, what the other file
# cmdlets do with them, and the rewrap that re-signs.
BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force
    $cli = Join-Path $PSScriptRoot '../out/enctools' ($IsWindows ? 'enctools.exe' : 'enctools')
    $work = Join-Path ([IO.Path]::GetTempPath()) ("et-signed-" + [guid]::NewGuid().ToString('N'))
    $store = Join-Path $work 'store'
    New-Item -ItemType Directory -Path $work | Out-Null
    New-EncKey -StorePath $store -Alias alias/s1 | Out-Null
    New-EncKey -StorePath $store -Alias alias/s2 | Out-Null
}

AfterAll {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

Describe 'Protect-File -Signed' {
    It 'writes suite 0x0578 that Get-EncFileInfo shows as signed and Unprotect-File reads back' {
        $plain = Join-Path $work 'report.txt'
        Set-Content -LiteralPath $plain -Value 'quarterly numbers' -NoNewline
        $r = Protect-File -LiteralPath $plain -KeyId alias/s1 -Signed -EncryptionContext @{ app = 'pester' } -StorePath $store
        $r.AlgorithmSuite | Should -Be 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384'
        $info = Get-EncFileInfo -LiteralPath "$plain.enc" -StorePath $store
        $info.IsSigned | Should -BeTrue
        $info.AlgorithmSuiteId | Should -Be '0x0578'
        Remove-Item -LiteralPath $plain
        Unprotect-File -LiteralPath "$plain.enc" -ExpectedEncryptionContext @{ app = 'pester' } -StorePath $store | Out-Null
        Get-Content -LiteralPath $plain -Raw | Should -Be 'quarterly numbers'
    }

    It 'leaves files unsigned without the switch' {
        $plain = Join-Path $work 'plain.txt'
        Set-Content -LiteralPath $plain -Value 'x'
        (Protect-File -LiteralPath $plain -KeyId alias/s1 -StorePath $store).AlgorithmSuite | Should -Be 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY'
        (Get-EncFileInfo -LiteralPath "$plain.enc" -StorePath $store).IsSigned | Should -BeFalse
    }

    It 'refuses a damaged signed file with MessageTampered and writes no plaintext' {
        $plain = Join-Path $work 'damaged.txt'
        Set-Content -LiteralPath $plain -Value ('z' * 100000)
        Protect-File -LiteralPath $plain -KeyId alias/s1 -Signed -FrameSize 4096 -StorePath $store | Out-Null
        Remove-Item -LiteralPath $plain
        $bytes = [IO.File]::ReadAllBytes("$plain.enc")
        $bytes[$bytes.Length - 10] = $bytes[$bytes.Length - 10] -bxor 1
        [IO.File]::WriteAllBytes("$plain.enc", $bytes)
        Unprotect-File -LiteralPath "$plain.enc" -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable errs | Out-Null
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MessageTampered*'
        Test-Path -LiteralPath $plain | Should -BeFalse
    }
}

Describe 'Update-EncFileKey on signed files' {
    It 're-signs the file: the added key decrypts, the file stays signed' {
        $plain = Join-Path $work 'rewrap.txt'
        Set-Content -LiteralPath $plain -Value 'moving keys' -NoNewline
        Protect-File -LiteralPath $plain -KeyId alias/s1 -Signed -StorePath $store | Out-Null
        Remove-Item -LiteralPath $plain
        $u = Update-EncFileKey -LiteralPath "$plain.enc" -KeyId alias/s2 -StorePath $store
        $u.Method | Should -Be 'FullRewrite'
        $u.FallbackReason | Should -BeLike '*re-signed*'
        (Get-EncFileInfo -LiteralPath "$plain.enc" -StorePath $store).IsSigned | Should -BeTrue
        Unprotect-File -LiteralPath "$plain.enc" -KeyId alias/s1 -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable denied | Out-Null
        $denied[0].FullyQualifiedErrorId | Should -BeLike 'NoDecryptableKey*'
        Unprotect-File -LiteralPath "$plain.enc" -KeyId alias/s2 -StorePath $store | Out-Null
        Get-Content -LiteralPath $plain -Raw | Should -Be 'moving keys'
    }
}

Describe 'enctools encrypt --signed' {
    It 'writes a signed file that Unprotect-File decrypts' {
        $plain = Join-Path $work 'cli.txt'
        Set-Content -LiteralPath $plain -Value 'from the cli' -NoNewline
        & $cli encrypt $plain --signed --key alias/s1 --store $store | Out-Null
        $LASTEXITCODE | Should -Be 0
        (Get-EncFileInfo -LiteralPath "$plain.enc" -StorePath $store).IsSigned | Should -BeTrue
        Unprotect-File -LiteralPath "$plain.enc" -Destination (Join-Path $work 'cli.out') -StorePath $store | Out-Null
        Get-Content -LiteralPath (Join-Path $work 'cli.out') -Raw | Should -Be 'from the cli'
    }
}
