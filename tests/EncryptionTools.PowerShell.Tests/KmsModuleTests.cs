using System.Management.Automation;
using System.Runtime.Loader;
using static EncryptionTools.PowerShell.Tests.TestSupport;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// AWS KMS keys through the cmdlets, in the shared runspace, against the local KMS endpoint: the module's own load
/// context, the discovery parameters and their validation, error records (id, category, the key ARN as target),
/// -WhatIf, and completion that never calls KMS.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class KmsModuleTests
{
    private readonly ModuleRunspace _ps;
    private readonly KmsTestEndpoint _kms;

    public KmsModuleTests(ModuleRunspace ps)
    {
        _ps = ps;
        _kms = KmsTestEndpoint.Instance.UseInThisProcess();
    }

    [Fact]
    public void ImportRegistersAwsKmsKeys()
    {
        var r = _ps.Run("[EncryptionTools.Engine.Keyrings.KeyringProviders]::Registered");
        r.AssertNoErrors();
        Assert.Contains("aws-kms", r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void RemovingTheModuleFromAnotherRunspaceKeepsKmsKeysRoutedInThisOne()
    {
        using (var runspace = System.Management.Automation.Runspaces.RunspaceFactory.CreateRunspace(System.Management.Automation.Runspaces.InitialSessionState.CreateDefault2()))
        {
            runspace.Open();
            using var other = System.Management.Automation.PowerShell.Create();
            other.Runspace = runspace;
            other.AddScript("param($m) Import-Module $m; Remove-Module EncryptionTools").AddArgument(ModuleRunspace.ModulePath).Invoke();
            Assert.False(other.HadErrors, string.Join("; ", other.Streams.Error));
        }
        var r = _ps.Run("[EncryptionTools.Engine.Keyrings.KeyringProviders]::Registered");
        r.AssertNoErrors();
        Assert.Contains("aws-kms", r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void KmsSupportLoadsIntoAContextOfItsOwnNamedEncryptionToolsKms()
    {
        using var box = new Sandbox();
        var key = _kms.CreateKey();
        var r = _ps.Run("""
            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'kms'
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId $key -StorePath $store | Out-Null
            """, Vars(box, ("key", key)));
        r.AssertNoErrors();
        var kms = AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "EncryptionTools.Kms").ToList();
        var assembly = Assert.Single(kms);
        var context = AssemblyLoadContext.GetLoadContext(assembly)!;
        Assert.Equal("EncryptionTools.Kms", context.Name);
        Assert.NotSame(AssemblyLoadContext.Default, context);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(ModuleRunspace.ModulePath)!, "kms", "EncryptionTools.Kms.dll"), assembly.Location);
        // The AWS SDK came with it, into that context only.
        Assert.Contains(context.Assemblies, a => a.GetName().Name == "AWSSDK.Core");
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name!.StartsWith("AWSSDK", StringComparison.Ordinal));
        // One engine: the keyring's seam type is the module's.
        Assert.DoesNotContain(context.Assemblies, a => a.GetName().Name == "EncryptionTools.Engine");
    }

    [Fact]
    public void TheModuleFolderHoldsNoAwsSdkOutsideKms()
    {
        var dir = Path.GetDirectoryName(ModuleRunspace.ModulePath)!;
        Assert.Empty(Directory.EnumerateFiles(dir, "AWSSDK*"));
        Assert.False(File.Exists(Path.Combine(dir, "EncryptionTools.Kms.dll")));
        Assert.True(File.Exists(Path.Combine(dir, "kms", "EncryptionTools.Kms.dll")));
        Assert.True(File.Exists(Path.Combine(dir, "kms", "AWSSDK.Core.dll")));
        Assert.True(File.Exists(Path.Combine(dir, "kms", "AWSSDK.KeyManagementService.dll")));
        // What the module ships itself is shared, never a second copy beside the keyring.
        Assert.False(File.Exists(Path.Combine(dir, "kms", "EncryptionTools.Engine.dll")));
    }

    [Fact]
    public void AKmsKeyEncryptsAndDecryptsAFileWithNoStore()
    {
        using var box = new Sandbox();
        var key = _kms.CreateKey();
        var r = _ps.Run("""
            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'payroll'
            $result = Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId $key -StorePath $store
            $result.Keys
            Unprotect-File -LiteralPath (Join-Path $root a.txt.enc) -KeyId $key -Destination (Join-Path $root b.txt) -StorePath $store | Out-Null
            (Get-Content -LiteralPath (Join-Path $root b.txt) -Raw).Trim()
            """, Vars(box, ("key", key)));
        r.AssertNoErrors();
        Assert.EndsWith(key, r.Output[0].ToString(), StringComparison.Ordinal);
        Assert.Equal("payroll", r.Output[^1].ToString());
        Assert.False(Directory.Exists(box.StorePath), "A KMS-only operation created a key store.");
    }

    [Fact]
    public void TheAuditRecordOfAKmsCallShowsItsRequestIdInTheListView()
    {
        // The id AWS gives each call is what ties the store's audit record to the KMS side's CloudTrail event.
        using var box = new Sandbox();
        var key = _kms.CreateKey();
        var r = _ps.Run("""
            New-EncKey -Alias alias/local -StorePath $store | Out-Null
            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'payroll'
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId $key, alias/local -StorePath $store | Out-Null
            $event = Get-EncAuditEvent -StorePath $store | Where-Object RequestId | Select-Object -Last 1
            $event.RequestId
            $event | Format-List | Out-String -Width 120
            """, Vars(box, ("key", key)));
        r.AssertNoErrors();
        var requestId = r.Output[0]?.ToString();
        Assert.False(string.IsNullOrEmpty(requestId), "No audit record of the KMS call carries a request id.");
        Assert.Matches(@"(?m)^RequestId\s+:\s+" + System.Text.RegularExpressions.Regex.Escape(requestId!) + @"\s*$", r.Output[^1].ToString());
    }

    [Fact]
    public void StrictByDefaultAFileOfAnUnnamedKmsKeyIsKmsKeyNotAllowed()
    {
        using var box = new Sandbox();
        var key = _kms.CreateKey();
        var file = Path.Combine(box.Root, "a.txt.enc");
        var r = _ps.Run("""
            New-EncKey -Alias alias/local -StorePath $store | Out-Null   # a store of local keys beside, as a user has
            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'secret'
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId $key -StorePath $store | Out-Null
            Unprotect-File -LiteralPath $file -Destination (Join-Path $root b.txt) -StorePath $store
            """, Vars(box, ("key", key), ("file", file)));
        Assert.Null(r.Terminating);
        var error = Assert.Single(r.Errors);
        Assert.StartsWith("KmsKeyNotAllowed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Contains(key, error.Exception.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(box.Root, "b.txt")));
    }

    [Fact]
    public void DiscoveryOfTheKeysAccountDecryptsAndAnotherAccountDoesNot()
    {
        using var box = new Sandbox();
        var key = _kms.CreateKey();
        var file = Path.Combine(box.Root, "a.txt.enc");
        var r = _ps.Run("""
            New-EncKey -Alias alias/local -StorePath $store | Out-Null   # a store of local keys beside, as a user has
            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'found'
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId $key -StorePath $store | Out-Null
            Unprotect-File -LiteralPath $file -Destination (Join-Path $root other.txt) -KmsDiscoveryAccountId 111122223333 -StorePath $store -ErrorAction SilentlyContinue -ErrorVariable denied
            $denied.Count
            Unprotect-File -LiteralPath $file -Destination (Join-Path $root b.txt) -KmsDiscoveryAccountId 123456789012 -StorePath $store | Out-Null
            (Get-Content -LiteralPath (Join-Path $root b.txt) -Raw).Trim()
            """, Vars(box, ("key", key), ("file", file)));
        r.AssertNoErrors();
        Assert.Equal("1", r.Output[0].ToString());
        Assert.Equal("found", r.Output[^1].ToString());
        Assert.False(File.Exists(Path.Combine(box.Root, "other.txt")));
    }

    [Theory]
    [InlineData("Unprotect-File -LiteralPath $file -KmsDiscoveryPartition aws-cn", "aws-cn")]
    [InlineData("Unprotect-File -LiteralPath $file -KmsDiscoveryAccountId 12345", "12345")]
    [InlineData("Update-EncFileKey -LiteralPath $file -AddKeyId alias/x -KmsDiscoveryPartition aws -Confirm:$false", "aws")]
    [InlineData("'AAAA' | Unprotect-EncData -KmsDiscoveryAccountId 'not-an-account'", "not-an-account")]
    [InlineData("'AAAA' | Update-EncData -DestinationKeyId alias/x -KmsDiscoveryPartition 'aws us' -KmsDiscoveryAccountId 123456789012", "aws us")]
    public void ABadDiscoveryFilterStopsTheCmdletBeforeAnyInput(string command, string target)
    {
        using var box = new Sandbox();
        var file = box.File("a.txt.enc", "not even a message");
        var r = _ps.Run("try { " + command + " -StorePath $store } catch { $_ }", Vars(box, ("file", file)));
        var error = CaughtError(r, "KmsInvalidKeyIdentifier", ErrorCategory.InvalidArgument, target);
        Assert.Contains("-Kms", error.Exception.Message + error.ErrorDetails?.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(box.StorePath));
    }

    [Fact]
    public void AKmsKeyThatDoesNotExistIsKmsKeyNotFoundWithTheArnAsTarget()
    {
        using var box = new Sandbox();
        var missing = KmsTestEndpoint.MissingKeyArn();
        var file = box.File("a.txt", "x");
        var r = _ps.Run("try { Protect-File -LiteralPath $file -KeyId $key -StorePath $store -ErrorAction Stop } catch { $_ }", Vars(box, ("key", missing), ("file", file)));
        CaughtError(r, "KmsKeyNotFound", ErrorCategory.ObjectNotFound, missing);
        Assert.False(File.Exists(file + ".enc"));
    }

    [Fact]
    public void ADisabledKmsKeyIsKmsKeyDisabledWithTheArnAsTarget()
    {
        using var box = new Sandbox();
        var key = _kms.CreateKey();
        _kms.Disable(key);
        var file = box.File("a.txt", "x");
        var r = _ps.Run("try { Protect-File -LiteralPath $file -KeyId $key -StorePath $store -ErrorAction Stop } catch { $_ }", Vars(box, ("key", key), ("file", file)));
        CaughtError(r, "KmsKeyDisabled", ErrorCategory.ResourceUnavailable, key);
        Assert.False(File.Exists(file + ".enc"));
    }

    [Fact]
    public void WhatIfWithAKmsKeyWritesNothing()
    {
        using var box = new Sandbox();
        var key = _kms.CreateKey();
        var file = box.File("a.txt", "x");
        var r = _ps.Run("""
            Protect-File -LiteralPath $file -KeyId $key -StorePath $store -WhatIf
            Protect-EncData -InputObject 'text' -KeyId $key -StorePath $store -WhatIf
            """, Vars(box, ("key", key), ("file", file)));
        r.AssertNoErrors();
        Assert.Empty(r.Output);
        Assert.False(File.Exists(file + ".enc"));
        Assert.False(Directory.Exists(box.StorePath));
    }

    [Fact]
    public void DataCmdletsRoundTripUnderAKmsKeyAndUpdateEncDataMovesToAnother()
    {
        using var box = new Sandbox();
        var first = _kms.CreateKey();
        var second = _kms.CreateKey();
        var r = _ps.Run("""
            $message = Protect-EncData -InputObject 'db password' -KeyId $first -EncryptionContext @{ app = 'web' } -StorePath $store
            Unprotect-EncData -InputObject $message -KeyId $first -ExpectedEncryptionContext @{ app = 'web' } -StorePath $store
            $moved = Update-EncData -InputObject $message -DestinationKeyId $second -SourceKeyId $first -StorePath $store -Confirm:$false
            Unprotect-EncData -InputObject $moved -KeyId $second -StorePath $store
            # Only the second key's data key is left, and strict decryption never sends it to KMS for the first.
            try { Unprotect-EncData -InputObject $moved -KeyId $first -StorePath $store -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            """, Vars(box, ("first", first), ("second", second)));
        r.AssertNoErrors();
        Assert.Equal("db password", r.Output[0].ToString());
        Assert.Equal("db password", r.Output[1].ToString());
        Assert.StartsWith("KmsKeyNotAllowed", r.Output[2].ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(box.StorePath));
    }

    [Fact]
    public void UpdateEncFileKeyAddsAndRemovesAKmsKeyBesideALocalOne()
    {
        using var box = new Sandbox();
        var key = _kms.CreateKey();
        var file = Path.Combine(box.Root, "a.txt.enc");
        var r = _ps.Run("""
            New-EncKey -Alias alias/local -StorePath $store | Out-Null
            Set-Content -LiteralPath (Join-Path $root a.txt) -Value 'both'
            Protect-File -LiteralPath (Join-Path $root a.txt) -KeyId alias/local -StorePath $store | Out-Null
            Update-EncFileKey -LiteralPath $file -AddKeyId $key -StorePath $store -Confirm:$false | Out-Null
            @((Get-EncFileInfo -LiteralPath $file -StorePath $store).EncryptedDataKeys | Where-Object ProviderId -eq 'aws-kms').Count
            Unprotect-File -LiteralPath $file -KeyId $key -Destination (Join-Path $root via-kms.txt) -StorePath $store | Out-Null
            (Get-Content -LiteralPath (Join-Path $root via-kms.txt) -Raw).Trim()
            Update-EncFileKey -LiteralPath $file -RemoveKeyId $key -StorePath $store -Confirm:$false | Out-Null
            @((Get-EncFileInfo -LiteralPath $file -StorePath $store).EncryptedDataKeys | Where-Object ProviderId -eq 'aws-kms').Count
            Unprotect-File -LiteralPath $file -KeyId alias/local -Destination (Join-Path $root via-local.txt) -StorePath $store | Out-Null
            (Get-Content -LiteralPath (Join-Path $root via-local.txt) -Raw).Trim()
            """, Vars(box, ("key", key), ("file", file)));
        r.AssertNoErrors();
        Assert.Equal(["1", "both", "0", "both"], r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void KeyIdCompletionOfAKmsArnOffersNothingAndCallsNoService()
    {
        using var box = new Sandbox();
        var r = _ps.Run("""
            New-EncKey -Alias alias/payroll -StorePath $store | Out-Null
            $line = "Protect-File a.txt -StorePath '$store' -KeyId arn:aws:kms:us-east-1:123456789012:"
            $env:AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:9'   # a call would fail: the completer must not make one
            try {
                @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches).Count
                $line = "Protect-File a.txt -StorePath '$store' -KeyId alias/pay"
                @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText)
            } finally { $env:AWS_ENDPOINT_URL_KMS = $saved }
            """, Vars(box, ("saved", _kms.Url)));
        r.AssertNoErrors();
        Assert.Equal("0", r.Output[0].ToString());
        Assert.Equal("alias/payroll", r.Output[1].ToString());
    }
}
