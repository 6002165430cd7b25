using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>The EncKeyAlias noun: New, Get, Set, Remove.</summary>
[Collection(ModuleCollection.Name)]
public sealed class EncKeyAliasTests(ModuleRunspace ps)
{
    [Fact]
    public void AliasesAreCreatedListedRepointedAndRemoved()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $a = New-EncKey -StorePath $store
            $b = New-EncKey -StorePath $store
            $a | New-EncKeyAlias -AliasName reports -StorePath $store | Out-Null
            (Get-EncKeyAlias -AliasName alias/reports -StorePath $store).KeyId -eq $a.KeyId
            Set-EncKeyAlias -AliasName alias/reports -KeyId $b.KeyId -StorePath $store | Out-Null
            (Get-EncKey -KeyId alias/reports -StorePath $store).KeyId -eq $b.KeyId
            Get-EncKeyAlias -AliasName 'alias/rep*' -StorePath $store | Remove-EncKeyAlias -StorePath $store -Confirm:$false
            @(Get-EncKeyAlias -StorePath $store | Where-Object AliasName -eq 'alias/reports').Count
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["True", "True", "0"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void AnAliasThatExistsIsRefusedWithEncKeyAliasExists()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $k = New-EncKey -Alias alias/a -StorePath $store
            New-EncKeyAlias -AliasName alias/a -KeyId $k.KeyId -StorePath $store
            """, Vars(box));
        SingleError(r, "EncKeyAliasExists", ErrorCategory.ResourceExists, "alias/a");
    }

    [Fact]
    public void RemovingAMissingAliasIsEncKeyAliasNotFound()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -StorePath $store | Out-Null
            Remove-EncKeyAlias -AliasName alias/none -StorePath $store -Confirm:$false
            """, Vars(box));
        SingleError(r, "EncKeyAliasNotFound", ErrorCategory.ObjectNotFound, "alias/none");
    }

    [Fact]
    public void WhatIfCreatesAndRemovesNothing()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $k = New-EncKey -Alias alias/keep -StorePath $store
            New-EncKeyAlias -AliasName alias/new -KeyId $k.KeyId -StorePath $store -WhatIf
            Remove-EncKeyAlias -AliasName alias/keep -StorePath $store -WhatIf
            (Get-EncKeyAlias -StorePath $store | Where-Object { $_.AliasName -in 'alias/keep', 'alias/new' }).AliasName
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["alias/keep"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void AliasObjectsPipeIntoGetEncKeyByPropertyName()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $k = New-EncKey -Alias alias/p -StorePath $store
            (Get-EncKeyAlias -AliasName alias/p -StorePath $store | Get-EncKey -StorePath $store).KeyId -eq $k.KeyId
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal("True", Assert.Single(r.Output).ToString());
    }
}
