#Requires -Version 7.4
<#
.SYNOPSIS
    Build, test, document and package EncryptionTools (for machines that have pwsh).
.DESCRIPTION
    Build   : lays out the importable module at out/EncryptionTools and the Native AOT enctools at out/enctools
              (same as build.sh --no-demo).
    Test    : dotnet test, then Pester in a child pwsh so no module assembly stays locked in this session.
    Pester  : Pester only (what Test runs in the child process), with the Pester package tools/PesterRestore restores;
              writes TestResults/pester.xml and TestResults/pester-counts.txt ("passed failed").
    Docs    : regenerates en-US/ MAML and about topics from docs/ with tools/HelpGen.
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

# The pwsh running this script, as a command line for a child process. When pwsh is the .NET tool (`dotnet pwsh`), the
# process is dotnet itself and pwsh is $PSHOME/pwsh.dll; the process path alone would start dotnet with no program.
function Get-PwshCommandLine {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    @($process)
}

# Pester from the NuGet package tools/PesterRestore locks (its module is the package's tools/ folder), so every machine
# runs the same Pester; $env:ENCRYPTIONTOOLS_PESTER names another Pester.psd1 if set.
function Get-PesterModulePath {
    if ($env:ENCRYPTIONTOOLS_PESTER) { return $env:ENCRYPTIONTOOLS_PESTER }
    $project = Join-Path $root 'tools/PesterRestore/PesterRestore.csproj'
    Invoke-Native dotnet @('restore', $project, '--nologo', '-v', 'quiet')
    $package = (& dotnet msbuild $project -getProperty:PkgPester -nologo | Select-Object -Last 1).Trim()
    if ($LASTEXITCODE -ne 0 -or -not $package) { throw "Could not find the restored Pester package ($project)." }
    Join-Path $package 'tools/Pester.psd1'
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
            $pwsh = @(Get-PwshCommandLine)
            Invoke-Native $pwsh[0] (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-Task', 'Pester', '-Configuration', $Configuration))
        }
        'Pester' {
            if (-not (Test-Path "$moduleOut/EncryptionTools.psd1")) { throw "Build first: ./build.ps1 -Task Build" }
            Import-Module (Get-PesterModulePath) -ErrorAction Stop
            $config = New-PesterConfiguration
            $config.Run.Path = Join-Path $root 'tests'
            $config.Run.PassThru = $true
            $config.Output.Verbosity = 'Detailed'
            $config.TestResult.Enabled = $true
            $config.TestResult.OutputFormat = 'NUnitXml'
            $config.TestResult.OutputPath = Join-Path $root 'TestResults/pester.xml'
            $env:ENCRYPTIONTOOLS_MODULE = "$moduleOut/EncryptionTools.psd1"
            $result = Invoke-Pester -Configuration $config
            # A block or file that fails before its tests run is a failure too (the NUnit file does not count it).
            $failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
            New-Item -ItemType Directory -Force (Join-Path $root 'TestResults') | Out-Null
            Set-Content -LiteralPath (Join-Path $root 'TestResults/pester-counts.txt') -Value "$($result.PassedCount) $failed"
            if ($failed -gt 0) { throw "Pester: $failed test(s), block(s) or file(s) failed." }
        }
        'Docs' {
            # tools/HelpGen reads platyPS markdown without platyPS (which NuGet does not serve).
            Invoke-Native dotnet @('run', '--project', "$root/tools/HelpGen", '-c', $Configuration, '--', '--docs', "$root/docs", '--out', "$root/en-US", '--module', 'EncryptionTools')
        }
        'Package' {
            & $PSCommandPath -Task Build -Configuration $Configuration
            # A repository package installs on any platform: it ships the IL alone, without the ReadyToRun code that
            # the module's publish compiles for this machine's platform.
            Remove-Item -Recurse -Force $moduleOut
            Invoke-Native dotnet @('publish', "$root/src/EncryptionTools/EncryptionTools.csproj", '-c', $Configuration, '-o', $moduleOut, '--nologo', '-p:ModuleReadyToRun=false')
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
