using System.Diagnostics;
using System.Management.Automation;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>Protect-File and Unprotect-File on special files and links, as a PowerShell user sees them: error records and warnings.</summary>
[Collection(ModuleCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // mkfifo and ln: the project's machines and CI
public sealed class SpecialFileCmdletTests(ModuleRunspace ps)
{
    private static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        Assert.True(process.WaitForExit(10_000) && process.ExitCode == 0, $"{file} failed");
    }

    [Fact]
    public void A_fifo_source_and_a_fifo_destination_are_error_records_with_their_target_and_the_fifo_stays()
    {
        using var box = new Sandbox();
        var fifo = Path.Combine(box.Root, "pipe");
        Run("mkfifo", fifo);
        var plain = box.File("a.txt", "text");
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            Protect-File -LiteralPath $fifo -KeyId alias/t -StorePath $store
            Protect-File -LiteralPath $plain -Destination $fifo -Force -KeyId alias/t -StorePath $store
            """, new Dictionary<string, object?> { ["store"] = box.StorePath, ["fifo"] = fifo, ["plain"] = plain });

        Assert.Null(r.Terminating);
        Assert.Equal(2, r.Errors.Count);
        Assert.StartsWith("SourceNotRegularFile", r.Errors[0].FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, r.Errors[0].CategoryInfo.Category);
        Assert.Equal(fifo, r.Errors[0].TargetObject?.ToString());
        Assert.StartsWith("DestinationNotRegularFile", r.Errors[1].FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, r.Errors[1].CategoryInfo.Category);
        Assert.Equal(fifo, r.Errors[1].TargetObject?.ToString());
        Run("test", "-p", fifo); // still a FIFO
        Assert.Equal(["a.txt", "pipe", "store"], Directory.GetFileSystemEntries(box.Root).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void In_place_on_a_hard_linked_file_is_an_error_and_with_Force_a_warning_with_its_id()
    {
        using var box = new Sandbox();
        var a = box.File("a.txt", "plain");
        var b = Path.Combine(box.Root, "b.txt");
        Run("ln", a, b);
        var r = ps.Run("""
            New-EncKey -Alias alias/t -StorePath $store | Out-Null
            Protect-File -LiteralPath $a -InPlace -KeyId alias/t -StorePath $store
            """, new Dictionary<string, object?> { ["store"] = box.StorePath, ["a"] = a });
        Assert.StartsWith("SourceHasHardLinks", Assert.Single(r.Errors).FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, r.Errors[0].CategoryInfo.Category);
        Assert.Equal("plain", File.ReadAllText(a));

        var forced = ps.Run("Protect-File -LiteralPath $a -InPlace -Force -KeyId alias/t -StorePath $store",
            new Dictionary<string, object?> { ["store"] = box.StorePath, ["a"] = a });
        forced.AssertNoErrors();
        Assert.Contains(forced.Warnings, w => w.EndsWith("[SourceHardLinksRemain]", StringComparison.Ordinal));
        Assert.Equal("plain", File.ReadAllText(b));
        Assert.NotEqual("plain", File.ReadAllText(a));
    }
}
