using System.Management.Automation.Runspaces;

namespace EncryptionTools.PowerShell.Tests;

/// <summary>
/// The runbook of the issue: a session writes `'p@ss' | Protect-EncData -KeyId alias/app` into a config file, and a later
/// session (a runspace of its own, sharing nothing in memory with the first) reads it back with -AsSecureString.
/// </summary>
public sealed class DataLaterSessionTests
{
    private static List<object> RunAlone(string script)
    {
        using var runspace = RunspaceFactory.CreateRunspace(ExampleFixture.Session(pester: false));
        runspace.Open();
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript("$ErrorActionPreference = 'Stop'\n" + script);
        var output = ps.Invoke().Select(o => o.BaseObject).ToList();
        Assert.True(ps.Streams.Error.Count == 0, string.Join("; ", ps.Streams.Error));
        return output;
    }

    [Fact]
    public void ASecretSavedByOneSessionIsReadBackAsASecureStringByALaterOne()
    {
        using var box = new Sandbox();
        var store = box.StorePath.Replace("'", "''");
        var config = Path.Combine(box.Root, "app.config.secret").Replace("'", "''");
        RunAlone($"""
            New-EncKey -Alias alias/app -StorePath '{store}' | Out-Null
            $secret = 'p@ss' | Protect-EncData -KeyId alias/app -StorePath '{store}'
            Set-Content -LiteralPath '{config}' -Value $secret
            """);
        Assert.DoesNotContain("p@ss", File.ReadAllText(Path.Combine(box.Root, "app.config.secret")), StringComparison.Ordinal);

        var later = RunAlone($"Get-Content -LiteralPath '{config}' | Unprotect-EncData -AsSecureString -StorePath '{store}'");
        var secure = Assert.IsType<System.Security.SecureString>(Assert.Single(later));
        Assert.Equal("p@ss", new System.Net.NetworkCredential("", secure).Password);
    }
}
