#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

Describe 'examples/demo.ps1' {
    It 'tells the whole story without an error, in a child process' {
        $demo = Join-Path $PSScriptRoot '../examples/demo.ps1'
        # The pwsh running this test: when it is the .NET tool (`dotnet pwsh`), the process is dotnet and pwsh is
        # $PSHOME/pwsh.dll, so the process path alone is not a pwsh.
        $process = [Environment]::ProcessPath
        $pwsh = if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { @($process, (Join-Path $PSHOME 'pwsh.dll')) } else { @($process) }
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $demo 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        ($output | Out-String) | Should -Match 'payslip-1\.csv'
    }
}
