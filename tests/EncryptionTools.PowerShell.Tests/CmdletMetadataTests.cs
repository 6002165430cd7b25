namespace EncryptionTools.PowerShell.Tests;

/// <summary>What PowerShell itself sees of every exported cmdlet: the online help link and the declared output types.</summary>
[Collection(ModuleCollection.Name)]
public sealed class CmdletMetadataTests(ModuleRunspace ps)
{
    private const string DocsBase = "https://github.com/encryptiontools/EncryptionTools/blob/main/docs/";

    [Fact]
    public void EveryCmdletHasAHelpUriToItsDocsPageAndAnOutputType()
    {
        var r = ps.Run("""
            Get-Command -Module EncryptionTools -CommandType Cmdlet | ForEach-Object {
                "$($_.Name)|$($_.HelpUri)|$(@($_.OutputType).Count)"
            }
            """);
        r.AssertNoErrors();
        Assert.True(r.Output.Count >= 30);
        foreach (var line in r.Output.Select(o => o.ToString()!))
        {
            var (name, uri, outputs) = (line.Split('|')[0], line.Split('|')[1], int.Parse(line.Split('|')[2]));
            Assert.Equal(DocsBase + name + ".md", uri);
            Assert.True(outputs > 0, $"{name} declares no [OutputType].");
        }
    }

    [Fact]
    public void GetHelpOnlineOpensTheSamePageTheCmdletNames()
    {
        // Get-Help -Online takes the first related link that is a URI; it must be the cmdlet's own page.
        var r = ps.Run("""
            foreach ($name in 'Protect-File', 'Get-EncKey', 'Test-EncryptionCompliance') {
                $help = Get-Help $name -Full
                "$name|$(@($help.relatedLinks.navigationLink | Where-Object uri)[0].uri)|$((Get-Command $name).HelpUri)"
            }
            """);
        r.AssertNoErrors();
        foreach (var line in r.Output.Select(o => o.ToString()!))
        {
            var parts = line.Split('|');
            Assert.Equal(DocsBase + parts[0] + ".md", parts[1]);
            Assert.Equal(parts[1], parts[2]);
        }
    }
}
