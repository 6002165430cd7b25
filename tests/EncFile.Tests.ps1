#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

# The file cmdlets end to end: a temporary -StorePath, absolute paths everywhere (no reliance on the process's
# working directory), and the three pipeline scenarios the file cmdlets promise.
BeforeAll {
    $modulePath = $env:ENCRYPTIONTOOLS_MODULE ?? (Join-Path $PSScriptRoot '../out/EncryptionTools/EncryptionTools.psd1')
    Import-Module $modulePath -Force
    $cli = Join-Path $PSScriptRoot '../out/enctools' ($IsWindows ? 'enctools.exe' : 'enctools')   # the Native AOT executable build.sh ships
    $work = Join-Path ([IO.Path]::GetTempPath()) ("et-encfile-" + [guid]::NewGuid().ToString('N'))
    $store = Join-Path $work 'store'
    New-Item -ItemType Directory -Path $work | Out-Null
    $key = New-EncKey -StorePath $store -Alias alias/x -Description 'pester'
    New-EncKey -StorePath $store -Alias alias/y | Out-Null

    function New-Tree([string] $root) {
        New-Item -ItemType Directory -Path (Join-Path $root 'a/b') -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $root 'top.txt') -Value 'top'
        Set-Content -LiteralPath (Join-Path $root 'a/b/deep [1].txt') -Value 'deep'
        Set-Content -LiteralPath (Join-Path $root 'a/mid.txt') -Value 'mid'
    }
}

