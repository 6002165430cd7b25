using EncryptionTools.Engine.Access;
using EncryptionTools.HelpGen;
using EncryptionTools.Tests.Module;

namespace EncryptionTools.Tests.Access;

public class OperationActionMapTests
{
    [Theory]
    [InlineData("Protect-File", "kms:GenerateDataKey on the primary key; kms:Encrypt on each additional key (when more than one key is given)")]
    [InlineData("Unprotect-File", "kms:Decrypt on the key that decrypts the data key")]
    [InlineData("enctools decrypt", "kms:Decrypt on the key that decrypts the data key")]
    [InlineData("Update-EncFileKey", "kms:ReEncryptFrom on the old key; kms:ReEncryptTo on the new key")]
    [InlineData("Get-EncKey", "kms:DescribeKey on the key")]
    [InlineData("New-EncKeyAlias", "kms:CreateAlias on the key")]
    [InlineData("Set-EncKeyAlias", "kms:UpdateAlias on the alias's current key; kms:UpdateAlias on the alias's new key")]
    [InlineData("Invoke-EncKeyRotation", "kms:RotateKeyOnDemand on the key")]
    [InlineData("Remove-EncKey", "kms:ScheduleKeyDeletion on the key")]
    [InlineData("Get-EncKeyPolicy", "kms:GetKeyPolicy on the key")]
    [InlineData("Set-EncKeyPolicy", "kms:PutKeyPolicy on the key")]
    [InlineData("Grant-EncKeyAccess", "kms:CreateGrant on the key")]
    [InlineData("Get-EncKeyGrant", "kms:ListGrants on the key")]
    [InlineData("Export-EncKey", "kms:ExportKeyMaterial on the key")]
    [InlineData("Revoke-EncKeyAccess", "kms:RevokeGrant on the key")]
    [InlineData("Test-EncryptionCompliance", "kms:DescribeKey on the key; kms:GetKeyPolicy on the key; kms:ListGrants on the key")]
    public void TheCmdletsNeedTheDocumentedActions(string name, string needs)
    {
        var rows = OperationActionMap.For(name);
        Assert.NotEmpty(rows);
        Assert.Equal(needs, string.Join("; ", rows[0].Requirements.Select(r => r.ToString())));
    }

    [Fact]
    public void RevokeAndRetireAreDifferentRules()
    {
        Assert.Equal(KmsActions.RevokeGrant, Assert.Single(Assert.Single(OperationActionMap.For("Revoke-EncKeyAccess")).Requirements).Action);
        var retire = Assert.Single(OperationActionMap.For("Remove-EncKeyGrant"));
        Assert.Empty(retire.Requirements);
        Assert.Contains("retiring principal", retire.StoreRule, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCompiledCmdletHasARow()
    {
        foreach (var name in ModuleLayout.Cmdlets.Keys)
            Assert.True(OperationActionMap.For(name).Count > 0, $"{name} has no row in OperationActionMap.");
    }

    [Fact]
    public void EveryRowIsWellFormed()
    {
        Assert.Equal(OperationActionMap.All.Count, OperationActionMap.All.Select(o => o.Operation).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var row in OperationActionMap.All)
        {
            Assert.True(row.Requirements.Count > 0 || row.StoreRule is not null, row.Operation);
            Assert.All(row.Requirements, r => Assert.Contains(r.Action, KmsActions.Local));
            if (row.WithEncryptionContext)
                Assert.All(row.Requirements, r => Assert.Contains(r.Action, KmsActions.TakesEncryptionContext));
            if (row.Cmdlet is not null) Assert.Matches("^[A-Z][a-z]+-[A-Z][A-Za-z]+$", row.Cmdlet);
        }
    }

    private static string Doc(string name) => Path.Combine(ModuleLayout.RepoRoot, "docs", name);

    [Fact]
    public void ThePoliciesTopicCarriesTheGeneratedTable()
    {
        var text = File.ReadAllText(Doc("about_EncryptionTools_Policies.md")).Replace("\r\n", "\n");
        Assert.Contains(OperationActionMap.ToMarkdown(), text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("about_EncryptionTools_Policies.md")]
    [InlineData("about_EncryptionTools_Security.md")]
    public void TheAboutTopicsConvertToHelpText(string name)
    {
        var help = AboutHelpConverter.ConvertFile(Doc(name));
        Assert.StartsWith("TOPIC\n    " + Path.GetFileNameWithoutExtension(name), help, StringComparison.Ordinal);
        Assert.Contains("SHORT DESCRIPTION", help, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePoliciesTopicsExamplesAreValidPolicies()
    {
        var text = File.ReadAllText(Doc("about_EncryptionTools_Policies.md")).Replace("\r\n", "\n");
        var blocks = text.Split("```json\n").Skip(1).Select(b => b[..b.IndexOf("```", StringComparison.Ordinal)]).ToArray();
        Assert.True(blocks.Length >= 4, "the topic should show several policies");
        foreach (var block in blocks) Assert.NotEmpty(KeyPolicy.Parse(block).Statements);
    }
}
