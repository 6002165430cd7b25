namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// Tab completion as a user meets it: TabExpansion2 in the runspace, with -StorePath typed on the same line and
/// relative to PowerShell's location (not the process's working directory). Completion reads the store without
/// writing audit records and offers only what the caller's own listing would show.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class CompletionTests(ModuleRunspace ps)
{
    private const string Setup = """
        Push-Location -LiteralPath $root
        try {
            New-EncKey -Alias alias/payroll -Description "pay`e[2Jroll" -StorePath ./st | Out-Null
            New-EncKey -Alias alias/backup -StorePath ./st | Out-Null
            Set-Content -LiteralPath ./a.txt -Value x
        } finally { Pop-Location }
        """;

    private const string Complete = """
        function Complete([string] $line) {
            Push-Location -LiteralPath $root
            try { (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches }
            finally { Pop-Location }
        }
        function AuditLines { @(Get-ChildItem -LiteralPath (Join-Path $root 'st/audit') -File -Recurse | Get-Content).Count }
        """;

    private List<string> Completions(Sandbox box, string line)
    {
        var r = ps.Run(Complete + "\nComplete $line | ForEach-Object CompletionText",
            new Dictionary<string, object?> { ["root"] = box.Root, ["line"] = line });
        r.AssertNoErrors();
        return r.Output.Select(o => o.ToString()).ToList();
    }

    private void Prepare(Sandbox box) =>
        ps.Run(Setup, new Dictionary<string, object?> { ["root"] = box.Root }).AssertNoErrors();

    [Theory]
    [InlineData("Protect-File a.txt -StorePath ./st -KeyId ")]
    [InlineData("Get-EncKey -StorePath st -KeyId ")]
    [InlineData("Unprotect-File a.txt.enc -StorePath ./st -KeyId ")]
    [InlineData("Update-EncFileKey a.txt.enc -StorePath ./st -AddKeyId ")]
    [InlineData("Invoke-EncKeyRotation -StorePath ./st -KeyId ")]
    public void KeyIdCompletesTheKeysOfTheStoreTypedOnTheLine(string line)
    {
        using var box = new Sandbox();
        Prepare(box);
        var offered = Completions(box, line);
        Assert.Contains("alias/payroll", offered);
        Assert.Contains("alias/backup", offered);
        Assert.All(offered, o => Assert.True(o.StartsWith("alias/", StringComparison.Ordinal) || Guid.TryParse(o, out _), $"offered '{o}'"));
    }

    [Fact]
    public void APartialWordCompletesOnlyMatchingAliases()
    {
        using var box = new Sandbox();
        Prepare(box);
        Assert.Equal(["alias/payroll"], Completions(box, "Protect-File a.txt -StorePath ./st -KeyId pay"));
        Assert.Equal(["alias/backup"], Completions(box, "Get-EncKeyAlias -StorePath ./st -AliasName alias/b"));
    }

    [Fact]
    public void PressingTabWritesNoAuditRecord()
    {
        using var box = new Sandbox();
        Prepare(box);
        var r = ps.Run(Complete + """

            $before = AuditLines
            foreach ($i in 1..3) {
                Complete 'Protect-File a.txt -StorePath ./st -KeyId ' | Out-Null
                Complete 'Get-EncKeyAlias -StorePath ./st -AliasName ' | Out-Null
                Complete 'Revoke-EncKeyAccess -StorePath ./st -KeyId alias/payroll -GrantId ' | Out-Null
                Complete 'Protect-File a.txt -StorePath ./st -EncryptionContext ' | Out-Null
            }
            $before
            AuditLines
            """, new Dictionary<string, object?> { ["root"] = box.Root });
        r.AssertNoErrors();
        Assert.Equal(r.Output[0].ToString(), r.Output[1].ToString());
        Assert.NotEqual("0", r.Output[0].ToString());
    }

    [Fact]
    public void AKeyWhosePolicyHidesItFromTheCallerIsNotOffered()
    {
        using var box = new Sandbox();
        Prepare(box);
        // The caller keeps every right on alias/backup but may not describe it, as Get-EncKey would then not list it.
        var r = ps.Run("""
            Push-Location -LiteralPath $root
            try {
                $me = (Test-EncKeyAccess -KeyId alias/backup -Action kms:DescribeKey -StorePath ./st).Principal
                $policy = @{ Version = '2012-10-17'; Statement = @(
                    @{ Sid = 'Owner'; Effect = 'Allow'; Principal = @{ EncTools = "$me" }; Action = 'kms:*'; Resource = '*' },
                    @{ Sid = 'Hide'; Effect = 'Deny'; Principal = @{ EncTools = "$me" }; Action = 'kms:DescribeKey'; Resource = '*' }) } | ConvertTo-Json -Depth 5
                Set-EncKeyPolicy -KeyId alias/backup -Policy $policy -StorePath ./st -Confirm:$false
                (Get-EncKey -StorePath ./st).Aliases
            } finally { Pop-Location }
            """, new Dictionary<string, object?> { ["root"] = box.Root });
        r.AssertNoErrors();
        Assert.Equal(["alias/payroll"], r.Output.Select(o => o.ToString()).ToList());
        var offered = Completions(box, "Protect-File a.txt -StorePath ./st -KeyId ");
        Assert.Contains("alias/payroll", offered);
        Assert.DoesNotContain("alias/backup", offered);
    }

    [Fact]
    public void AMistypedStorePathCompletesNothingAndCreatesNoStore()
    {
        using var box = new Sandbox();
        Prepare(box);
        var offered = Completions(box, "Protect-File a.txt -StorePath ./typo -KeyId ");
        Assert.DoesNotContain(offered, o => o.StartsWith("alias/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(box.Root, "typo")));
    }

    [Fact]
    public void GrantIdsCompleteFromTheTypedStoreAndKey()
    {
        using var box = new Sandbox();
        Prepare(box);
        var r = ps.Run("Grant-EncKeyAccess -KeyId alias/payroll -GranteePrincipal user:carol -Operation Decrypt -Name carol -StorePath $store -Confirm:$false | ForEach-Object GrantId",
            new Dictionary<string, object?> { ["store"] = Path.Combine(box.Root, "st") });
        r.AssertNoErrors();
        var grantId = Assert.Single(r.Output).ToString();
        Assert.Equal([grantId], Completions(box, "Revoke-EncKeyAccess -StorePath ./st -KeyId alias/payroll -GrantId "));
        Assert.Empty(Completions(box, "Revoke-EncKeyAccess -StorePath ./st -KeyId alias/backup -GrantId "));
    }

    [Fact]
    public void TooltipsCarryNoControlCharacters()
    {
        using var box = new Sandbox();
        Prepare(box);
        var r = ps.Run(Complete + "\nComplete 'Protect-File a.txt -StorePath ./st -KeyId pay' | ForEach-Object ToolTip",
            new Dictionary<string, object?> { ["root"] = box.Root });
        r.AssertNoErrors();
        var tip = Assert.Single(r.Output).ToString();
        Assert.Contains("pay", tip);
        Assert.DoesNotContain(tip, char.IsControl);
    }
}
