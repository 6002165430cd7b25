using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>The EncKey noun: New, Get, Set, Enable, Disable, Remove, Restore, Export, Import.</summary>
[Collection(ModuleCollection.Name)]
public sealed class EncKeyTests(ModuleRunspace ps)
{
    [Fact]
    public void NewEncKeyWritesAnEnabledKeyThatGetEncKeyFindsByAliasIdAndWildcard()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $k = New-EncKey -Alias alias/app -Description 'd' -Tag @{ env = 'prod' } -StorePath $store
            $k
            (Get-EncKey -KeyId alias/app -StorePath $store).KeyId
            (Get-EncKey -KeyId $k.KeyId -StorePath $store).KeyId
            (Get-EncKey -KeyId 'alias/ap*' -StorePath $store).KeyId
            (Get-EncKey -Tag @{ env = 'pr*' } -StorePath $store).KeyId
            """, Vars(box));
        r.AssertNoErrors();
        var key = OfType(r.Output[0], "EncryptionTools.Engine.Store.EncKey");
        Assert.Equal("Enabled", Prop(key, "KeyState")?.ToString());
        Assert.Contains("alias/app", ((System.Collections.IEnumerable)Prop(key, "Aliases")!).Cast<object>().Select(a => a.ToString()));
        Assert.Equal(4, r.Output.Count - 1);
        Assert.All(r.Output.Skip(1), o => Assert.Equal(Prop(key, "KeyId")?.ToString(), o.ToString()));
    }

    [Fact]
    public void GetEncKeyOfAMissingKeyIsANonTerminatingEncKeyNotFoundNamingTheKey()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -StorePath $store | Out-Null
            Get-EncKey -KeyId alias/missing -StorePath $store
            'went on'
            """, Vars(box));
        SingleError(r, "EncKeyNotFound", ErrorCategory.ObjectNotFound, "alias/missing");
        Assert.Equal("went on", r.Output.Last().ToString());
    }

    [Fact]
    public void StringsBindToKeyIdByValueAndKeysBindByPropertyName()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            New-EncKey -Alias alias/b -StorePath $store | Out-Null
            @('alias/a', 'alias/b' | Get-EncKey -StorePath $store).Count
            Get-EncKey -KeyId alias/a, alias/b -StorePath $store | Disable-EncKey -StorePath $store -Confirm:$false -PassThru | ForEach-Object { "$($_.KeyState)" }
            [pscustomobject] @{ KeyId = 'alias/a' } | Enable-EncKey -StorePath $store -PassThru | ForEach-Object { "$($_.KeyState)" }
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["2", "Disabled", "Disabled", "Enabled"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void WhatIfChangesNothing()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $k = New-EncKey -Alias alias/a -StorePath $store
            New-EncKey -Alias alias/b -StorePath $store -WhatIf
            Disable-EncKey -KeyId alias/a -StorePath $store -WhatIf
            Set-EncKey -KeyId alias/a -Description 'changed' -StorePath $store -WhatIf
            Remove-EncKey -KeyId alias/a -PendingWindowInDays 7 -StorePath $store -WhatIf
            Invoke-EncKeyRotation -KeyId alias/a -StorePath $store -WhatIf
            $after = Get-EncKey -KeyId alias/a -StorePath $store
            @(Get-EncKey -StorePath $store | Where-Object { $_.Aliases -contains 'alias/b' }).Count
            "$($after.KeyState)|$($after.Description)|$($after.CurrentVersion)"
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["0", "Enabled||1"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void SetEncKeyChangesDescriptionTagsAndRotation()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -Tag @{ temp = '1' } -StorePath $store | Out-Null
            $k = Set-EncKey -KeyId alias/a -Description 'Nightly' -Tag @{ owner = 'ops' } -RemoveTag temp -RotationEnabled $true -RotationPeriodInDays 90 -StorePath $store -PassThru
            "$($k.Description)|$($k.Tags['owner'])|$($k.Tags.ContainsKey('temp'))|$($k.RotationEnabled)|$($k.RotationPeriodInDays)"
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal("Nightly|ops|False|True|90", Assert.Single(r.Output).ToString());
    }

    [Fact]
    public void RemoveSchedulesDeletionAndRestoreCancelsIt()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            $removed = Remove-EncKey -KeyId alias/a -PendingWindowInDays 7 -StorePath $store -Confirm:$false -PassThru -WarningVariable w -WarningAction SilentlyContinue
            "$($removed.KeyState)|$($null -ne $removed.DeletionDate)|$($w.Count -gt 0)"
            $restored = Restore-EncKey -KeyId alias/a -StorePath $store -PassThru
            "$($restored.KeyState)"
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["PendingDeletion|True|True", "Disabled"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void AKeyExportedFromOneStoreImportsIntoAnotherByPropertyName()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $other = Join-Path $root 'other'
            New-EncKey -Alias alias/x -Exportable -StorePath $store | Out-Null
            $export = Export-EncKey -KeyId alias/x -StorePath $store -Confirm:$false
            $imported = $export | Import-EncKey -StorePath $other -Confirm:$false
            "$($imported.KeyNamespace -eq $export.KeyNamespace)|$($imported.KeyName -eq $export.KeyName)|$($imported.Origin)"
            """, Vars(box));
        r.AssertNoErrors();
        Assert.StartsWith("True|True|", Assert.Single(r.Output).ToString());
    }

    [Fact]
    public void ImportEncKeyRefusesKeyMaterialOfTheWrongLengthAtBinding()
    {
        using var box = new Sandbox();
        var r = ps.Run("try { Import-EncKey -KeyMaterial ([byte[]](1..5)) -KeyNamespace n -KeyName k -StorePath $store -Confirm:$false } catch { $_ }", Vars(box));
        var error = CaughtError(r, "ParameterArgumentValidationError", ErrorCategory.InvalidData, null);
        Assert.Contains("KeyMaterial", error.Exception.Message);
        Assert.False(Directory.Exists(box.StorePath), "A refused import must not create the store.");
    }
}
