using System.Management.Automation;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>A store comes into being only on purpose: use-only cmdlets at a named location that holds none fail and create nothing.</summary>
[Collection(ModuleCollection.Name)]
public sealed class StoreCreationTests(ModuleRunspace ps)
{
    private static Dictionary<string, object?> Vars(Sandbox box, string store, params (string, object?)[] more)
    {
        var vars = new Dictionary<string, object?> { ["store"] = store, ["root"] = box.Root };
        foreach (var (k, v) in more) vars[k] = v;
        return vars;
    }

    private static void AssertStoreNotFound(PsResult r, string store)
    {
        // A batch cmdlet stops before any file when its store is missing (terminating); the others report per item.
        var error = r.Terminating is IContainsErrorRecord stop ? stop.ErrorRecord : Assert.Single(r.Errors);
        Assert.StartsWith("EncKeyStoreNotFound", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(store, error.TargetObject as string);
        Assert.Contains(store, error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("New-EncKeyStore", error.Exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Protect-File -LiteralPath $plain -StorePath $store")]
    [InlineData("Protect-File -LiteralPath $plain -StorePath $store -InPlace")]
    [InlineData("Unprotect-File -LiteralPath $enc -Destination $out -StorePath $store")]
    [InlineData("Get-EncFileInfo -LiteralPath $enc -StorePath $store")]
    [InlineData("Update-EncFileKey -LiteralPath $enc -StorePath $store")]
    [InlineData("Get-EncKey -StorePath $store")]
    [InlineData("Get-EncKey -KeyId alias/x -StorePath $store")]
    [InlineData("Get-EncKeyAlias -StorePath $store")]
    [InlineData("New-EncKeyAlias -AliasName alias/x -TargetKeyId alias/y -StorePath $store")]
    [InlineData("Set-EncKeyStore -Protection File -StorePath $store -Confirm:$false")]
    [InlineData("Test-EncAuditLog -StorePath $store")]
    public void A_use_only_cmdlet_at_a_mistyped_StorePath_creates_nothing_and_says_EncKeyStoreNotFound(string command)
    {
        using var box = new Sandbox();
        var plain = box.File("a.txt", "pay roll");
        var enc = Path.Combine(box.Root, "b.txt.enc");
        ps.Run("New-EncKeyStore -LiteralPath $good | Out-Null; Protect-File -LiteralPath $b -StorePath $good | Out-Null",
            new Dictionary<string, object?> { ["good"] = box.StorePath, ["b"] = box.File("b.txt", "other") }).AssertNoErrors();
        var encrypted = File.ReadAllBytes(enc);
        var store = Path.Combine(box.Root, "typo");
        var before = Directory.GetFileSystemEntries(box.Root, "*", SearchOption.AllDirectories).Order().ToList();
        var r = ps.Run(command, Vars(box, store, ("plain", plain), ("enc", enc), ("out", Path.Combine(box.Root, "out.txt"))));
        AssertStoreNotFound(r, store);
        Assert.False(Directory.Exists(store), "a store (or its directory) was created at the mistyped path");
        Assert.Equal(before, Directory.GetFileSystemEntries(box.Root, "*", SearchOption.AllDirectories).Order().ToList());
        Assert.Equal("pay roll", File.ReadAllText(plain));
        Assert.Equal(encrypted, File.ReadAllBytes(enc));
    }

    [Fact]
    public void ENCRYPTIONTOOLS_STORE_naming_a_missing_store_is_refused_too()
    {
        using var box = new Sandbox();
        var plain = box.File("a.txt", "pay roll");
        var store = Path.Combine(box.Root, "typo");
        var r = ps.Run("""
            $saved = $env:ENCRYPTIONTOOLS_STORE
            try { $env:ENCRYPTIONTOOLS_STORE = $store; Protect-File -LiteralPath $plain }
            finally { $env:ENCRYPTIONTOOLS_STORE = $saved }
            """, Vars(box, store, ("plain", plain)));
        AssertStoreNotFound(r, store);
        Assert.Contains("ENCRYPTIONTOOLS_STORE", (r.Terminating as IContainsErrorRecord)?.ErrorRecord.Exception.Message ?? r.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store));
        Assert.False(File.Exists(plain + ".enc"));
    }

    [Fact]
    public void New_EncKeyStore_creates_an_empty_store_and_then_Protect_File_uses_it()
    {
        using var box = new Sandbox();
        var plain = box.File("a.txt", "pay roll");
        var r = ps.Run("""
            $info = New-EncKeyStore -Path $store
            $info.Exists; $info.KeyCount; $info.Protection.ToString()
            Protect-File -LiteralPath $plain -StorePath $store | Out-Null
            (Get-EncKey -StorePath $store).Aliases
            """, Vars(box, box.StorePath, ("plain", plain)));
        r.AssertNoErrors();
        Assert.Empty(r.Warnings); // created on purpose: no warning
        Assert.Equal(["True", "0", OperatingSystem.IsWindows() ? "Dpapi" : "File", "alias/enctools/default"], r.Output.Select(o => o.ToString()));
        Assert.True(File.Exists(plain + ".enc"));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(box.StorePath));
    }

    [Fact]
    public void New_EncKeyStore_refuses_an_existing_store_and_WhatIf_creates_nothing()
    {
        using var box = new Sandbox();
        var whatIf = ps.Run("New-EncKeyStore -LiteralPath $store -WhatIf", Vars(box, box.StorePath));
        whatIf.AssertNoErrors();
        Assert.False(Directory.Exists(box.StorePath));

        ps.Run("New-EncKeyStore -LiteralPath $store | Out-Null; New-EncKey -Alias k -StorePath $store | Out-Null", Vars(box, box.StorePath)).AssertNoErrors();
        var before = File.ReadAllBytes(Path.Combine(box.StorePath, "keys.dat"));
        var again = ps.Run("New-EncKeyStore -LiteralPath $store", Vars(box, box.StorePath));
        Assert.Null(again.Terminating);
        var error = Assert.Single(again.Errors);
        Assert.StartsWith("EncKeyStoreExists", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(box.StorePath, "keys.dat")));
    }

    [Fact]
    public void New_EncKeyStore_with_a_password_makes_a_password_store()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $p = ConvertTo-SecureString 'correct horse battery staple' -AsPlainText -Force
            (New-EncKeyStore -LiteralPath $store -Password $p -PasswordIterations 600000).Protection.ToString()
            Lock-EncKeyStore -StorePath $store
            """, Vars(box, box.StorePath));
        r.AssertNoErrors();
        Assert.Equal("Password", Assert.Single(r.Output).ToString());
        Assert.False(File.Exists(Path.Combine(box.StorePath, "root.key")));
    }

    [Fact]
    public void New_EncKey_still_creates_a_store_where_it_is_told()
    {
        using var box = new Sandbox();
        var r = ps.Run("(New-EncKey -Alias k -StorePath $store).KeyState.ToString()", Vars(box, box.StorePath));
        r.AssertNoErrors();
        Assert.Equal("Enabled", Assert.Single(r.Output).ToString());
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void Only_the_per_user_default_store_is_created_by_Protect_File_and_then_with_a_warning()
    {
        using var box = new Sandbox();
        var plain = box.File("a.txt", "pay roll");
        var xdg = Path.Combine(box.Root, "xdg");
        var expected = Path.Combine(xdg, "EncryptionTools");
        // The per-user default follows XDG_DATA_HOME (process-wide: restored before the test ends; the collection runs serially).
        var r = ps.Run("""
            $saved = $env:XDG_DATA_HOME, $env:ENCRYPTIONTOOLS_STORE
            try {
                $env:XDG_DATA_HOME = $xdg; $env:ENCRYPTIONTOOLS_STORE = $null
                Protect-File -LiteralPath $plain | Out-Null
                Protect-File -LiteralPath $plain -Force | Out-Null
                (Get-EncKeyStore).Location
            } finally { $env:XDG_DATA_HOME, $env:ENCRYPTIONTOOLS_STORE = $saved }
            """, Vars(box, "", ("plain", plain), ("xdg", xdg)));
        r.AssertNoErrors();
        Assert.Equal(expected, Assert.Single(r.Output).ToString());
        var warning = Assert.Single(r.Warnings); // the second use finds the store: one warning only
        Assert.Contains(expected, warning, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(expected, "store.json")));
        Assert.True(File.Exists(plain + ".enc"));
    }
}
