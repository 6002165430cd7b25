#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force
    $cli = Join-Path $PSScriptRoot '../out/enctools' ($IsWindows ? 'enctools.exe' : 'enctools')   # the Native AOT executable build.sh ships
    $work = Join-Path ([IO.Path]::GetTempPath()) ("et-pester-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $work | Out-Null
    $keyFile = Join-Path $work 'unit.key'
    [IO.File]::WriteAllBytes($keyFile, [Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $plain = Join-Path $work 'report [2026].txt'
    Set-Content -LiteralPath $plain -Value 'quarterly numbers'
    & $cli encrypt $plain --key-file $keyFile --context dept=hr --context tenant=contoso | Out-Null
    $encrypted = "$plain.enc"
}

AfterAll {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

Describe 'Get-EncFileInfo' {
    It 'describes an encrypted file from its header' {
        $info = Get-EncFileInfo -LiteralPath $encrypted
        $info.AlgorithmSuiteId | Should -Be '0x0478'
        $info.IsCommitting | Should -BeTrue
        $info.EncryptionContext['dept'] | Should -Be 'hr'
        $info.EncryptionContext['tenant'] | Should -Be 'contoso'
        $info.EncryptedDataKeys | Should -HaveCount 1
        $info.EncryptedDataKeys[0].KeyName | Should -Be 'unit'
        $info.PlaintextLength | Should -Be (Get-Item -LiteralPath $plain).Length
    }

    It 'binds Get-ChildItem output by PSPath, brackets included' {
        $infos = Get-ChildItem -LiteralPath $work -Filter *.enc | Get-EncFileInfo
        $infos | Should -HaveCount 1
        $infos.Path | Should -Be (Get-Item -LiteralPath $encrypted).FullName
    }

    It 'resolves relative paths against the PowerShell location, not the process directory' {
        Push-Location -LiteralPath $work
        try {
            (Get-EncFileInfo -LiteralPath './report [2026].txt.enc').EncryptionContext['dept'] | Should -Be 'hr'
        }
        finally { Pop-Location }
    }

    It 'expands wildcards with -Path' {
        (Get-EncFileInfo -Path (Join-Path $work '*.enc')).Count | Should -Be 1
    }

    It 'writes a non-terminating NotAnEncryptedMessage error for a plain file and goes on' {
        $results = Get-EncFileInfo -LiteralPath $plain, $encrypted -ErrorVariable errs -ErrorAction SilentlyContinue
        $results | Should -HaveCount 1
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NotAnEncryptedMessage,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject | Should -Be (Get-Item -LiteralPath $plain).FullName
    }

    It 'reports a missing path as PathNotFound' {
        Get-EncFileInfo -LiteralPath (Join-Path $work 'missing.enc') -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }

    It 'refuses paths outside the FileSystem provider' {
        Get-EncFileInfo -LiteralPath 'Env:PATH' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFileSystem,*'
    }
}
