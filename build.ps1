#Requires -Version 7.4
<#
.SYNOPSIS
    Build, test, document and package EncryptionTools (for machines that have pwsh).
.DESCRIPTION
    Build   : lays out the importable module at out/EncryptionTools and the Native AOT enctools at out/enctools
              (same as build.sh --no-demo).
    Test    : dotnet test, then Pester in a child pwsh so no module assembly stays locked in this session.
    Pester  : Pester only (what Test runs in the child process); writes TestResults/pester.xml.
    Docs    : regenerates en-US/ MAML and about topics from docs/ with platyPS.
    Package : builds, then packs out/EncryptionTools into a .nupkg under out/ for a PowerShell repository.
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Docs', 'Package')]
    [string[]] $Task = @('Build'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$moduleOut = Join-Path $root 'out/EncryptionTools'

function Invoke-Native([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' {
            Remove-Item -Recurse -Force $moduleOut -ErrorAction Ignore
            Invoke-Native dotnet @('run', '--project', "$root/tools/HelpGen", '-c', $Configuration, '--', '--docs', "$root/docs", '--out', "$root/en-US", '--module', 'EncryptionTools')
            Invoke-Native dotnet @('publish', "$root/src/EncryptionTools/EncryptionTools.csproj", '-c', $Configuration, '-o', $moduleOut, '--nologo')
            Invoke-Native dotnet @('publish', "$root/src/enctools/enctools.csproj", '-c', $Configuration, '-o', "$root/out/enctools", '--nologo')
        }
        'Test' {
            Invoke-Native dotnet @('test', "$root/EncryptionTools.sln", '-c', $Configuration, '--nologo')
            # A child process: the module's assemblies load there and are released when it exits.
            Invoke-Native (Get-Process -Id $PID).Path @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-Task', 'Pester', '-Configuration', $Configuration)
        }
        'Pester' {
            if (-not (Test-Path "$moduleOut/EncryptionTools.psd1")) { throw "Build first: ./build.ps1 -Task Build" }
            Import-Module Pester -MinimumVersion 5.5 -ErrorAction Stop
            $config = New-PesterConfiguration
            $config.Run.Path = Join-Path $root 'tests'
            $config.Run.Exit = $true
            $config.Output.Verbosity = 'Detailed'
            $config.TestResult.Enabled = $true
            $config.TestResult.OutputFormat = 'NUnitXml'
            $config.TestResult.OutputPath = Join-Path $root 'TestResults/pester.xml'
            $env:ENCRYPTIONTOOLS_MODULE = "$moduleOut/EncryptionTools.psd1"
            Invoke-Pester -Configuration $config
        }
        'Docs' {
            Import-Module platyPS -ErrorAction Stop
            New-ExternalHelp -Path "$root/docs" -OutputPath "$root/en-US" -Force | Out-Null
            Get-ChildItem "$root/docs/about_*.md" | ForEach-Object {
                New-ExternalHelp -Path $_.FullName -OutputPath "$root/en-US" -Force | Out-Null
            }
        }
        'Package' {
            & $PSCommandPath -Task Build -Configuration $Configuration
            $repo = Join-Path $root 'out/repo'
            New-Item -ItemType Directory -Force $repo | Out-Null
            if (-not (Get-PSResourceRepository -Name EncryptionToolsLocal -ErrorAction Ignore)) {
                Register-PSResourceRepository -Name EncryptionToolsLocal -Uri $repo -Trusted
            }
            Publish-PSResource -Path $moduleOut -Repository EncryptionToolsLocal
            Write-Host "Package written to $repo"
        }
    }
}
