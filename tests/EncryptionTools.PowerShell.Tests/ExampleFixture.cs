using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// The world the documented examples talk about, built once and copied for each example: a key store with the keys and
/// aliases they name, the files and directories they read (./hr, ./payroll.xlsx.enc, /srv/share, ...), a second store at
/// /srv/keys (password-protected), an old store to move a key from, and the inputs the Pester and runbook snippets take as
/// variables ($store, $file, $enc, $plain, $exportFile, $exportDir, $password). Absolute paths in an example
/// (/srv, /etc, /var, /old, /new) are taken to mean the same path under the example's sandbox directory. AWS KMS keys
/// (aliases arn:aws:kms:us-east-1:123456789012:alias/payroll, alias/finance, alias/store-root) live on the local KMS
/// endpoint, whose settings (AWS_ENDPOINT_URL_KMS, test credentials, us-east-1) are in the environment; ./kms holds files
/// encrypted under alias/payroll there.
/// </summary>
public sealed class ExampleFixture : IDisposable
{
    public const string StorePassword = "Fixture-store-pass-1";

    /// <summary>
    /// The AWS KMS aliases the examples name, as arn:aws:kms:us-east-1:123456789012:alias/NAME: each points at a new key
    /// of the local KMS endpoint (the endpoint picks key ids, so examples name aliases; an alias left by an earlier run
    /// against the same endpoint is moved).
    /// </summary>
    public static readonly string[] KmsAliases = ["payroll", "finance", "store-root"];

    public ExampleFixture()
    {
        // The examples reach KMS through the AWS SDK's standard chain: the endpoint's settings in this process's environment.
        var kms = KmsTestEndpoint.Instance.UseInThisProcess();
        foreach (var alias in KmsAliases) kms.SetAlias(kms.CreateKey("docs example key " + alias), alias);
        Template = Path.Combine(Path.GetTempPath(), "et-docs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Template);
        using var runspace = RunspaceFactory.CreateRunspace(Session(pester: false));
        runspace.Open();
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(Given(Template) + BuildScript);
        try
        {
            ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            throw new InvalidOperationException("The docs examples' fixture could not be built: " + ex.ErrorRecord + " at " + ex.ErrorRecord.InvocationInfo?.PositionMessage, ex);
        }
        if (ps.Streams.Error.Count > 0)
            throw new InvalidOperationException("The docs examples' fixture could not be built: " + string.Join("; ", ps.Streams.Error.Select(e => e + " at " + e.InvocationInfo?.PositionMessage)));
    }

    /// <summary>The built world; each example gets a copy.</summary>
    public string Template { get; }

    /// <summary>The Pester module the NuGet restore of this project brought (its tools/ folder).</summary>
    public static string PesterModulePath
    {
        get
        {
            var value = typeof(ExampleFixture).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "PesterModule").Value!;
            if (!File.Exists(value)) throw new InvalidOperationException("Pester is not restored at " + value);
            return value;
        }
    }

    public static InitialSessionState Session(bool pester)
    {
        var iss = InitialSessionState.CreateDefault2();
        if (pester) iss.ImportPSModule(PesterModulePath);
        iss.ImportPSModule(ModuleRunspace.ModulePath);
        return iss;
    }

    /// <summary>
    /// Runs in every example's runspace before it: the location, the default store (through $PSDefaultParameterValues,
    /// which is per session, unlike $env:ENCRYPTIONTOOLS_STORE), the variables snippets take as inputs, and a stand-in for
    /// SecretManagement's Get-Secret (not installed here) that returns the store password.
    /// </summary>
    public static string Given(string root) => $$"""
        $root = '{{root.Replace("'", "''")}}'
        Set-Location -LiteralPath $root
        foreach ($c in '*-Enc*:StorePath', '*-File:StorePath', 'Test-EncryptionCompliance:StorePath') { $PSDefaultParameterValues[$c] = "$root/store" }
        $store = "$root/store"
        $file = "$root/pester/new.txt"
        $enc = "$root/pester/hr.txt.enc"
        $plain = "$root/pester/hr.txt"
        $exportFile = "$root/pester/export.csv.enc"
        $exportDir = "$root/pester/exports"
        $password = ConvertTo-SecureString '{{StorePassword}}' -AsPlainText -Force
        function Get-Secret { param([string] $Name, [string] $Vault) ConvertTo-SecureString '{{StorePassword}}' -AsPlainText -Force }

        """;

