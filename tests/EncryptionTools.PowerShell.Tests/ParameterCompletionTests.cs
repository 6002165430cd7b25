namespace EncryptionTools.PowerShell.Tests;

/// <summary>Rule ids, parameter names and enum values as a user completes them with Tab (TabExpansion2).</summary>
[Collection(ModuleCollection.Name)]
public sealed class ParameterCompletionTests(ModuleRunspace ps)
{
    private List<string> Complete(string line, Dictionary<string, object?>? vars = null)
    {
        var r = ps.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText",
            new Dictionary<string, object?>(vars ?? []) { ["line"] = line });
        r.AssertNoErrors();
        return r.Output.Where(o => o is not null).Select(o => o.ToString()!).ToList();
    }

    [Fact]
    public void RuleIdsComplete()
    {
        var matches = Complete("Test-EncryptionCompliance -Rule ET100");
        Assert.Contains("ET1001", matches);
        Assert.All(matches, m => Assert.StartsWith("ET100", m));
        Assert.Contains("ET2001", Complete("Test-EncryptionCompliance -ExcludeRule ET20"));
    }

    [Fact]
    public void ParameterNamesComplete()
    {
        Assert.Contains("-IncludeStore", Complete("Test-EncryptionCompliance -Inc"));
        Assert.Contains("-ExpectedEncryptionContext", Complete("Unprotect-File -Expected"));
    }

    [Fact]
    public void EnumValuesComplete()
    {
        Assert.Equal(["PendingDeletion"], Complete("Get-EncKey -KeyState Pend"));
        Assert.Contains("Critical", Complete("Test-EncryptionCompliance -MinimumSeverity C"));
    }
}
