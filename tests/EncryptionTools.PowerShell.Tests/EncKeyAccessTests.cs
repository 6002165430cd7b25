using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>Grants and access decisions: Grant-, Revoke- and Test-EncKeyAccess, Get- and Remove-EncKeyGrant.</summary>
[Collection(ModuleCollection.Name)]
public sealed class EncKeyAccessTests(ModuleRunspace ps)
{
    [Fact]
    public void AGrantAllowsExactlyWhatItSays()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            $g = Grant-EncKeyAccess -KeyId alias/a -GranteePrincipal user:carol -Operation Decrypt -EncryptionContextSubset @{ dept = 'hr' } -StorePath $store -Confirm:$false
            "$($g.GranteePrincipal)|$($g.Operations -join ',')"
            (Test-EncKeyAccess -KeyId alias/a -Principal user:carol -Action kms:Decrypt -EncryptionContext @{ dept = 'hr' } -StorePath $store).Kind
            (Test-EncKeyAccess -KeyId alias/a -Principal user:carol -Action kms:Decrypt -EncryptionContext @{ dept = 'it' } -StorePath $store).IsAllowed
            (Test-EncKeyAccess -KeyId alias/a -Principal user:carol -Action kms:Encrypt -EncryptionContext @{ dept = 'hr' } -StorePath $store).IsAllowed
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["user:carol|Decrypt", "Allowed", "False", "False"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void GrantObjectsBindToRevokeByPropertyNameAndKeysToGetEncKeyGrant()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            New-EncKey -Alias alias/b -StorePath $store | Out-Null
            'alias/a', 'alias/b' | ForEach-Object { Grant-EncKeyAccess -KeyId $_ -GranteePrincipal user:carol -Operation Decrypt -StorePath $store -Confirm:$false | Out-Null }
            @(Get-EncKey -StorePath $store | Get-EncKeyGrant -GranteePrincipal user:carol -StorePath $store).Count
            Get-EncKey -StorePath $store | Get-EncKeyGrant -GranteePrincipal user:carol -StorePath $store | Revoke-EncKeyAccess -StorePath $store -Confirm:$false
            @(Get-EncKey -StorePath $store | Get-EncKeyGrant -StorePath $store).Count
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["2", "0"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void ARetiringPrincipalRetiresAGrantWithRemoveEncKeyGrant()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            $g = Grant-EncKeyAccess -KeyId alias/a -GranteePrincipal user:backup -Operation Decrypt -RetiringPrincipal user:backup -StorePath $store -Confirm:$false
            Remove-EncKeyGrant -GrantId $g.GrantId -StorePath $store -Confirm:$false -PassThru | ForEach-Object GrantId
            @(Get-EncKeyGrant -KeyId alias/a -StorePath $store).Count
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(2, r.Output.Count);
        Assert.Equal("0", r.Output[1].ToString());
    }

    [Fact]
    public void ErrorsNameWhatWasWrong()
    {
        using var box = new Sandbox();
        ps.Run("New-EncKey -Alias alias/a -StorePath $store | Out-Null", Vars(box)).AssertNoErrors();
        var badPrincipal = ps.Run("Grant-EncKeyAccess -KeyId alias/a -GranteePrincipal 'no prefix' -Operation Decrypt -StorePath $store -Confirm:$false", Vars(box));
        Assert.Equal("InvalidPrincipal", (badPrincipal.Errors.SingleOrDefault() ?? (badPrincipal.Terminating as RuntimeException)?.ErrorRecord)!.FullyQualifiedErrorId.Split(',')[0]);
        var missing = ps.Run("Revoke-EncKeyAccess -KeyId alias/a -GrantId 'no-such-grant' -StorePath $store -Confirm:$false", Vars(box));
        SingleError(missing, "GrantNotFound", ErrorCategory.ObjectNotFound, "no-such-grant");
    }

    [Fact]
    public void WhatIfGrantsNothing()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            Grant-EncKeyAccess -KeyId alias/a -GranteePrincipal user:carol -Operation Decrypt -StorePath $store -WhatIf
            @(Get-EncKeyGrant -KeyId alias/a -StorePath $store).Count
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal("0", Assert.Single(r.Output).ToString());
    }
}
