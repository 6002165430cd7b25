using System.Management.Automation;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>The store (Get-, Set-, Unlock-, Lock-EncKeyStore), rotation records and the audit log.</summary>
[Collection(ModuleCollection.Name)]
public sealed class EncKeyStoreAndAuditTests(ModuleRunspace ps)
{
    [Fact]
    public void GetEncKeyStoreDescribesTheStoreNamedByStorePath()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -StorePath $store | Out-Null
            Get-EncKeyStore -StorePath $store
            """, Vars(box));
        r.AssertNoErrors();
        var info = OfType(Assert.Single(r.Output), "EncryptionTools.Engine.Store.EncKeyStoreInfo");
        Assert.Equal(true, Prop(info, "Exists"));
        Assert.Equal(Path.GetFullPath(box.StorePath), Path.GetFullPath(Prop(info, "Location")!.ToString()!));
        Assert.True(Convert.ToInt32(Prop(info, "KeyCount")) >= 1);
    }

    [Fact]
    public void APasswordProtectedStoreOpensOnlyWithItsPassword()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            $pw = ConvertTo-SecureString 'Correct-horse-1' -AsPlainText -Force
            Set-EncKeyStore -Protection Password -Password $pw -StorePath $store -Confirm:$false | Out-Null
            Lock-EncKeyStore -StorePath $store | Out-Null
            Unlock-EncKeyStore -Password (ConvertTo-SecureString 'wrong-password' -AsPlainText -Force) -StorePath $store
            """, Vars(box));
        SingleError(r, "EncKeyStorePasswordInvalid", ErrorCategory.AuthenticationError, Path.GetFullPath(box.StorePath));

        var ok = ps.Run("""
            Unlock-EncKeyStore -Password (ConvertTo-SecureString 'Correct-horse-1' -AsPlainText -Force) -StorePath $store | Out-Null
            (Get-EncKey -KeyId alias/a -StorePath $store).KeyState
            (Get-EncKeyStore -StorePath $store).Protection
            Lock-EncKeyStore -StorePath $store | Out-Null
            """, Vars(box));
        ok.AssertNoErrors();
        Assert.Equal(["Enabled", "Password"], ok.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void UnlockWithoutAPasswordAsksAHostThatCanAskAndOtherwiseSaysWhatIsMissing()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            Set-EncKeyStore -Protection Password -Password (ConvertTo-SecureString 'Correct-horse-1' -AsPlainText -Force) -StorePath $store -Confirm:$false | Out-Null
            Lock-EncKeyStore -StorePath $store | Out-Null
            Unlock-EncKeyStore -StorePath $store
            """, Vars(box));
        // This runspace has no host to ask.
        var error = SingleError(r, "EncKeyStorePasswordRequired", ErrorCategory.AuthenticationError, Path.GetFullPath(box.StorePath));
        Assert.Contains("-Password", error.Exception.Message, StringComparison.Ordinal);

        // A host that can ask is asked once, for a SecureString, as PowerShell asks for a mandatory one.
        var host = new ScriptedHost(["Correct-horse-1"]);
        using (var runspace = System.Management.Automation.Runspaces.RunspaceFactory.CreateRunspace(host, ExampleFixture.Session(pester: false)))
        {
            runspace.Open();
            using var asking = System.Management.Automation.PowerShell.Create();
            asking.Runspace = runspace;
            asking.AddScript("param($s) (Unlock-EncKeyStore -StorePath $s -Timeout 120 -PassThru).IsUnlocked").AddArgument(box.StorePath);
            var output = asking.Invoke();
            Assert.False(asking.HadErrors, string.Join("; ", asking.Streams.Error));
            Assert.Equal([true], output.Select(o => o.BaseObject));
        }
        var after = ps.Run("""
            (Get-EncKey -KeyId alias/a -StorePath $store).KeyState
            Lock-EncKeyStore -StorePath $store | Out-Null
            """, Vars(box));
        after.AssertNoErrors();
        Assert.Equal(["Enabled"], after.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void SetEncKeyStoreWhatIfKeepsTheProtection()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -StorePath $store | Out-Null
            Set-EncKeyStore -Protection Password -Password (ConvertTo-SecureString 'Pw-123456' -AsPlainText -Force) -StorePath $store -WhatIf
            (Get-EncKeyStore -StorePath $store).Protection
            """, Vars(box));
        r.AssertNoErrors();
        Assert.NotEqual("Password", Assert.Single(r.Output).ToString());
    }

    [Fact]
    public void RotationsAreListedPerVersionAndKeysBindByPropertyName()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKey -Alias alias/a -StorePath $store | Out-Null
            Get-EncKey -KeyId alias/a -StorePath $store | Invoke-EncKeyRotation -StorePath $store -Confirm:$false | ForEach-Object CurrentVersion
            Get-EncKey -KeyId alias/a -StorePath $store | Get-EncKeyRotation -StorePath $store | ForEach-Object { "$($_.Version)|$($_.RotationType)" }
            """, Vars(box));
        r.AssertNoErrors();
        Assert.Equal("2", r.Output[0].ToString());
        Assert.Contains(r.Output.Skip(1), o => o.ToString()!.StartsWith("2|", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryKeyUseIsAuditedAndTheLogVerifies()
    {
        using var box = new Sandbox();
        var plain = box.File("a.txt", "x");
        var r = ps.Run("""
            $k = New-EncKey -Alias alias/a -StorePath $store
            Protect-File -LiteralPath $plain -KeyId alias/a -StorePath $store | Out-Null
            Get-EncAuditEvent -KeyId alias/a -StorePath $store | ForEach-Object { "$($_.Action)|$($_.Result)" }
            '--'
            Test-EncAuditLog -StorePath $store -Quiet
            (Get-EncAuditEvent -StorePath $store -Last 1).Sequence -ge 2
            """, Vars(box, ("plain", plain)));
        r.AssertNoErrors();
        var lines = r.Output.Select(o => o.ToString()!).ToList();
        var split = lines.IndexOf("--");
        Assert.Contains(lines.Take(split), l => l.StartsWith("kms:CreateKey|", StringComparison.Ordinal));
        Assert.Contains(lines.Take(split), l => l.StartsWith("kms:GenerateDataKey|", StringComparison.Ordinal));
        Assert.Equal(["True", "True"], lines.Skip(split + 1));
    }
}