AfterAll {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

Describe 'Protect-File and Unprotect-File pipelines' {
    BeforeAll {
        $tree = Join-Path $work 'tree'
        New-Tree $tree
        $originals = @{}
        Get-ChildItem -LiteralPath $tree -Recurse -File | ForEach-Object { $originals[$_.FullName] = Get-Content -LiteralPath $_.FullName -Raw }
    }

    It 'encrypts every file of Get-ChildItem -Recurse -File with alias/x and the dept context' {
        $results = Get-ChildItem -LiteralPath $tree -Recurse -File | Protect-File -KeyId alias/x -EncryptionContext @{ dept = 'hr' } -StorePath $store
        $results | Should -HaveCount 3
        $results | ForEach-Object {
            $_.Action | Should -Be 'Encrypted'
            $_.EncryptionContext['dept'] | Should -Be 'hr'
            Test-Path -LiteralPath $_.Destination | Should -BeTrue
        }
        Test-Path -LiteralPath (Join-Path $tree 'a/b/deep [1].txt.enc') | Should -BeTrue
    }

    It 'resolves each EDK to the key and alias in Get-EncFileInfo' {
        $info = Get-EncFileInfo -LiteralPath (Join-Path $tree 'top.txt.enc') -StorePath $store
        $info.EncryptedDataKeys[0].Resolution | Should -Be 'InStore'
        $info.EncryptedDataKeys[0].KeyId | Should -Be $key.KeyId
        $info.EncryptedDataKeys[0].Aliases | Should -Contain 'alias/x'
        $info.EncryptedDataKeys[0].Version | Should -Be 1
    }

    It 'warns and skips already encrypted files' {
        $out = Protect-File -LiteralPath (Join-Path $tree 'top.txt.enc') -StorePath $store -WarningVariable warned -WarningAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $warned | Should -Not -BeNullOrEmpty
        Test-Path -LiteralPath (Join-Path $tree 'top.txt.enc.enc') | Should -BeFalse
    }

    It 'refuses a wrong expected context and writes nothing' {
        Get-ChildItem -LiteralPath $tree -Recurse -File -Filter *.txt | Remove-Item
        $errs = $null
        Get-ChildItem -LiteralPath $tree -Recurse -Filter *.enc | Unprotect-File -ExpectedEncryptionContext @{ dept = 'it' } -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable errs
        $errs | Should -HaveCount 3
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'EncryptionContextMismatch*'
        Get-ChildItem -LiteralPath $tree -Recurse -File -Filter *.txt | Should -BeNullOrEmpty
    }

    It 'decrypts Get-ChildItem -Recurse -Filter *.enc with the expected context' {
        $results = Get-ChildItem -LiteralPath $tree -Recurse -Filter *.enc | Unprotect-File -ExpectedEncryptionContext @{ dept = 'hr' } -StorePath $store
        $results | Should -HaveCount 3
        foreach ($path in $originals.Keys) { Get-Content -LiteralPath $path -Raw | Should -Be $originals[$path] }
    }

    It 'never overwrites an existing file without -Force' {
        { Unprotect-File -LiteralPath (Join-Path $tree 'top.txt.enc') -StorePath $store -ErrorAction Stop } | Should -Throw -ErrorId 'DestinationExists*'
        (Unprotect-File -LiteralPath (Join-Path $tree 'top.txt.enc') -StorePath $store -Force -PassThru) | Should -BeOfType [IO.FileInfo]
    }

    It 'keeps the structure under -Destination with -Recurse, and -WhatIf writes nothing' {
        $dest = Join-Path $work 'mirror'
        Protect-File -LiteralPath $tree -Recurse -Destination $dest -StorePath $store -Force -WhatIf
        Test-Path -LiteralPath $dest | Should -BeFalse
        Protect-File -LiteralPath $tree -Recurse -Destination $dest -StorePath $store -Force | Out-Null
        Test-Path -LiteralPath (Join-Path $dest 'a/b/deep [1].txt.enc') | Should -BeTrue
    }

    It 'resolves relative paths against the PowerShell location' {
        Push-Location $tree
        try {
            $r = Protect-File -Path 'a/mid.txt' -Suffix '.rel' -StorePath $store
            $r.Destination | Should -Be (Join-Path $tree 'a/mid.txt.rel')
        } finally { Pop-Location }
    }

    It 'encrypts in place and back' {
        $file = Join-Path $work 'inplace.txt'
        Set-Content -LiteralPath $file -Value 'secret'
        Protect-File -LiteralPath $file -InPlace -KeyId alias/x -StorePath $store | Out-Null
        (Get-EncFileInfo -LiteralPath $file -StorePath $store).AlgorithmSuiteId | Should -Be '0x0478'
        Unprotect-File -LiteralPath $file -InPlace -StorePath $store | Out-Null
        Get-Content -LiteralPath $file | Should -Be 'secret'
    }

    It 'refuses paths outside the FileSystem provider' {
        { Protect-File -LiteralPath 'Env:PATH' -StorePath $store -ErrorAction Stop } | Should -Throw -ErrorId 'PathNotFileSystem*'
    }
}

Describe 'RSA public-key recipients' {
    It 'encrypts to an exported public key and decrypts in the holder store without -KeyId' {
        $holder = Join-Path $work 'holder'
        New-EncKey -StorePath $holder -KeySpec RSA_3072 -Alias alias/agent | Out-Null
        $pem = Join-Path $work 'agent.pem'
        Set-Content -LiteralPath $pem -Value (Export-EncKey -KeyId alias/agent -PublicKeyOnly -StorePath $holder -Confirm:$false).PublicKeyPem
        $file = Join-Path $work 'agent.txt'
        Set-Content -LiteralPath $file -Value 'for the agent'
        $r = Protect-File -LiteralPath $file -RecipientPublicKey $pem -StorePath $store
        $r.Keys[0].KeyName | Should -BeLike 'rsa-spki-sha256:*'
        Remove-Item -LiteralPath $file
        Unprotect-File -LiteralPath "$file.enc" -StorePath $holder | Out-Null
        Get-Content -LiteralPath $file | Should -Be 'for the agent'
    }
}

Describe 'Update-EncFileKey and Invoke-EncKeyRotation -Rewrap' {
    BeforeAll {
        $rot = Join-Path $work 'rot'
        New-Tree $rot
        Get-ChildItem -LiteralPath $rot -Recurse -File | Protect-File -KeyId alias/x -StorePath $store | Out-Null
    }

    It 'rotates alias/x and rewraps every file that used the old version' {
        $out = Get-ChildItem -LiteralPath $rot -Recurse -Filter *.enc | Invoke-EncKeyRotation -KeyId alias/x -Rewrap -StorePath $store -Confirm:$false
        ($out | Where-Object { $_ -is [EncryptionTools.Engine.Store.EncKey] }).CurrentVersion | Should -Be 2
        ($out | Where-Object { $_ -is [EncryptionTools.Engine.Files.RewrapResult] }) | Should -HaveCount 3
        Get-ChildItem -LiteralPath $rot -Recurse -Filter *.enc | Get-EncFileInfo -StorePath $store |
            ForEach-Object { $_.EncryptedDataKeys[0].Version | Should -Be 2 }
    }

    It 'moves a file to another key; the old key can no longer decrypt' {
        $enc = Join-Path $rot 'top.txt.enc'
        $r = Update-EncFileKey -LiteralPath $enc -KeyId alias/y -StorePath $store -Confirm:$false
        $r.KeysAfter | Should -HaveCount 1
        { Unprotect-File -LiteralPath $enc -KeyId alias/x -Destination (Join-Path $work 'x.txt') -StorePath $store -ErrorAction Stop } | Should -Throw -ErrorId 'NoDecryptableKey*'
        Unprotect-File -LiteralPath $enc -KeyId alias/y -Destination (Join-Path $work 'y.txt') -StorePath $store | Out-Null
        Get-Content -LiteralPath (Join-Path $work 'y.txt') | Should -Be 'top'
    }

    It 'works with the CLI on the same store' {
        $file = Join-Path $work 'cli.txt'
        Set-Content -LiteralPath $file -Value 'shared'
        & $cli encrypt $file --key alias/x --store $store | Out-Null
        $LASTEXITCODE | Should -Be 0
        Remove-Item -LiteralPath $file
        Unprotect-File -LiteralPath "$file.enc" -StorePath $store | Out-Null
        Get-Content -LiteralPath $file | Should -Be 'shared'
    }
}

Describe 'Pipeline batches, destination clashes, wildcards and output modes' {
    BeforeAll {
        $root = Join-Path $work 'rules'
        New-Item -ItemType Directory -Path (Join-Path $root 'a'), (Join-Path $root 'b') -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $root 'a/x.txt') -Value 'first' -NoNewline
        Set-Content -LiteralPath (Join-Path $root 'b/x.txt') -Value 'second' -NoNewline
    }

    It 'publishes piped files in groups (reported with -Verbose)' {
        $all = Get-ChildItem -LiteralPath $root -Recurse -File | Protect-File -KeyId alias/x -StorePath $store -Verbose 4>&1
        @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Group 1: 2 file(s)*' }) | Should -HaveCount 1
        @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Should -HaveCount 2
    }

    It 'refuses a second source for the same -Destination output, even with -Force' {
        $out = Join-Path $root 'out'
        $results = Get-ChildItem -LiteralPath $root -Recurse -Filter *.txt | Protect-File -KeyId alias/x -Destination $out -Force -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable errs
        $results | Should -HaveCount 1
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'DestinationClash,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'reports a -Path wildcard that matches nothing as PathNotFound' {
        { Protect-File -Path (Join-Path $root '*.nothing') -StorePath $store -ErrorAction Stop } | Should -Throw -ErrorId 'PathNotFound,*'
    }

    It 'never makes a ciphertext more permissive than its source, and a new plaintext is owner-only' -Skip:$IsWindows {
        $f = Join-Path $root 'shared.txt'
        Set-Content -LiteralPath $f -Value 'shared'
        [IO.File]::SetUnixFileMode($f, [IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead, UserExecute')
        Protect-File -LiteralPath $f -KeyId alias/x -StorePath $store | Out-Null
        [IO.File]::GetUnixFileMode("$f.enc") | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead')
        Unprotect-File -LiteralPath "$f.enc" -Destination (Join-Path $root 'shared.out') -StorePath $store | Out-Null
        [IO.File]::GetUnixFileMode((Join-Path $root 'shared.out')) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
    }
}
