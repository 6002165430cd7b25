using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// Cmdlet messages (error records, warnings) that carry text from a file, its name or its header reach the host
/// with control characters escaped and bounded; the exact values stay on the objects and exceptions for scripts.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class UntrustedTextCmdletTests(ModuleRunspace ps)
{
    private const string Escapes = "\u001b]0;pwned\u0007\r\u0000\u001b[2J";

    /// <summary>A committing v2 header whose EDKs carry <paramref name="field"/> in all three fields.</summary>
    private static byte[] Header(int edks, byte[] field)
    {
        static byte[] U16(int v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)v); return b; }
        using var ms = new MemoryStream();
        ms.Write([0x02, 0x04, 0x78]);
        ms.Write(RandomNumberGenerator.GetBytes(32));
        ms.Write(U16(0));
        ms.Write(U16(edks));
        for (var i = 0; i < edks * 3; i++) { ms.Write(U16(field.Length)); ms.Write(field); }
        ms.Write([0x02, 0x00, 0x00, 0x10, 0x00]);
        ms.Write(RandomNumberGenerator.GetBytes(32 + 16 + 100));
        return ms.ToArray();
    }

    private static void AssertShownEscaped(string shown)
    {
        foreach (var c in "\u001b\u0007\r\u0000") Assert.DoesNotContain(c, shown);
    }

    [Fact]
    public void A_header_full_of_escapes_gives_an_error_whose_message_is_escaped_and_bounded()
    {
        using var box = new Sandbox();
        var field = Encoding.ASCII.GetBytes(Escapes + new string('A', 5000));
        var file = Path.Combine(box.Root, "evil.enc");
        File.WriteAllBytes(file, Header(20, field));
        var r = ps.Run("New-EncKey -StorePath $store | Out-Null; Unprotect-File -LiteralPath $file -Destination $out -StorePath $store",
            new Dictionary<string, object?> { ["store"] = box.StorePath, ["file"] = file, ["out"] = Path.Combine(box.Root, "out") });
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("NoDecryptableKey", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        var shown = error.ToString();
        AssertShownEscaped(shown);
        Assert.Contains("\\x1B]0;pwned\\x07\\x0D\\x00\\x1B[2J", shown, StringComparison.Ordinal);
        Assert.True(shown.Length <= 8 * 1024, $"{shown.Length} characters");
        Assert.Contains("and 10 more", shown, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(box.Root, "out")));
    }

    [Fact]
    public void A_50_MB_header_is_refused_by_the_cmdlets_with_MessageLimitExceeded()
    {
        using var box = new Sandbox();
        var field = Encoding.ASCII.GetBytes(Escapes + new string('A', 65535 - Escapes.Length));
        var file = Path.Combine(box.Root, "huge.enc");
        File.WriteAllBytes(file, Header(256, field));
        var r = ps.Run("New-EncKeyStore -LiteralPath $store | Out-Null; Get-EncFileInfo -LiteralPath $file -StorePath $store; Unprotect-File -LiteralPath $file -Destination $out -StorePath $store",
            new Dictionary<string, object?> { ["store"] = box.StorePath, ["file"] = file, ["out"] = Path.Combine(box.Root, "out") });
        Assert.Equal(2, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.StartsWith("MessageLimitExceeded", e.FullyQualifiedErrorId, StringComparison.Ordinal));
        Assert.All(r.Errors, e => Assert.True(e.ToString().Length < 1024, e.ToString()));
        Assert.All(r.Errors, e => Assert.Equal(System.Management.Automation.ErrorCategory.InvalidData, e.CategoryInfo.Category));
        Assert.Empty(r.Output);
    }

    [Fact]
    public void A_file_name_with_escapes_is_escaped_in_warnings()
    {
        using var box = new Sandbox();
        var dir = Path.Combine(box.Root, "in");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "note" + Escapes.Replace("\u0000", "", StringComparison.Ordinal) + ".txt"), "plain");
        var r = ps.Run("New-EncKey -StorePath $store | Out-Null; Unprotect-File -LiteralPath $dir -Recurse -Destination $out -StorePath $store",
            new Dictionary<string, object?> { ["store"] = box.StorePath, ["dir"] = dir, ["out"] = Path.Combine(box.Root, "out") });
        r.AssertNoErrors();
        var warning = Assert.Single(r.Warnings);
        AssertShownEscaped(warning);
        Assert.Contains("note\\x1B]0;pwned\\x07\\x0D\\x1B[2J.txt", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_views_show_header_fields_and_names_escaped()
    {
        using var box = new Sandbox();
        var field = Encoding.ASCII.GetBytes(Escapes + "name");
        var file = Path.Combine(box.Root, "evil\u001b]0;x\u0007.enc");
        File.WriteAllBytes(file, Header(2, field));
        var r = ps.Run("$i = Get-EncFileInfo -LiteralPath $file; $i | Out-String -Width 400; $i.EncryptedDataKeys | Out-String -Width 400",
            new Dictionary<string, object?> { ["file"] = file });
        r.AssertNoErrors();
        var shown = string.Concat(r.Output.Select(o => o.ToString()));
        AssertShownEscaped(shown);
        Assert.Contains("evil\\x1B]0;x\\x07.enc", shown, StringComparison.Ordinal);
        Assert.Contains("\\x1B]0;pwned\\x07\\x0D\\x00\\x1B[2Jname", shown, StringComparison.Ordinal);
    }
}
