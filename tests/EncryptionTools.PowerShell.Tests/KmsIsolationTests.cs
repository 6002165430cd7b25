using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// The AWS SDK stays out of the session: a real pwsh process (the pinned 7.6.10, `dotnet pwsh`) imports the built
/// module, and what is loaded where is read from inside it. A child process, because the default load context of this
/// test process is shared by every test in it. The other AWSSDK.Core is the 3.7 line (AWS Tools for PowerShell's),
/// downloaded by this project (PackageDownload) and never part of the module.
/// </summary>
public sealed class KmsIsolationTests
{
    /// <summary>Prints, as JSON, every AWSSDK and EncryptionTools assembly of the process with its load context.</summary>
    private const string Snapshot = """
        function Get-Loaded {
            @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $n = $_.GetName().Name; $n -like 'AWSSDK*' -or $n -like 'EncryptionTools*' } | ForEach-Object {
                [pscustomobject] @{
                    Name = $_.GetName().Name
                    Version = $_.GetName().Version.ToString()
                    Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
                    Location = $_.Location
                }
            })
        }
        """;

    [Fact]
    public void ImportAndLocalKeysLoadNoAwsSdk()
    {
        using var box = new Sandbox();
        var result = ChildPwsh.Run(Snapshot + """

            $store = Join-Path $root store
            New-EncKey -StorePath $store -Alias alias/local | Out-Null
            Get-EncKey -StorePath $store | Out-Null
            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'local only'
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId alias/local -StorePath $store | Out-Null
            Get-EncFileInfo -LiteralPath (Join-Path $root a.txt.enc) -StorePath $store | Out-Null
            Unprotect-File -LiteralPath (Join-Path $root a.txt.enc) -Destination (Join-Path $root b.txt) -StorePath $store | Out-Null
            $loaded = Get-Loaded
            $registered = @([EncryptionTools.Engine.Keyrings.KeyringProviders]::Registered)
            Remove-Module EncryptionTools
            $afterRemove = @([EncryptionTools.Engine.Keyrings.KeyringProviders]::Registered)
            [pscustomobject] @{
                Loaded = $loaded; Registered = $registered; AfterRemove = $afterRemove
                Text = (Get-Content -LiteralPath (Join-Path $root b.txt) -Raw).Trim()
            } | ConvertTo-Json -Depth 4 -Compress
            """, box.Root);
        var json = result.Json();
        Assert.Equal("local only", json.GetProperty("Text").GetString());
        // Registered at import (nothing loaded for it), unregistered by Remove-Module.
        Assert.Equal(["aws-kms"], json.GetProperty("Registered").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(json.GetProperty("AfterRemove").EnumerateArray());
        var loaded = Loaded(json);
        Assert.Contains(loaded, a => a.Name == "EncryptionTools");
        Assert.DoesNotContain(loaded, a => a.Name.StartsWith("AWSSDK", StringComparison.Ordinal) || a.Name == "EncryptionTools.Kms");
    }

    [Fact]
    public void AnotherAwsSdkCoreLoadedFirstLeavesKmsWorking()
    {
        using var box = new Sandbox();
        var kms = KmsTestEndpoint.Instance;
        var key = kms.CreateKey();
        var result = ChildPwsh.Run(Snapshot + $$"""

            Add-Type -LiteralPath '{{OtherAwsSdkCore}}'
            $region = [Amazon.AWSConfigs]::AWSRegion
            Import-Module '{{ModuleRunspace.ModulePath}}'
            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'both cores'
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId '{{key}}' | Out-Null
            Unprotect-File -LiteralPath (Join-Path $root a.txt.enc) -KeyId '{{key}}' -Destination (Join-Path $root b.txt) | Out-Null
            [pscustomobject] @{
                Loaded = Get-Loaded
                Text = (Get-Content -LiteralPath (Join-Path $root b.txt) -Raw).Trim()
                Store = Test-Path -LiteralPath (Join-Path $root store)
            } | ConvertTo-Json -Depth 4 -Compress
            """, box.Root, import: false, env: kms.ClientEnvironment);
        var json = result.Json();
        Assert.Equal("both cores", json.GetProperty("Text").GetString());
        Assert.False(json.GetProperty("Store").GetBoolean(), "A KMS-only encryption and decryption created a key store.");
        AssertTwoCores(Loaded(json));
    }

    [Fact]
    public void AnotherAwsSdkCoreLoadedAfterKmsUseWorks()
    {
        using var box = new Sandbox();
        var kms = KmsTestEndpoint.Instance;
        var key = kms.CreateKey();
        var result = ChildPwsh.Run(Snapshot + $$"""

            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'ours first'
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId '{{key}}' | Out-Null
            Add-Type -LiteralPath '{{OtherAwsSdkCore}}'
            # A type of the other SDK, used: resolved from its own assembly, not ours.
            [Amazon.AWSConfigs]::AWSRegion = 'eu-west-1'
            $otherType = [Amazon.AWSConfigs].Assembly.Location
            $otherRegion = [Amazon.AWSConfigs]::AWSRegion
            # Ours still works beside it (its own region from the environment, not the other SDK's static setting).
            Unprotect-File -LiteralPath (Join-Path $root a.txt.enc) -KeyId '{{key}}' -Destination (Join-Path $root b.txt) | Out-Null
            [pscustomobject] @{
                Loaded = Get-Loaded
                Text = (Get-Content -LiteralPath (Join-Path $root b.txt) -Raw).Trim()
                OtherType = $otherType
                OtherRegion = $otherRegion
            } | ConvertTo-Json -Depth 4 -Compress
            """, box.Root, env: kms.ClientEnvironment);
        var json = result.Json();
        Assert.Equal("ours first", json.GetProperty("Text").GetString());
        Assert.Equal(Path.GetFullPath(OtherAwsSdkCore), json.GetProperty("OtherType").GetString());
        Assert.Equal("eu-west-1", json.GetProperty("OtherRegion").GetString());
        AssertTwoCores(Loaded(json));
    }

    [Fact]
    public void AModuleCopiedWithoutItsKmsFolderRefusesKmsKeysWithKmsUnavailableAndKeepsLocalKeys()
    {
        using var box = new Sandbox();
        var copy = Path.Combine(box.Root, "module");
        var source = Path.GetDirectoryName(ModuleRunspace.ModulePath)!;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("kms" + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, relative))!);
            File.Copy(file, Path.Combine(copy, relative));
        }
        var result = ChildPwsh.Run(Snapshot + $$"""

            Import-Module '{{Path.Combine(copy, "EncryptionTools.psd1")}}'
            $store = Join-Path $root store
            New-EncKey -StorePath $store -Alias alias/local | Out-Null
            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'x'
            $e = try { Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId 'arn:aws:kms:us-east-1:123456789012:alias/any', alias/local -StorePath $store -ErrorAction Stop; $null } catch { $_ }
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId alias/local -StorePath $store | Out-Null
            [pscustomobject] @{
                Id = $e.FullyQualifiedErrorId; Category = $e.CategoryInfo.Category.ToString(); Message = $e.Exception.Message
                Local = Test-Path -LiteralPath (Join-Path $root a.txt.enc)
                Loaded = Get-Loaded
            } | ConvertTo-Json -Depth 4 -Compress
            """, box.Root, import: false);
        var json = result.Json();
        Assert.StartsWith("KmsUnavailable,", json.GetProperty("Id").GetString(), StringComparison.Ordinal);
        Assert.Equal("ResourceUnavailable", json.GetProperty("Category").GetString());
        Assert.Contains(Path.Combine(copy, "kms"), json.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.True(json.GetProperty("Local").GetBoolean());
        Assert.DoesNotContain(Loaded(json), a => a.Name.StartsWith("AWSSDK", StringComparison.Ordinal) || a.Name == "EncryptionTools.Kms");
    }

    /// <summary>The other AWSSDK.Core in the default context; ours (and the KMS client, and our keyring) only in EncryptionTools.Kms.</summary>
    private static void AssertTwoCores(IReadOnlyList<LoadedAssembly> loaded)
    {
        var cores = loaded.Where(a => a.Name == "AWSSDK.Core").ToList();
        Assert.Equal(2, cores.Count);
        var other = Assert.Single(cores, c => c.Context == "Default");
        Assert.Equal(Path.GetFullPath(OtherAwsSdkCore), other.Location);
        Assert.StartsWith("3.", other.Version, StringComparison.Ordinal);
        var ours = Assert.Single(cores, c => c.Context == "EncryptionTools.Kms");
        Assert.StartsWith("4.", ours.Version, StringComparison.Ordinal);
        Assert.Equal(KmsFolder, Path.GetDirectoryName(ours.Location));
        Assert.Equal("EncryptionTools.Kms", Assert.Single(loaded, a => a.Name == "EncryptionTools.Kms").Context);
        Assert.Equal("EncryptionTools.Kms", Assert.Single(loaded, a => a.Name == "AWSSDK.KeyManagementService").Context);
        // The seam's types are one: the engine is loaded once, in the module's context.
        Assert.Equal("Default", Assert.Single(loaded, a => a.Name == "EncryptionTools.Engine").Context);
    }

    private static string KmsFolder => Path.Combine(Path.GetDirectoryName(ModuleRunspace.ModulePath)!, "kms");

    private static string OtherAwsSdkCore
    {
        get
        {
            var path = typeof(KmsIsolationTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OtherAwsSdkCore").Value!;
            Assert.True(File.Exists(path), "The other AWSSDK.Core (PackageDownload 3.7.402) is not restored at " + path);
            return path;
        }
    }

    private sealed record LoadedAssembly(string Name, string Version, string Context, string Location);

    private static List<LoadedAssembly> Loaded(JsonElement json)
    {
        var loaded = json.GetProperty("Loaded");
        var items = loaded.ValueKind == JsonValueKind.Array ? loaded.EnumerateArray().ToList() : [loaded];
        return items.Select(e => new LoadedAssembly(e.GetProperty("Name").GetString()!, e.GetProperty("Version").GetString()!,
            e.GetProperty("Context").GetString() ?? "", e.GetProperty("Location").GetString() ?? "")).ToList();
    }
}
