using System.Management.Automation;

namespace EncryptionTools.PowerShell.Tests;

[Collection(ModuleCollection.Name)]
public sealed class ModuleImportTests(ModuleRunspace ps)
{
    [Fact]
    public void EveryCmdletTheManifestExportsIsThere()
    {
        var r = ps.Run("(Import-PowerShellDataFile $args[0]).CmdletsToExport; '--'; (Get-Command -Module EncryptionTools -CommandType Cmdlet).Name".Replace("$args[0]", "'" + ModuleRunspace.ModulePath.Replace("'", "''") + "'"));
        r.AssertNoErrors();
        var all = r.Output.Select(o => o.ToString()).ToList();
        var split = all.IndexOf("--");
        var exported = all.Take(split).Order().ToList();
        var loaded = all.Skip(split + 1).Order().ToList();
        Assert.NotEmpty(exported);
        Assert.Equal(exported, loaded);
    }

    [Fact]
    public void AKeyMadeInTheRunspaceEncryptsAndDecryptsAFile()
    {
        using var box = new Sandbox();
        var plain = box.File("a.txt", "secret text");
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            Protect-File -LiteralPath $plain -KeyId alias/t -StorePath $store | Out-Null
            Unprotect-File -LiteralPath "$plain.enc" -Destination "$out/" -StorePath $store | Out-Null
            Get-Content -Raw -LiteralPath (Join-Path $out 'a.txt')
            """, new Dictionary<string, object?> { ["store"] = box.StorePath, ["plain"] = plain, ["out"] = Path.Combine(box.Root, "out") });
        r.AssertNoErrors();
        Assert.Equal("secret text", Assert.Single(r.Output).ToString());
    }

    [Fact]
    public void TheImportTimeWarmUpRunsAndLeavesNoStoreNoFileAndNoAuditRecord()
    {
        // A real pwsh whose store locations (ENCRYPTIONTOOLS_STORE, and the per-user default under XDG_DATA_HOME) point
        // into an empty sandbox.
        using var box = new Sandbox();
        var data = Path.Combine(box.Root, "data");
        var r = ChildPwsh.Run("""
            $done = [EncryptionTools.Engine.Store.StoreWarmUp]::Completion
            $ran = $done.Wait(60000) -and $done.Result
            $left = @(Get-ChildItem -LiteralPath $env:ENCRYPTIONTOOLS_STORE, (Join-Path $env:XDG_DATA_HOME 'EncryptionTools') -Force -ErrorAction Ignore).Count
            @{ Ran = $ran; Left = $left; Open = @([EncryptionTools.Engine.Store.KeyStoreProviders]::OpenLocations).Count } | ConvertTo-Json -Compress
            """, box.Root, env: new Dictionary<string, string?> { ["XDG_DATA_HOME"] = data });
        var json = r.Json();
        Assert.True(json.GetProperty("Ran").GetBoolean(), r.Output);
        Assert.Equal(0, json.GetProperty("Left").GetInt32());
        Assert.Equal(0, json.GetProperty("Open").GetInt32());
        Assert.False(Directory.Exists(Path.Combine(box.Root, "store")));
        Assert.False(Directory.Exists(Path.Combine(data, "EncryptionTools")));
    }
    [Fact]
    public void ASessionsFirstStoreReadCompilesNoSerializerCode()
    {
        // The store's documents are read without System.Text.Json's serializer, whose metadata for them is generic code
        // that no precompiled image holds: hundreds of methods compiled on every session's first command. Watched here
        // as the runtime reports each method it compiles, in a pwsh that has not touched the serializer.
        using var box = new Sandbox();
        ps.Run("New-EncKey -Alias alias/first -StorePath $store | Out-Null", new Dictionary<string, object?> { ["store"] = box.StorePath }).AssertNoErrors();
        var r = ChildPwsh.Run($$"""
            Add-Type -TypeDefinition @'
            using System.Collections.Concurrent; using System.Diagnostics.Tracing;
            public sealed class CompiledMethods : EventListener {
                public static readonly ConcurrentQueue<string> Names = new ConcurrentQueue<string>();
                protected override void OnEventSourceCreated(EventSource source) {
                    if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10);
                }
                protected override void OnEventWritten(EventWrittenEventArgs e) {
                    if (e.EventName != null && e.EventName.StartsWith("MethodJittingStarted")) Names.Enqueue(e.Payload[4] + "::" + e.Payload[5]);
                }
            }
            '@
            $listener = [CompiledMethods]::new()
            Import-Module '{{ModuleRunspace.ModulePath.Replace("'", "''")}}'
            $null = [EncryptionTools.Engine.Store.StoreWarmUp]::Completion.Wait(60000)
            $keys = @(Get-EncKey -StorePath '{{box.StorePath.Replace("'", "''")}}')
            Start-Sleep -Milliseconds 200
            $all = [CompiledMethods]::Names.ToArray()
            @{ Keys = $keys.Count; Compiled = $all.Count; Serializer = @($all -like 'System.Text.Json.Serialization*') } | ConvertTo-Json -Compress
            """, box.Root, import: false);
        var json = r.Json();
        Assert.Equal(1, json.GetProperty("Keys").GetInt32());
        Assert.True(json.GetProperty("Compiled").GetInt32() > 100, "the listener saw too few compilations to be listening: " + r.Output);
        Assert.Empty(json.GetProperty("Serializer").EnumerateArray().Select(e => e.GetString()));
    }
    [Fact]
    public void TheWarmUpCompilesTheFirstCommandsPowerShellMethodsAndPowerShellStillWorks()
    {
        // In the pinned pwsh the list was recorded in, nearly every entry names a method of this PowerShell: a list
        // gone stale (a new pin, not re-recorded) compiles little and fails here. With ENCRYPTIONTOOLS_WARMUP=0 nothing runs.
        using var box = new Sandbox();
        const string script = """
            $type = (Get-Module EncryptionTools).ImplementingAssembly.GetType('EncryptionTools.Module.FirstCommandWarmUp')
            $ran = [EncryptionTools.Engine.Store.StoreWarmUp]::Completion.Wait(3000)
            $stream = $type.Assembly.GetManifestResourceStream('EncryptionTools.FirstCommandMethods.txt')
            $entries = @((New-Object IO.StreamReader $stream).ReadToEnd() -split "`n" | Where-Object { $_ -and -not $_.StartsWith('#') }).Count
            $prepared = $type.GetProperty('Prepared', [Reflection.BindingFlags]'Static,NonPublic').GetValue($null)
            New-EncKey -Alias alias/after | Out-Null
            $shown = Get-EncKey | Out-String
            @{ Ran = $ran; Entries = $entries; Prepared = $prepared; Shown = $shown.Contains('alias/after') } | ConvertTo-Json -Compress
            """;
        var on = ChildPwsh.Run(script, box.Root).Json();
        Assert.True(on.GetProperty("Ran").GetBoolean());
        Assert.True(on.GetProperty("Shown").GetBoolean());
        var entries = on.GetProperty("Entries").GetInt32();
        Assert.True(entries > 200, $"{entries} entries");
        var prepared = on.GetProperty("Prepared").GetInt32();
        Assert.True(prepared >= entries * 3 / 4, $"{prepared} of {entries} listed methods compiled: re-record with tools/FirstCommandMethods/record.ps1");

        using var box2 = new Sandbox();
        var off = ChildPwsh.Run(script, box2.Root, env: new Dictionary<string, string?> { ["ENCRYPTIONTOOLS_WARMUP"] = "0" }).Json();
        Assert.False(off.GetProperty("Ran").GetBoolean());
        Assert.Equal(0, off.GetProperty("Prepared").GetInt32());
        Assert.True(off.GetProperty("Shown").GetBoolean());
    }

    [Fact]
    public void TheFirstCommandMethodsRecorderReproducesTheShippedList()
    {
        // The tool that made the list still runs and still finds what the list holds (the method set of one first
        // command varies a little with timing, not more).
        using var box = new Sandbox();
        var recorded = Path.Combine(box.Root, "methods.txt");
        var r = ChildPwsh.Run($"& '{Path.Combine(DocumentedExample.RepoRoot, "tools", "FirstCommandMethods", "record.ps1")}' -Module '{ModuleRunspace.ModulePath.Replace("'", "''")}' -Out '{recorded}'", box.Root, import: false);
        Assert.True(r.ExitCode == 0, r.Output);
        static HashSet<string> Entries(string path) => File.ReadLines(path).Where(l => l.Length > 0 && l[0] != '#').ToHashSet(StringComparer.Ordinal);
        var shipped = Entries(Path.Combine(DocumentedExample.RepoRoot, "src", "EncryptionTools", "FirstCommandMethods.txt"));
        var now = Entries(recorded);
        Assert.True(now.All(e => e.Contains("::", StringComparison.Ordinal) && !e.Contains('`', StringComparison.Ordinal) && !e.EndsWith("::.cctor", StringComparison.Ordinal)), r.Output);
        var common = shipped.Intersect(now).Count();
        Assert.True(common >= shipped.Count * 4 / 5 && common >= now.Count * 4 / 5,
            $"{common} in common of {shipped.Count} shipped and {now.Count} recorded: re-record with tools/FirstCommandMethods/record.ps1");
    }
}
