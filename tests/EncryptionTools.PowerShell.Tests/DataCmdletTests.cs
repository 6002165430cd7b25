using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>Protect-EncData, Unprotect-EncData, New-EncDataKey and Update-EncData in a real runspace: every input form, in and out.</summary>
[Collection(ModuleCollection.Name)]
public sealed class DataCmdletTests(ModuleRunspace ps)
{
    [Fact]
    public void EveryInputFormRoundTrips()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $ErrorActionPreference = 'Stop'
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            $bytes = [byte[]](0..255)
            $b64 = [Convert]::ToBase64String($bytes)
            # a string, as UTF-8
            'p@ss wörd' | Protect-EncData -KeyId alias/app -StorePath $store | Unprotect-EncData -StorePath $store
            # a SecureString
            $ss = ConvertTo-SecureString 's3cret' -AsPlainText -Force
            Protect-EncData -InputObject $ss -KeyId alias/app -StorePath $store | Unprotect-EncData -StorePath $store
            # a byte[]: -InputObject, the comma operator, and unrolled into the pipeline (gathered into one message)
            $m1 = Protect-EncData -InputObject $bytes -KeyId alias/app -StorePath $store
            $m2 = ,$bytes | Protect-EncData -KeyId alias/app -StorePath $store
            $m3 = @($bytes | Protect-EncData -KeyId alias/app -StorePath $store)
            $m3.Count
            foreach ($m in $m1, $m2, $m3[0]) { [Convert]::ToBase64String((Unprotect-EncData $m -AsByteArray -StorePath $store)) -eq $b64 }
            # bytes in, bytes out; and a piped message as bytes (unrolled, gathered again)
            $raw = Protect-EncData -InputObject $bytes -KeyId alias/app -AsByteArray -StorePath $store
            $raw.GetType().Name
            [Convert]::ToBase64String(($raw | Unprotect-EncData -AsByteArray -StorePath $store)) -eq $b64
            # several strings: one message each
            @('a', 'b', 'c' | Protect-EncData -KeyId alias/app -StorePath $store | Unprotect-EncData -StorePath $store) -join ''
            # empty input
            "[$('' | Protect-EncData -KeyId alias/app -StorePath $store | Unprotect-EncData -StorePath $store)]"
            (Unprotect-EncData (Protect-EncData -InputObject ([byte[]]@()) -KeyId alias/app -StorePath $store) -AsByteArray -StorePath $store).Length
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["p@ss wörd", "s3cret", "1", "True", "True", "True", "Byte[]", "True", "abc", "[]", "0"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void SignedWritesSuite0578AndRoundTrips()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $ErrorActionPreference = 'Stop'
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            $signed = 'p@ss' | Protect-EncData -KeyId alias/app -Signed -AsByteArray -StorePath $store
            $plain = 'p@ss' | Protect-EncData -KeyId alias/app -AsByteArray -StorePath $store
            '{0:X2}{1:X2}' -f $signed[1], $signed[2]
            '{0:X2}{1:X2}' -f $plain[1], $plain[2]
            Unprotect-EncData -InputObject $signed -StorePath $store
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["0578", "0478", "p@ss"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void TenMebibytesRoundTripThroughInputObject()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            $big = [byte[]]::new(10MB); [Security.Cryptography.RandomNumberGenerator]::Fill($big)
            $m = Protect-EncData -InputObject $big -KeyId alias/app -AsByteArray -StorePath $store
            $back = Unprotect-EncData -InputObject $m -AsByteArray -StorePath $store
            $back.Length
            [Linq.Enumerable]::SequenceEqual($big, $back)
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["10485760", "True"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void AsSecureStringGivesAReadOnlySecureString()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            'p@ss ✓' | Protect-EncData -KeyId alias/app -StorePath $store | Unprotect-EncData -AsSecureString -StorePath $store
            """, Vars(box));
        r.AssertNoErrors();
        var secure = Assert.IsType<System.Security.SecureString>(Assert.Single(r.Output).BaseObject);
        Assert.True(secure.IsReadOnly());
        Assert.Equal("p@ss ✓", new System.Net.NetworkCredential("", secure).Password);
    }

    [Fact]
    public void AnInputOfAnotherTypeIsInvalidDataInputAndItsValueIsNeverInTheRecord()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            @{ password = 'hunter2' } | Protect-EncData -KeyId alias/app -StorePath $store
            """, Vars(box));
        var error = SingleError(r, "InvalidDataInput", ErrorCategory.InvalidArgument, null);
        Assert.Contains("Hashtable", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(r.Output);
    }

    [Fact]
    public void TheContextIsEnforcedAndAMismatchOutputsNothing()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            $m = 'x' | Protect-EncData -KeyId alias/app -EncryptionContext @{ app = 'billing' } -StorePath $store
            $m | Unprotect-EncData -ExpectedEncryptionContext @{ app = 'billing' } -StorePath $store
            $m | Unprotect-EncData -ExpectedEncryptionContext @{ app = 'payroll' } -StorePath $store
            """, Vars(box));
        Assert.Equal(["x"], r.Output.Select(o => o.ToString()));
        var error = Assert.Single(r.Errors);
        Assert.Equal("EncryptionContextMismatch", error.FullyQualifiedErrorId.Split(',')[0]);
    }

    [Fact]
    public void NotBase64IsNotAnEncryptedMessageWithoutEchoingTheText()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            'my password in the wrong place' | Unprotect-EncData -StorePath $store
            """, Vars(box));
        var error = SingleError(r, "NotAnEncryptedMessage", ErrorCategory.InvalidData, null);
        Assert.DoesNotContain("password", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ADataKeyComesBackFromItsCiphertextAndItsTableDoesNotShowIt()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            $dk = New-EncDataKey -KeyId alias/app -EncryptionContext @{ purpose = 'cache' } -StorePath $store
            $dk.Plaintext.Length
            [Convert]::ToBase64String(($dk | Unprotect-EncData -AsByteArray -StorePath $store)) -eq [Convert]::ToBase64String($dk.Plaintext)
            $table = $dk | Format-Table | Out-String
            $table.Contains('(hidden)')
            $table.Contains(($dk.Plaintext[0..3] -join ', '))
            "$dk".Contains([Convert]::ToBase64String($dk.Plaintext))
            $null -eq (New-EncDataKey -KeyId alias/app -WithoutPlaintext -StorePath $store).Plaintext
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["32", "True", "True", "False", "False", "True"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void UpdateEncDataMovesAMessageToAnotherKey()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/old -StorePath $store | Out-Null
            New-EncKey -Alias alias/new -StorePath $store | Out-Null
            $m = 'p@ss' | Protect-EncData -KeyId alias/old -EncryptionContext @{ app = 'x' } -StorePath $store
            $moved = $m | Update-EncData -DestinationKeyId alias/new -StorePath $store
            $moved | Unprotect-EncData -KeyId alias/new -ExpectedEncryptionContext @{ app = 'x' } -StorePath $store
            $moved | Unprotect-EncData -KeyId alias/old -StorePath $store
            """, Vars(box));
        Assert.Equal(["p@ss"], r.Output.Select(o => o.ToString()));
        Assert.Equal("NoDecryptableKey", Assert.Single(r.Errors).FullyQualifiedErrorId.Split(',')[0]);
    }

    [Fact]
    public void WhatIfOutputsNothingAndRecordsNoKeyUse()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            $before = @(Get-EncAuditEvent -StorePath $store).Count
            'x' | Protect-EncData -KeyId alias/app -StorePath $store -WhatIf
            New-EncDataKey -KeyId alias/app -StorePath $store -WhatIf
            @(Get-EncAuditEvent -StorePath $store).Count - $before
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["0"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void EachCmdletIsAuditedUnderItsAction()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/app -StorePath $store | Out-Null
            New-EncKey -Alias alias/new -StorePath $store | Out-Null
            $m = 'x' | Protect-EncData -KeyId alias/app -StorePath $store
            $m | Unprotect-EncData -StorePath $store | Out-Null
            New-EncDataKey -KeyId alias/app -StorePath $store | Out-Null
            New-EncDataKey -KeyId alias/app -WithoutPlaintext -StorePath $store | Out-Null
            $m | Update-EncData -DestinationKeyId alias/new -StorePath $store | Out-Null
            Get-EncAuditEvent -StorePath $store | Where-Object { $_.Command -like '*-EncData*' } | ForEach-Object { "$($_.Command) $($_.Action) $($_.Result)" }
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal([
            "Protect-EncData kms:Encrypt Succeeded", "Unprotect-EncData kms:Decrypt Succeeded",
            "New-EncDataKey kms:GenerateDataKey Succeeded", "New-EncDataKey kms:GenerateDataKeyWithoutPlaintext Succeeded",
            "Update-EncData kms:ReEncryptFrom Succeeded", "Update-EncData kms:ReEncryptTo Succeeded"], r.Output.Select(o => o.ToString()));
    }
}
