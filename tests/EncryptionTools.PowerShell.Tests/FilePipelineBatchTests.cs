using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// Pipeline input to the file cmdlets runs as one batch for the whole pipeline: files are grouped as records come
/// (one flush and one audit append per group), results still stream while input is coming, and stopping the pipeline
/// leaves no partial output and no temporary file.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class FilePipelineBatchTests(ModuleRunspace ps)
{
    private static Dictionary<string, object?> Vars(Sandbox box, params (string Name, object? Value)[] more)
    {
        var vars = new Dictionary<string, object?> { ["store"] = box.StorePath, ["root"] = box.Root };
        foreach (var (name, value) in more) vars[name] = value;
        return vars;
    }

    private static void Tree(Sandbox box, string dir, int count, int size = 1024)
    {
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(box.Root, dir, $"d{i / 25:D2}", $"f{i:D4}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, System.Security.Cryptography.RandomNumberGenerator.GetBytes(size));
        }
    }

    [Fact]
    public void PipedFilesArePublishedInGroupsNotOneBatchPerRecord()
    {
        using var box = new Sandbox();
        Tree(box, "src", 100);
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            $all = Get-ChildItem (Join-Path $root src) -Recurse -File | Protect-File -KeyId alias/t -StorePath $store -Verbose 4>&1
            $groups = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Group *' } | ForEach-Object { [int]($_.Message -replace '^Group \d+: (\d+) file.*$', '$1') })
            $results = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $results.Count
            $groups.Count
            ($groups | Measure-Object -Sum).Sum
            @(Get-EncAuditEvent -StorePath $store -Action 'kms:GenerateDataKey').Count
            """, Vars(box));
        r.AssertNoErrors();
        var n = r.Output.Select(o => Convert.ToInt32(o.BaseObject)).ToList();
        Assert.Equal(100, n[0]);
        // Group limits are 128 files or 1 s: one group normally, a few on a very busy machine; one per record before.
        Assert.InRange(n[1], 1, 20);
        Assert.Equal(100, n[2]);
        Assert.Equal(100, n[3]); // every key use is still in the audit log, once
        Assert.Equal(100, Directory.GetFiles(Path.Combine(box.Root, "src"), "*.enc", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void ResultsStreamWhileInputIsStillComing()
    {
        using var box = new Sandbox();
        Tree(box, "src", 60);
        // The producer keeps feeding records (slowly, repeating the last file, which the batch processes once) until a
        // result has come back through the pipeline: a cmdlet that held every result for EndProcessing would never
        // let it see one, and it gives up after 60 s.
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            $seen = [System.Collections.Generic.List[object]]::new()
            $state = @{ BeforeEnd = -1 }
            & {
                $files = Get-ChildItem (Join-Path $root src) -Recurse -File
                $files
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                while ($seen.Count -eq 0 -and $clock.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 20; $files[-1] }
                $state.BeforeEnd = $seen.Count
            } | Protect-File -KeyId alias/t -StorePath $store | ForEach-Object { $seen.Add($_) }
            $state.BeforeEnd
            $seen.Count
            """, Vars(box));
        r.AssertNoErrors();
        Assert.True(Convert.ToInt32(r.Output[0].BaseObject) > 0, "no result reached the pipeline before the input ended");
        Assert.Equal(60, Convert.ToInt32(r.Output[1].BaseObject));
    }

    [Fact]
    public void StoppingThePipelineMidBatchLeavesNoPartialOrTemporaryFile()
    {
        using var box = new Sandbox();
        Tree(box, "src", 400, size: 64 * 1024);
        var src = Path.Combine(box.Root, "src");
        var setup = ps.Run("New-EncKey -Alias alias/t -StorePath $store | Out-Null", Vars(box));
        setup.AssertNoErrors();

        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(ModuleRunspace.ModulePath);
        using var runspace = RunspaceFactory.CreateRunspace(iss);
        runspace.Open();
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = runspace;
        // A slow producer, so that the stop lands while files are staged in a group and more are coming.
        shell.AddScript("""
            param($src, $store)
            Get-ChildItem $src -Recurse -File | ForEach-Object { Start-Sleep -Milliseconds 5; $_ } |
                Protect-File -KeyId alias/t -StorePath $store
            """).AddArgument(src).AddArgument(box.StorePath);
        var output = new PSDataCollection<PSObject>();
        var first = new ManualResetEventSlim();
        output.DataAdded += (_, _) => first.Set();
        var running = shell.BeginInvoke<PSObject, PSObject>(null, output);
        Assert.True(first.Wait(TimeSpan.FromSeconds(60)), "no result before the stop");
        shell.Stop(); // Ctrl+C: returns when the pipeline has stopped and the cmdlet has been disposed
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(running));

        var all = Directory.GetFiles(src, "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(all, f => Path.GetFileName(f).EndsWith(".etpart", StringComparison.Ordinal));
        var encrypted = all.Where(f => f.EndsWith(".enc", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(encrypted);
        Assert.True(encrypted.Count < 400, "the pipeline finished before the stop; nothing was stopped mid-batch");
        // Every output that exists is whole: each decrypts and authenticates to its source's bytes.
        var check = ps.Run("""
            $bad = 0
            foreach ($f in $encrypted) {
                $out = Join-Path $root ('check-' + [IO.Path]::GetFileNameWithoutExtension($f))
                Unprotect-File -LiteralPath $f -Destination $out -StorePath $store | Out-Null
                if ((Get-FileHash -LiteralPath $out).Hash -ne (Get-FileHash -LiteralPath ($f -replace '\.enc$', '')).Hash) { $bad++ }
            }
            $bad
            """, Vars(box, ("encrypted", encrypted.ToArray())));
        check.AssertNoErrors();
        Assert.Equal(0, Convert.ToInt32(check.Output.Single().BaseObject));
    }

    [Fact]
    public void PipedEncryptedFilesDecryptAsOneBatchAndWhatIfWritesNothing()
    {
        using var box = new Sandbox();
        Tree(box, "src", 30);
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            $src = Join-Path $root src
            Get-ChildItem $src -Recurse -File | Protect-File -KeyId alias/t -StorePath $store -WhatIf
            @(Get-ChildItem $src -Recurse -Filter *.enc).Count
            Get-ChildItem $src -Recurse -File | Protect-File -KeyId alias/t -StorePath $store | Out-Null
            Get-ChildItem $src -Recurse -Filter *.bin | Remove-Item
            @(Get-ChildItem $src -Recurse -Filter *.enc | Unprotect-File -StorePath $store).Count
            @(Get-ChildItem $src -Recurse -Filter *.bin).Count
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal([0, 30, 30], r.Output.Select(o => Convert.ToInt32(o.BaseObject)).ToArray());
    }
}
