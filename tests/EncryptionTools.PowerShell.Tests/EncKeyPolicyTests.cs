using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>The EncKeyPolicy noun: Get and Set, with validation and the lockout check.</summary>
[Collection(ModuleCollection.Name)]
public sealed class EncKeyPolicyTests(ModuleRunspace ps)
{
    private const string OwnerPolicy = """
        $me = (Test-EncKeyAccess -KeyId alias/a -Action kms:PutKeyPolicy -StorePath $store).Principal
        $doc = @{ Version = '2012-10-17'; Statement = @(@{ Sid = 'Owner'; Effect = 'Allow'; Principal = @{ EncTools = $me }; Action = 'kms:*'; Resource = '*' }) }

        """;

    [Fact]
    public void AHashtablePolicyBindsByValueAndIsStoredAsJson()
    {
        using var box = new Sandbox();
        var r = ps.Run("New-EncKey -Alias alias/a -StorePath $store | Out-Null\n" + OwnerPolicy + """
            $doc | Set-EncKeyPolicy -KeyId alias/a -StorePath $store -Confirm:$false
            $p = Get-EncKeyPolicy -KeyId alias/a -StorePath $store
            "$($p.IsDefault)|$($p.StatementCount)"
            (Get-EncKeyPolicy -KeyId alias/a -StorePath $store -AsJson | ConvertFrom-Json).Statement[0].Sid
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["False|1", "Owner"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void AnInvalidPolicyIsInvalidKeyPolicyAndAPolicyThatLocksEveryoneOutIsKeyPolicyLockout()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            Set-EncKeyPolicy -KeyId alias/a -Policy 'not json' -StorePath $store -Confirm:$false
            """, Vars(box));
        SingleError(r, "InvalidKeyPolicy", ErrorCategory.InvalidData, "alias/a");

        var lockout = ps.Run("""
            $doc = @{ Version = '2012-10-17'; Statement = @(@{ Sid = 'Other'; Effect = 'Allow'; Principal = @{ EncTools = 'user:someone-else' }; Action = 'kms:*'; Resource = '*' }) }
            Set-EncKeyPolicy -KeyId alias/a -InputObject $doc -StorePath $store -Confirm:$false
            (Get-EncKeyPolicy -KeyId alias/a -StorePath $store).IsDefault
            """, Vars(box));
        SingleError(lockout, "KeyPolicyLockout", ErrorCategory.InvalidOperation, "alias/a");
        Assert.Equal("True", Assert.Single(lockout.Output).ToString());
    }

    [Fact]
    public void WhatIfLeavesTheDefaultPolicy()
    {
        using var box = new Sandbox();
        var r = ps.Run("New-EncKey -Alias alias/a -StorePath $store | Out-Null\n" + OwnerPolicy + """
            Set-EncKeyPolicy -KeyId alias/a -InputObject $doc -StorePath $store -WhatIf
            (Get-EncKeyPolicy -KeyId alias/a -StorePath $store).IsDefault
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal("True", Assert.Single(r.Output).ToString());
    }

    [Fact]
    public void KeysBindToGetEncKeyPolicyByPropertyName()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Tag @{ dept = 'hr' } -StorePath $store | Out-Null
            New-EncKey -Tag @{ dept = 'hr' } -StorePath $store | Out-Null
            @(Get-EncKey -Tag @{ dept = 'hr' } -StorePath $store | Get-EncKeyPolicy -StorePath $store | Where-Object IsDefault).Count
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal("2", Assert.Single(r.Output).ToString());
    }
}
