using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// One name per meaning: -RotationEnabled on New-EncKey and Set-EncKey (New-EncKey's old -EnableRotation still binds),
/// -Timeout of Unlock-EncKeyStore as a duration (a TimeSpan or seconds), -Id for -KeyId.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ParameterNamingTests(ModuleRunspace ps)
{
    [Fact]
    public void RotationEnabledIsOneNameAndTheOldSwitchStillBinds()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            (New-EncKey -StorePath $store -RotationEnabled).RotationEnabled
            (New-EncKey -StorePath $store -EnableRotation -RotationPeriodInDays 90).RotationEnabled
            (New-EncKey -StorePath $store -RotationEnabled:$false).RotationEnabled
            $k = New-EncKey -StorePath $store
            $k.RotationEnabled
            (Set-EncKey -StorePath $store -KeyId $k.KeyId -RotationEnabled $true -PassThru -Confirm:$false).RotationEnabled
            (Set-EncKey -StorePath $store -KeyId $k.KeyId -RotationEnabled:$false -PassThru -Confirm:$false).RotationEnabled
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["True", "True", "False", "False", "True", "False"], r.Output.Select(o => o.ToString()));
    }

    [Theory]
    [InlineData("'00:30:00'", 1800)]
    [InlineData("(New-TimeSpan -Minutes 45)", 2700)]
    [InlineData("120", 120)]
    [InlineData("'120'", 120)]
    [InlineData("'1.00:00:00'", 86400)]
    public void UnlockTimeoutIsADurationOrSeconds(string timeout, int seconds)
    {
        using var box = new Sandbox();
        var r = ps.Run($$"""
            $pw = ConvertTo-SecureString 'Correct-horse-1' -AsPlainText -Force
            New-EncKeyStore -LiteralPath $store -Protection Password -Password $pw | Out-Null
            Lock-EncKeyStore -StorePath $store | Out-Null
            $before = [DateTimeOffset]::UtcNow
            $info = Unlock-EncKeyStore -StorePath $store -Password $pw -Timeout {{timeout}} -PassThru
            ($info.UnlockedUntil - $before).TotalSeconds
            Lock-EncKeyStore -StorePath $store | Out-Null
            """, Vars(box));
        r.AssertNoErrors();
        var granted = Convert.ToDouble(Unwrap(Assert.Single(r.Output)), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(granted, seconds - 1, seconds + 30);
    }

    [Theory]
    [InlineData("0", "ParameterArgumentValidationError")]
    [InlineData("'400.00:00:00'", "ParameterArgumentValidationError")]
    [InlineData("-5", "ParameterArgumentValidationError")]
    [InlineData("'soon'", "ParameterArgumentTransformationError")]
    [InlineData("(Get-Date)", "ParameterArgumentTransformationError")]
    public void AnUnlockTimeoutOutOfRangeOrNotADurationIsABindingError(string timeout, string errorId)
    {
        using var box = new Sandbox();
        var r = ps.Run($$"""
            $pw = ConvertTo-SecureString 'Correct-horse-1' -AsPlainText -Force
            New-EncKeyStore -LiteralPath $store -Protection Password -Password $pw | Out-Null
            Lock-EncKeyStore -StorePath $store | Out-Null
            try { Unlock-EncKeyStore -StorePath $store -Password $pw -Timeout {{timeout}}; 'bound' } catch { $_.FullyQualifiedErrorId }
            (Get-EncKeyStore -StorePath $store).IsUnlocked
            """, Vars(box));
        Assert.Null(r.Terminating);
        Assert.Equal(2, r.Output.Count);
        Assert.StartsWith(errorId + ",", r.Output[0].ToString(), StringComparison.Ordinal);
        Assert.Equal("False", r.Output[1].ToString());
    }

    [Fact]
    public void IdBindsKeyIdWhereItWasMissing()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $k = New-EncKey -StorePath $store
            New-EncKeyAlias -StorePath $store -AliasName alias/first -Id $k.KeyId | Out-Null
            $other = New-EncKey -StorePath $store
            (Set-EncKeyAlias -StorePath $store -AliasName alias/first -Id $other.KeyId -PassThru -Confirm:$false).KeyId -eq $other.KeyId
            @(Get-EncAuditEvent -StorePath $store -Id $k.KeyId).Count -gt 0
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal(["True", "True"], r.Output.Select(o => o.ToString()));
    }
}
