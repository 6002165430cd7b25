using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EncryptionTools.Module;

/// <summary>
/// Registers the <c>Should -BeEncrypted</c> operator with Pester 5 (or later) through Add-ShouldOperator. No dependency
/// on Pester is taken: when Pester is loaded at import, the operator is registered then; when it is not (the module was
/// imported first, by a profile or a runbook), a command-lookup hook registers it the first time <c>Should</c> is looked
/// up, which is after Pester has loaded and before Should binds its parameters. Failures never fail the import.
/// </summary>
public sealed class PesterIntegration : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <summary>
    /// The registration, run in the importing session; writes $true when Pester 5 was found. The operator passes when
    /// every file the actual value names (paths, FileInfo objects, or directories, scanned recursively) is an AWS
    /// Encryption SDK message with a committing suite and a readable header: Test-EncryptionCompliance's rules ET1001,
    /// ET1006, ET1007 and ET1010, for the named files only (no key, policy or store rule). A path that does not exist,
    /// or that names no file at all, fails the assertion whether or not -Not is given. -Not passes when some file is
    /// not encrypted. The failure message lists the findings.
    /// </summary>
    public const string RegistrationScript = """
        $pester = Get-Module -Name Pester | Where-Object { $_.Version.Major -ge 5 } | Sort-Object Version -Descending | Select-Object -First 1
        if ($null -eq $pester -or -not (Get-Command -Name Add-ShouldOperator -Module Pester -ErrorAction Ignore)) { return $false }
        if (@(Pester\Get-ShouldOperator).Name -contains 'BeEncrypted') { return $true }
        $test = {
            param($ActualValue, [switch] $Negate, [string] $Because)
            $paths = @($ActualValue | ForEach-Object { if ($_ -is [System.IO.FileSystemInfo]) { $_.FullName } else { [string] $_ } })
            $because = if ($Because) { " because $Because" } else { '' }
            $expected = if ($Negate) { 'not to be encrypted' } else { 'to be encrypted' }
            if ($paths.Count -eq 0) {
                return [pscustomobject] @{ Succeeded = $false; FailureMessage = "Expected files $expected$because, but got nothing." }
            }
            $problems = $null
            $results = @(EncryptionTools\Test-EncryptionCompliance -LiteralPath $paths -Recurse -Rule ET1001, ET1006, ET1007, ET1010 -Summary -ErrorAction SilentlyContinue -ErrorVariable problems)
            $summary = $results | Where-Object { $_ -is [EncryptionTools.Engine.Compliance.ComplianceSummary] } | Select-Object -Last 1
            $findings = @($results | Where-Object { $_ -is [EncryptionTools.Engine.Compliance.ComplianceFinding] })
            # A missing path or a path with no file in it proves nothing either way: it is a failure, never a pass.
            if ($problems.Count -gt 0) {
                $text = ($problems | ForEach-Object { "  $($_.FullyQualifiedErrorId) $($_.TargetObject): $($_.Exception.Message)" }) -join [Environment]::NewLine
                return [pscustomobject] @{ Succeeded = $false; FailureMessage = "Expected $($paths -join ', ') $expected$because, but it could not be checked:" + [Environment]::NewLine + $text }
            }
            if ($null -eq $summary -or $summary.FilesScanned -eq 0) {
                return [pscustomobject] @{ Succeeded = $false; FailureMessage = "Expected $($paths -join ', ') $expected$because, but it names no file." }
            }
            if ($Negate) {
                $succeeded = $findings.Count -gt 0
                $message = "Expected $($paths -join ', ') $expected$because, but every file is."
            } else {
                $succeeded = $findings.Count -eq 0
                $message = "Expected $($paths -join ', ') $expected$because, but $($findings.Count) finding(s):" + [Environment]::NewLine +
                    (($findings | ForEach-Object { "  $($_.RuleId) $($_.Target): $($_.Message) Fix: $($_.Remediation)" }) -join [Environment]::NewLine)
            }
            [pscustomobject] @{ Succeeded = $succeeded; FailureMessage = $message }
        }
        try { Pester\Add-ShouldOperator -Name BeEncrypted -Test $test -SupportsArrayInput } catch { Write-Verbose "Should -BeEncrypted was not registered: $_" }
        $true
        """;

    /// <summary>One hook per runspace that imported the module before Pester (runspaces do not share commands).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Runspace, LookupHook> Hooks = new();

    public void OnImport()
    {
        try
        {
            var runspace = Runspace.DefaultRunspace;
            if (runspace is null) return;
            // Pester 5 loads its Pester.dll: only then is there anything to register now. Running the script without it
            // would cost every import ~0.1 s of JIT; the hook registers the operator if Pester comes later.
            if (PesterLoaded() && Register()) return;
            Hooks.GetValue(runspace, _ => new LookupHook()).Install();
        }
        catch (Exception ex) when (ex is RuntimeException or InvalidOperationException or NotSupportedException or NullReferenceException)
        {
            // Registration is a convenience: the module imports whatever happens here.
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (Runspace.DefaultRunspace is { } runspace && Hooks.TryGetValue(runspace, out var hook)) hook.Remove();
    }

    private static bool PesterLoaded() =>
        AppDomain.CurrentDomain.GetAssemblies().Any(a => string.Equals(a.GetName().Name, "Pester", StringComparison.OrdinalIgnoreCase));

    /// <summary>Runs the registration script; true when Pester 5 was loaded (so no hook is needed any more).</summary>
    private static bool Register()
    {
        var result = ScriptBlock.Create(RegistrationScript).Invoke();
        return result.Count > 0 && result[^1]?.BaseObject is true;
    }

    /// <summary>
    /// Chains onto the runspace's PostCommandLookupAction: when "Should" is looked up (Pester is loaded by then), registers
    /// the operator and removes itself. Costs one string comparison per command lookup until then.
    /// </summary>
    private sealed class LookupHook
    {
        // The runspace's SessionStateProxy cannot be used while its pipeline runs (it does, during an import).
        private readonly CommandInvocationIntrinsics _commands =
            ((EngineIntrinsics)ScriptBlock.Create("$ExecutionContext").Invoke()[0].BaseObject).InvokeCommand;
        private EventHandler<CommandLookupEventArgs>? _previous;
        private bool _installed;
        private bool _registering;

        public void Install()
        {
            if (_installed) return;
            _previous = _commands.PostCommandLookupAction;
            _commands.PostCommandLookupAction = OnLookup;
            _installed = true;
        }

        public void Remove()
        {
            if (!_installed) return;
            // Only undo what is still ours: another module may have chained after this one.
            if (_commands.PostCommandLookupAction == (EventHandler<CommandLookupEventArgs>)OnLookup) _commands.PostCommandLookupAction = _previous;
            _installed = false;
        }

        private void OnLookup(object? sender, CommandLookupEventArgs e)
        {
            _previous?.Invoke(sender, e);
            if (!_installed || _registering) return;
            var name = e.CommandName;
            if (!string.Equals(name, "Should", StringComparison.OrdinalIgnoreCase) && !string.Equals(name, @"Pester\Should", StringComparison.OrdinalIgnoreCase)) return;
            _registering = true;
            try
            {
                if (Register()) Remove();
            }
            catch (Exception ex) when (ex is RuntimeException or InvalidOperationException or NotSupportedException)
            {
                Remove(); // never in the way of the user's commands
            }
            finally
            {
                _registering = false;
            }
        }
    }
}
