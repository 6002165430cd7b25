using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// Every example in docs/*.md and the README's PowerShell block runs unattended, as pasted, against a prepared world
/// (<see cref="ExampleFixture"/>), each in its own runspace and copy of that world: no error record, no terminating
/// error, no confirmation prompt (an example that needs one says -Confirm:$false). Pester snippets (It/Describe) run
/// under Pester 5.7.1 and must pass. Not in the shared runspace's collection: each example has its own runspace and
/// directory, so this class runs beside the others.
/// </summary>
public sealed class DocumentedExampleTests(ExampleFixture world) : IClassFixture<ExampleFixture>
{
    /// <summary>What must be true before an example (beyond the common fixture), and the passwords a person would type.</summary>
    private static readonly Dictionary<string, (string Setup, string[] Passwords)> Given = new()
    {
        ["README#1"] = ("Remove-EncKeyAlias -AliasName alias/hr -Confirm:$false", []),
        ["Enable-EncKey#2"] = ("Remove-EncKey -KeyId alias/payroll -PendingWindowInDays 7 -Confirm:$false -WarningAction Ignore", []),
        ["Restore-EncKey#1"] = ("Remove-EncKey -KeyId alias/payroll -PendingWindowInDays 7 -Confirm:$false -WarningAction Ignore", []),
        ["Restore-EncKey#2"] = ("Remove-EncKey -KeyId alias/payroll -PendingWindowInDays 7 -Confirm:$false -WarningAction Ignore", []),
        ["New-EncKey#1"] = ("Remove-EncKeyAlias -AliasName alias/payroll -Confirm:$false", []),
        ["New-EncKey#2"] = ("Unlock-EncKeyStore -StorePath $root/srv/keys -Password $password; Remove-EncKeyAlias -AliasName alias/backup -StorePath $root/srv/keys -Confirm:$false", []),
        ["New-EncKey#3"] = ("Remove-EncKeyAlias -AliasName alias/partner-inbox -Confirm:$false", []),
        ["New-EncKeyAlias#1"] = ("Remove-EncKeyAlias -AliasName alias/reports -Confirm:$false", []),
        ["Get-EncKey#3"] = ("Unlock-EncKeyStore -StorePath $root/srv/keys -Password $password", []),
        ["Lock-EncKeyStore#1"] = ("Set-EncKeyStore -Protection Password -Password $password -Confirm:$false | Out-Null; Lock-EncKeyStore | Out-Null", [ExampleFixture.StorePassword]),
        ["Unlock-EncKeyStore#1"] = ("Set-EncKeyStore -Protection Password -Password $password -Confirm:$false | Out-Null; Lock-EncKeyStore | Out-Null", [ExampleFixture.StorePassword]),
        ["Unlock-EncKeyStore#3"] = ("New-EncKeyStore -Path $root/srv/fleet-keys -KmsKeyId 'arn:aws:kms:us-east-1:123456789012:alias/store-root' | Out-Null", []),
        ["Set-EncKeyStore#1"] = ("", ["New-store-pass-2"]),
        ["Set-EncKeyStore#2"] = ("Set-EncKeyStore -Protection Password -Password $password -Confirm:$false | Out-Null", [ExampleFixture.StorePassword, "New-store-pass-2"]),
        ["Set-EncKeyAlias#2"] = ("New-EncKeyAlias -AliasName alias/reports/2026 -KeyId alias/reports", []),
        ["Test-EncryptionCompliance#3"] = ("Unlock-EncKeyStore -StorePath $root/srv/keys -Password $password", []),
        ["Restore-EncKeyStore#1"] = ("Backup-EncKeyStore -Path ./keys-backup.etb -Password $password | Out-Null", []),
        ["Restore-EncKeyStore#3"] = ("Backup-EncKeyStore -Path ./keys-backup.etb -Password $password | Out-Null", []),
        ["Restore-EncKeyStore#2"] = ("New-EncKey -StorePath $root/srv/dr-keys -Alias alias/dr-restore -KeySpec RSA_3072 | Out-Null; " +
            "(Export-EncKey -KeyId alias/dr-restore -StorePath $root/srv/dr-keys -PublicKeyOnly -Confirm:$false).PublicKeyPem | Set-Content ./dr.pem; " +
            "Backup-EncKeyStore -Path ./keys-dr.etb -RecipientPublicKey ./dr.pem | Out-Null", []),
        ["Unprotect-File#1"] = ("Get-ChildItem ./hr -Recurse -File | Protect-File -KeyId alias/hr -EncryptionContext @{ dept = 'hr' } -InPlace -Confirm:$false | Out-Null", []),
    };

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var e in DocumentedExample.All()) data.Add(e.Id);
        return data;
    }

    [Fact]
    public void TheReadmeAndEveryCmdletPageHaveExamples()
    {
        var all = DocumentedExample.All();
        Assert.Contains(all, e => e.Source == "README");
        var pages = Directory.EnumerateFiles(Path.Combine(DocumentedExample.RepoRoot, "docs"), "*-*.md")
            .Select(Path.GetFileNameWithoutExtension).Where(n => !n!.StartsWith("performance", StringComparison.Ordinal));
        Assert.All(pages, p => Assert.True(all.Count(e => e.Source == p) >= 2, $"docs/{p}.md has fewer than two runnable examples."));
        // Every per-example setup names an example that exists, so a renumbered page cannot silently drop its setup.
        Assert.All(Given.Keys, k => Assert.Contains(all, e => e.Id == k));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void RunsAsPasted(string id)
    {
        var example = DocumentedExample.All().Single(e => e.Id == id);
        using var box = new Sandbox();
        world.CopyTo(box.Root);
        var (setup, passwords) = Given.GetValueOrDefault(id, ("", []));
        var host = new ScriptedHost(passwords);
        using var runspace = RunspaceFactory.CreateRunspace(host, ExampleFixture.Session(example.UsesPester));
        runspace.Open();

        var given = Invoke(runspace, ExampleFixture.Given(box.Root) + setup, format: false);
        Assert.True(given.Errors.Count == 0 && given.Terminating is null, $"{id}: the fixture's setup failed: {given.Describe()}");

        var code = ForSandbox(example.Code, box.Root);
        if (example.UsesPester)
        {
            // A snippet of It blocks runs inside a Describe, as it would in the reader's test file.
            var body = Regex.IsMatch(code, @"^\s*Describe\s", RegexOptions.Multiline) ? code : "Describe 'docs example' {\n" + code + "\n}";
            var script = "$container = New-PesterContainer -ScriptBlock ([scriptblock]::Create($args[0]))\n" +
                         "$r = Invoke-Pester -Container $container -PassThru -Output None\n" +
                         "\"$($r.PassedCount) $($r.FailedCount + $r.FailedBlocksCount + $r.FailedContainersCount)\"\n" +
                         "$r.Failed | ForEach-Object { $_.ExpandedPath + ': ' + $_.ErrorRecord[0] }";
            var run = Invoke(runspace, script, format: false, body);
            Assert.True(run.Errors.Count == 0 && run.Terminating is null, $"{id}: {run.Describe()}");
            var counts = run.Output[0].ToString()!.Split(' ');
            Assert.True(counts[1] == "0" && int.Parse(counts[0]) > 0,
                $"{id}: Pester passed {counts[0]}, failed {counts[1]}: {string.Join(" | ", run.Output.Skip(1))}\n{host.Transcript}\n---\n{example.Code}");
        }
        else
        {
            var run = Invoke(runspace, code, format: true);
            Assert.True(run.Errors.Count == 0 && run.Terminating is null && host.RefusedPrompts.Count == 0,
                $"{id} failed as pasted: {run.Describe()}\nPrompts: {string.Join("; ", host.RefusedPrompts)}\n---\n{example.Code}");
        }
    }

    /// <summary>An absolute path in an example (/srv/share, /etc/enctools, /var/log, /old/store, /new/store) means that path in the sandbox.</summary>
    private static string ForSandbox(string code, string root)
    {
        code = code.Replace("./out/EncryptionTools/EncryptionTools.psd1", "'" + ModuleRunspace.ModulePath.Replace("'", "''") + "'", StringComparison.Ordinal);
        return Regex.Replace(code, @"(?<=^|[\s'""(=,])/(?=(srv|etc|var|old|new)/)", root.Replace("$", "$$") + "/", RegexOptions.Multiline);
    }

    private static PsResult Invoke(Runspace runspace, string script, bool format, params object[] args)
    {
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        foreach (var a in args) ps.AddArgument(a);
        // Formatting runs too (Format-Table, Format-List), as it would at a prompt.
        if (format) ps.AddCommand("Out-String");
        try
        {
            var output = ps.Invoke();
            return new PsResult(output, ps.Streams.Error.ToList(), ps.Streams.Warning.Select(w => w.Message).ToList(), null);
        }
        catch (RuntimeException ex)
        {
            return new PsResult([], ps.Streams.Error.ToList(), [], ex);
        }
    }
}
