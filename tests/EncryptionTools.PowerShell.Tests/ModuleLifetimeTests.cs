using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>Lock-EncKeyStore and Remove-Module leave no decrypted store state behind in the process.</summary>
[Collection(ModuleCollection.Name)] // serial with the shared runspace: Remove-Module wipes every store state of the process
public sealed class ModuleLifetimeTests(ModuleRunspace ps)
{
    [Fact]
    public void Lock_EncKeyStore_drops_the_store_so_the_next_call_needs_the_password_again()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            $p = ConvertTo-SecureString 'correct horse battery staple' -AsPlainText -Force
            New-EncKeyStore -LiteralPath $store -Password $p | Out-Null
            $id = (New-EncKey -StorePath $store).KeyId
            (Get-EncKey -StorePath $store).KeyId -eq $id
            Lock-EncKeyStore -StorePath $store
            Get-EncKey -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable e
            $e[0].FullyQualifiedErrorId
            Unlock-EncKeyStore -StorePath $store -Password $p
            (Get-EncKey -StorePath $store).KeyId -eq $id
            Lock-EncKeyStore -StorePath $store
            """, new Dictionary<string, object?> { ["store"] = box.StorePath });
        r.AssertNoErrors();
        Assert.Equal(["True", "EncKeyStoreLocked,EncryptionTools.Module.Commands.GetEncKeyCommand", "True"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Remove_Module_forgets_unlocked_root_keys_and_cached_documents()
    {
        using var box = new Sandbox();
        var iss = InitialSessionState.CreateDefault2();
        using var runspace = RunspaceFactory.CreateRunspace(iss);
        runspace.Open();
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddScript("""
            param($module, $store)
            Import-Module $module
            $p = ConvertTo-SecureString 'correct horse battery staple' -AsPlainText -Force
            New-EncKeyStore -LiteralPath $store -Password $p | Out-Null
            New-EncKey -StorePath $store | Out-Null
            (Get-EncKeyStore -StorePath $store).IsUnlocked
            Remove-Module EncryptionTools
            Import-Module $module
            (Get-EncKeyStore -StorePath $store).IsUnlocked
            Get-EncKey -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable e
            $e[0].FullyQualifiedErrorId
            """).AddArgument(ModuleRunspace.ModulePath).AddArgument(box.StorePath);
        var output = shell.Invoke().Select(o => o?.ToString()).ToList();
        Assert.True(shell.Streams.Error.Count == 0, string.Join("\n", shell.Streams.Error));
        Assert.Equal(["True", "False", "EncKeyStoreLocked,EncryptionTools.Module.Commands.GetEncKeyCommand"], output);
    }

    [Fact]
    public void Lock_EncKeyStore_closes_the_stores_provider_and_the_next_command_opens_it_again()
    {
        using var box = new Sandbox();
        var r = ps.Run("""
            New-EncKeyStore -LiteralPath $store -Protection File | Out-Null
            $id = (New-EncKey -StorePath $store).KeyId
            $loc = (Get-EncKeyStore -StorePath $store).Location
            [EncryptionTools.Engine.Store.KeyStoreProviders]::OpenLocations -contains $loc
            Lock-EncKeyStore -StorePath $store
            [EncryptionTools.Engine.Store.KeyStoreProviders]::OpenLocations -contains $loc
            (Get-EncKey -StorePath $store -KeyId $id).KeyId -eq $id
            [EncryptionTools.Engine.Store.KeyStoreProviders]::OpenLocations -contains $loc
            """, new Dictionary<string, object?> { ["store"] = box.StorePath });
        r.AssertNoErrors();
        Assert.Equal(["True", "False", "True", "True"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Remove_Module_closes_every_provider_and_a_command_after_Import_Module_opens_the_store_again()
    {
        using var box = new Sandbox();
        var iss = InitialSessionState.CreateDefault2();
        using var runspace = RunspaceFactory.CreateRunspace(iss);
        runspace.Open();
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddScript("""
            param($module, $store)
            Import-Module $module
            New-EncKeyStore -LiteralPath $store -Protection File | Out-Null
            $id = (New-EncKey -StorePath $store).KeyId
            $loc = (Get-EncKeyStore -StorePath $store).Location
            [EncryptionTools.Engine.Store.KeyStoreProviders]::OpenLocations -contains $loc
            Remove-Module EncryptionTools
            [EncryptionTools.Engine.Store.KeyStoreProviders]::OpenLocations -contains $loc
            Import-Module $module
            (Get-EncKey -StorePath $store -KeyId $id).KeyId -eq $id
            [EncryptionTools.Engine.Store.KeyStoreProviders]::OpenLocations -contains $loc
            """).AddArgument(ModuleRunspace.ModulePath).AddArgument(box.StorePath);
        var output = shell.Invoke().Select(o => o?.ToString()).ToList();
        Assert.True(shell.Streams.Error.Count == 0, string.Join("\n", shell.Streams.Error));
        Assert.Equal(["True", "False", "True", "True"], output);
    }
}
