#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

Describe 'examples/demo.ps1' {
    It 'tells the whole story without an error, in a child process' {
        $demo = Join-Path $PSScriptRoot '../examples/demo.ps1'
        $output = & (Get-Process -Id $PID).Path -NoProfile -NonInteractive -File $demo 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
    }
}
