using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EncryptionTools.Module;

/// <summary>
/// When the module is imported into a session where Pester 5 (or later) is already loaded, registers the
/// <c>Should -BeEncrypted</c> operator with Pester's Add-ShouldOperator. No dependency on Pester is taken: nothing
/// happens when Pester is absent or older, and any failure is swallowed (an import never fails because of it).
/// </summary>
public sealed class PesterIntegration : IModuleAssemblyInitializer
{
    /// <summary>
    /// The registration, run in the importing session. The operator passes when every file the actual value names (paths,
    /// FileInfo objects, or directories, scanned recursively) is an AWS Encryption SDK message with a committing suite
    /// and a readable header — Test-EncryptionCompliance's rules ET1001, ET1006, ET1007 and ET1010 — and lists the
    /// findings when it fails. -Not passes when some file is not encrypted.
    /// </summary>
    public const string RegistrationScript = """
        $pester = Get-Module -Name Pester | Where-Object { $_.Version.Major -ge 5 } | Sort-Object Version -Descending | Select-Object -First 1
        if ($null -ne $pester -and (Get-Command -Name Add-ShouldOperator -Module Pester -ErrorAction Ignore)) {
            $test = {
                param($ActualValue, [switch] $Negate, [string] $Because)
                $paths = @($ActualValue | ForEach-Object { if ($_ -is [System.IO.FileSystemInfo]) { $_.FullName } else { [string] $_ } })
                if ($paths.Count -eq 0) {
                    return [pscustomobject] @{ Succeeded = $false; FailureMessage = 'Expected files to test for encryption, but got nothing.' }
                }
                $findings = @(EncryptionTools\Test-EncryptionCompliance -LiteralPath $paths -Recurse -Rule ET1001, ET1006, ET1007, ET1010)
                $because = if ($Because) { " because $Because" } else { '' }
                if ($Negate) {
                    $succeeded = $findings.Count -gt 0
                    $message = "Expected $($paths -join ', ') not to be encrypted$because, but every file is."
                } else {
                    $succeeded = $findings.Count -eq 0
                    $message = "Expected $($paths -join ', ') to be encrypted$because, but $($findings.Count) finding(s):" + [Environment]::NewLine +
                        (($findings | ForEach-Object { "  $($_.RuleId) $($_.Target): $($_.Message) Fix: $($_.Remediation)" }) -join [Environment]::NewLine)
                }
                [pscustomobject] @{ Succeeded = $succeeded; FailureMessage = $message }
            }
            try { Add-ShouldOperator -Name BeEncrypted -Test $test -SupportsArrayInput } catch { Write-Verbose "Should -BeEncrypted was not registered: $_" }
        }
        """;

    public void OnImport()
    {
        try
        {
            if (Runspace.DefaultRunspace is null) return;
            // Pester 5 loads its Pester.dll; without it there is nothing to register, and the script's first pipeline
            // (Get-Module | Where-Object | Sort-Object) would cost every import ~0.1 s of JIT.
            if (!AppDomain.CurrentDomain.GetAssemblies().Any(a => string.Equals(a.GetName().Name, "Pester", StringComparison.OrdinalIgnoreCase))) return;
            ScriptBlock.Create(RegistrationScript)?.Invoke();
        }
        catch (Exception ex) when (ex is RuntimeException or InvalidOperationException or NotSupportedException or NullReferenceException)
        {
            // Registration is a convenience: the module imports whatever happens here.
        }
    }
}