    private const string BuildScript = """
        $ErrorActionPreference = 'Stop'
        function Write-Files([string] $Dir, [string[]] $Names) {
            foreach ($n in $Names) {
                $p = Join-Path $Dir $n
                New-Item -ItemType Directory -Force -Path (Split-Path $p) | Out-Null
                Set-Content -LiteralPath $p -Value "employee,amount`n$n,1000"
            }
        }
        function Protect([string] $Path, [string[]] $Key, [hashtable] $Context = @{ dept = 'hr' }, [string] $StorePath = $store) {
            Protect-File -LiteralPath $Path -KeyId $Key -EncryptionContext $Context -InPlace -StorePath $StorePath -Confirm:$false | Out-Null
        }

        # Keys and aliases the examples name, in the default store.
        New-EncKey -Alias alias/payroll -Tag @{ dept = 'hr' } -EnableRotation | Out-Null
        New-EncKey -Alias alias/hr -Tag @{ dept = 'hr' } -EnableRotation | Out-Null
        New-EncKey -Alias alias/reports -Exportable | Out-Null
        New-EncKey -Alias alias/backup -Tag @{ temp = 'yes' } | Out-Null
        New-EncKey -Alias alias/dr | Out-Null
        New-EncKey -Alias alias/agent -KeySpec RSA_3072 | Out-Null
        New-EncKey -Alias alias/partner-inbox -KeySpec RSA_3072 | Out-Null
        New-EncKey -Alias alias/breakglass -KeySpec RSA_3072 | Out-Null
        New-EncKey -Alias alias/it-share | Out-Null
        New-EncKey -Alias alias/share | Out-Null
        New-EncKey -Alias alias/share-2026 | Out-Null
        New-EncKey -Alias alias/old-project | Out-Null
        New-EncKey -Alias alias/tmp-test | Out-Null
        New-EncKey -Alias alias/sandbox/one | Out-Null
        New-EncKey -Alias alias/prod-web -Tag @{ env = 'production' } | Out-Null
        New-EncKey -Alias alias/ingest | Out-Null
        New-EncKey -Alias alias/team-old | Out-Null
        New-EncKey -Alias alias/team-new | Out-Null
        New-EncKey -Alias alias/x | Out-Null
        New-EncKey -Alias alias/y | Out-Null
        New-EncKey -Alias alias/app | Out-Null
        New-EncKey -Alias alias/atlas-1 -Tag @{ project = 'atlas' } | Out-Null
        New-EncKey -Alias alias/atlas-2 -Tag @{ project = 'atlas' } | Disable-EncKey -Confirm:$false
        Grant-EncKeyAccess -KeyId alias/payroll -GranteePrincipal user:carol -Operation Decrypt -EncryptionContextSubset @{ dept = 'hr' } -Confirm:$false | Out-Null
        Grant-EncKeyAccess -KeyId alias/backup -GranteePrincipal user:backup -Operation Decrypt -RetiringPrincipal user:backup -Confirm:$false | Out-Null

        # Files and directories.
        Write-Files "$root/hr" 'payslip-1.csv', 'payslip-2.csv', 'archive/payslip-0.csv'
        Write-Files $root 'payroll.xlsx'; Protect "$root/payroll.xlsx" alias/payroll
        Rename-Item "$root/payroll.xlsx" 'payroll.xlsx.enc'
        Write-Files "$root/srv/share" 'a.csv', 'team/b.csv'
        Get-ChildItem "$root/srv/share" -Recurse -File | ForEach-Object { Protect $_.FullName alias/share; Rename-Item $_.FullName ($_.Name + '.enc') }
        Write-Files "$root/share" 'plan.docx', 'notes.txt'
        Get-ChildItem "$root/share" -File | ForEach-Object { Protect $_.FullName alias/share; Rename-Item $_.FullName ($_.Name + '.enc') }
        Write-Files "$root/srv/export" 'orders.csv', 'daily/stock.csv'
        Write-Files "$root/srv/in" 'batch.csv'; Protect "$root/srv/in/batch.csv" alias/ingest; Rename-Item "$root/srv/in/batch.csv" 'batch.csv.enc'
        New-Item -ItemType Directory "$root/srv/staging" | Out-Null
        Write-Files "$root/srv/vault" 'keys.json'; Protect "$root/srv/vault/keys.json" alias/team-old, alias/team-new; Rename-Item "$root/srv/vault/keys.json" 'keys.json.enc'
        New-Item -ItemType Directory "$root/etc/enctools", "$root/var/log" | Out-Null
        (Export-EncKey -KeyId alias/breakglass -PublicKeyOnly -Confirm:$false).PublicKeyPem | Set-Content "$root/etc/enctools/breakglass.pem"
        Write-Files "$root/exports" 'q1.csv', 'q2/summary.csv'
        [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)) | Set-Content "$root/backup-key.b64"

        # A policy file that keeps the caller in control (Set-EncKeyPolicy -LiteralPath ./policies/payroll.json).
        $me = (Test-EncKeyAccess -KeyId alias/payroll -Action kms:PutKeyPolicy).Principal
        New-Item -ItemType Directory "$root/policies" | Out-Null
        @{ Version = '2012-10-17'; Statement = @(@{ Sid = 'Owner'; Effect = 'Allow'; Principal = @{ EncTools = $me }; Action = 'kms:*'; Resource = '*' }) } |
            ConvertTo-Json -Depth 5 | Set-Content "$root/policies/payroll.json"

        # The Pester snippets' inputs.
        Write-Files "$root/pester" 'new.txt', 'hr.txt', 'export.csv', 'exports/a.csv', 'exports/b/c.csv'
        Protect "$root/pester/hr.txt" alias/x; Rename-Item "$root/pester/hr.txt" 'hr.txt.enc'
        Protect "$root/pester/export.csv" alias/reports @{ tenant = 'contoso' }; Rename-Item "$root/pester/export.csv" 'export.csv.enc'
        Get-ChildItem "$root/pester/exports" -Recurse -File | ForEach-Object { Protect $_.FullName alias/reports }

        # A finance tree for the compliance runbook: every file encrypted with the context keys its profile requires.
        New-EncKey -StorePath "$root/srv/keys" -Alias alias/finance -EnableRotation | Out-Null
        Write-Files "$root/srv/finance" 'ledger.csv', '2026/q1.xlsx'
        Get-ChildItem "$root/srv/finance" -Recurse -File | ForEach-Object { Protect $_.FullName alias/finance @{ dept = 'finance'; classification = 'internal' } "$root/srv/keys" }
        New-EncKey -StorePath "$root/srv/keys" -Alias alias/backup -EnableRotation | Out-Null
        Set-EncKeyStore -StorePath "$root/srv/keys" -Protection Password -Password $password -Confirm:$false | Out-Null
        Lock-EncKeyStore -StorePath "$root/srv/keys" | Out-Null

        # Files an AWS KMS key protects (the local KMS endpoint, through the environment's AWS settings).
        Write-Files "$root/kms" 'q1.csv', 'q2.csv'
        Get-ChildItem "$root/kms" -File | ForEach-Object { Protect $_.FullName 'arn:aws:kms:us-east-1:123456789012:alias/payroll'; Rename-Item $_.FullName ($_.Name + '.enc') }

        # The store a key moves from (Import-EncKey example 2).
        New-EncKey -StorePath "$root/old/store" -Alias alias/reports -Exportable | Out-Null
        """;

    public void Dispose()
    {
        try { Directory.Delete(Template, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Copies the template to a fresh directory, keeping each entry's owner-only mode (the store checks it).</summary>
    public void CopyTo(string destination)
    {
        foreach (var dir in Directory.EnumerateDirectories(Template, "*", SearchOption.AllDirectories).Prepend(Template))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(Template, dir));
            Directory.CreateDirectory(target);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, File.GetUnixFileMode(dir));
        }
        foreach (var file in Directory.EnumerateFiles(Template, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(Template, file));
            File.Copy(file, target, overwrite: true);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, File.GetUnixFileMode(file));
        }
    }
}
