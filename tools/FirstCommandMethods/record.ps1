<#
.SYNOPSIS
Records which of PowerShell's own methods a session's first EncryptionTools command compiles: Get-EncKey and the first
display of its output, in a fresh pwsh, with the module's warm-up off. The module compiles this list on its warm-up
thread at import (FirstCommandWarmUp), so that the session's thread finds them compiled.

.DESCRIPTION
Run it again when the pinned pwsh changes (.config/dotnet-tools.json), then rebuild:
    dotnet tool restore
    bash build.sh --no-demo
    dotnet pwsh -NoProfile -File tools/FirstCommandMethods/record.ps1 -Module out/EncryptionTools/EncryptionTools.psd1 -Out src/EncryptionTools/FirstCommandMethods.txt
The runtime lists each method it compiles (DOTNET_JitDisasmSummary); two PowerShell methods that nothing else calls mark
where the command starts and ends. Kept: first compilations of non-generic methods of PowerShell's own types, without
type initializers.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $Module,
    [Parameter(Mandatory)][string] $Out
)
$ErrorActionPreference = 'Stop'
$Module = (Resolve-Path -LiteralPath $Module).ProviderPath
$Out = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Out)
$work = Join-Path ([IO.Path]::GetTempPath()) ("enctools-record-" + [guid]::NewGuid().ToString('N'))
$pwsh = [Environment]::ProcessPath
# The same pwsh: as a .NET tool, the process is dotnet running pwsh.dll.
[string[]] $pwshArgs = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { @([Reflection.Assembly]::GetEntryAssembly().Location) } else { @() }
$quoted = $Module.Replace("'", "''")
try {
    $env:ENCRYPTIONTOOLS_STORE = Join-Path $work 'store'
    $env:ENCRYPTIONTOOLS_WARMUP = '0'
    # The key is made by another process: the recorded one must not have compiled anything of the store's.
    $output = & $pwsh @pwshArgs -NoProfile -NonInteractive -Command "Import-Module '$quoted'; New-EncKey -Alias alias/record | Out-Null" 2>&1
    if ($LASTEXITCODE) { throw "Making the key failed ($LASTEXITCODE): $output" }
    $jitFile = Join-Path $work 'jit.txt'
    $env:DOTNET_JitStdOutFile = $jitFile
    $env:DOTNET_JitDisasmSummary = '1'
    $output = & $pwsh @pwshArgs -NoProfile -NonInteractive -Command @"
Import-Module '$quoted'
Start-Sleep -Milliseconds 300
`$null = [System.Management.Automation.Language.CodeGeneration]::EscapeBlockCommentContent('start')
Get-EncKey | Out-Default
`$null = [System.Management.Automation.Language.CodeGeneration]::EscapeFormatStringContent('end')
"@ 2>&1
    if ($LASTEXITCODE) { throw "The recording failed ($LASTEXITCODE): $output" }
    Remove-Item Env:DOTNET_JitStdOutFile, Env:DOTNET_JitDisasmSummary

    $inside = $false
    $seen = [Collections.Generic.HashSet[string]]::new()
    $lines = foreach ($line in [IO.File]::ReadLines($jitFile)) {
        # "  12: JIT compiled Namespace.Type+Nested:Method(args) [Tier0, IL size=..]"
        if ($line -notmatch '^\s*\d+: JIT compiled (?<type>[^:(]+):(?<method>[^(]+)\(.*\[(?<tier>[^,\]]+)') { continue }
        $type, $method, $tier = $Matches.type, $Matches.method, $Matches.tier
        if ($method -eq 'EscapeBlockCommentContent') { $inside = $true; continue }
        if ($method -eq 'EscapeFormatStringContent') { break }
        if (-not $inside -or $tier -like '*Tier1*' -or $method -eq '.cctor') { continue }
        if ($type -notmatch '^(System\.Management\.Automation|Microsoft\.PowerShell)\.' -or $type -match '[`\[]') { continue }
        $entry = "${type}::$method"
        if ($seen.Add($entry)) { $entry }
    }
    if (-not $inside) { throw 'The start marker was not compiled: nothing recorded.' }
    $header = @(
        '# PowerShell methods that a session''s first EncryptionTools command compiles (Get-EncKey and the display of its output),'
        "# recorded in pwsh $($PSVersionTable.PSVersion) by tools/FirstCommandMethods/record.ps1, in the order they were compiled."
        '# Each line: Namespace.Type::Method. Generated: do not edit.'
    )
    Set-Content -LiteralPath $Out -Value ($header + $lines) -Encoding utf8NoBOM
    "$(@($lines).Count) methods written to $Out"
}
finally {
    Remove-Item Env:ENCRYPTIONTOOLS_WARMUP, Env:ENCRYPTIONTOOLS_STORE, Env:DOTNET_JitStdOutFile, Env:DOTNET_JitDisasmSummary -ErrorAction Ignore
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}
