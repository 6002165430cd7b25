using System.Collections;
using EncryptionTools.Engine.Compliance;

namespace EncryptionTools.Tests.Compliance;

/// <summary>Profiles from .psd1 text and from hashtables; every error names the field (and the line, for a file).</summary>
public sealed class ProfileTests
{
    [Fact]
    public void AFullPsd1ProfileParses()
    {
        var profile = ComplianceProfile.Parse("""
            # Finance share
            @{
                RequiredEncryptionContextKeys = @('dept', "classification")   # both
                MaximumKeyAgeDays = 365; MaximumKeyVersionLag = 1
                <# block
                   comment #>
                RequirePassword = $true
                AllowExportableKeys = $false
                RequireGrantConstraints = $TRUE
                RequireRotation = $false
                PathsThatMustBeEncrypted = '**/*.csv', '**/*.xlsx'
                Include = @()
                Exclude = @(
                    'tmp'
                    '*.log'
                )
                ExcludeRule = 'ET2004'
                'KeyId' = 'alias/finance'
            }
            """);
        Assert.Equal(["dept", "classification"], profile.RequiredEncryptionContextKeys);
        Assert.Equal(365, profile.MaximumKeyAgeDays);
        Assert.Equal(1, profile.MaximumKeyVersionLag);
        Assert.True(profile.RequirePassword);
        Assert.False(profile.AllowExportableKeys);
        Assert.True(profile.RequireGrantConstraints);
        Assert.False(profile.RequireRotation);
        Assert.Equal(["**/*.csv", "**/*.xlsx"], profile.PathsThatMustBeEncrypted);
        Assert.Empty(profile.Include);
        Assert.Equal(["tmp", "*.log"], profile.Exclude);
        Assert.Equal(["ET2004"], profile.ExcludeRule);
        Assert.Equal("alias/finance", profile.KeyId);
    }

    [Fact]
    public void AProfileFileLoads()
    {
        using var dir = new TempDir();
        var path = dir.Write("p.psd1", System.Text.Encoding.UTF8.GetBytes("@{ MaximumKeyAgeDays = 90 }"));
        Assert.Equal(90, ComplianceProfile.Load(path).MaximumKeyAgeDays);
    }

    [Theory]
    [InlineData("@{\n  RequirePasword = $true\n}", "RequirePasword", 2, "did you mean 'RequirePassword'")]
    [InlineData("@{\n\n  MaximumKeyAgeDays = 'a year'\n}", "MaximumKeyAgeDays", 3, "whole number")]
    [InlineData("@{ RequirePassword = 'yes' }", "RequirePassword", 1, "$true or $false")]
    [InlineData("@{ MaximumKeyVersionLag = -1 }", "MaximumKeyVersionLag", 1, "at least 0")]
    [InlineData("@{\n RequiredEncryptionContextKeys = @('dept', 3)\n}", "RequiredEncryptionContextKeys", 2, "only strings")]
    [InlineData("@{ ExcludeRule = 'ET9999' }", "ExcludeRule", 1, "matches no compliance rule")]
    [InlineData("@{ KeyId = @{ } }", "KeyId", 1, "non-empty string")]
    [InlineData("@{ MaximumKeyAgeDays = 1.5 }", "MaximumKeyAgeDays", 1, "whole number")]
    public void AnUnknownOrMistypedFieldIsAnErrorNamingItAndItsLine(string text, string field, int line, string what)
    {
        var ex = Assert.Throws<ComplianceProfileException>(() => ComplianceProfile.Parse(text, "finance.psd1"));
        Assert.Equal(field, ex.Field);
        Assert.Equal(line, ex.Line);
        Assert.Contains($"finance.psd1, line {line}: {field}:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
        Assert.Equal("ComplianceProfileInvalid", ex.ErrorId);
    }

    [Theory]
    [InlineData("@{\n  Include = 'a\n}", 2, "not closed")]
    [InlineData("@{\n  Include = \"$env:HOME\"\n}", 2, "cannot expand variables")]
    [InlineData("@{\n  RequirePassword = $yes\n}", 2, "$yes is not allowed")]
    [InlineData("@{\n  Include = Get-Date\n}", 2, "is not a value")]
    [InlineData("@{ Include = 'a' ", 1, "not closed")]
    [InlineData("'just a string'", 1, "one hashtable")]
    [InlineData("@{\n MaximumKeyAgeDays = 1\n MaximumKeyAgeDays = 2\n}", 3, "appears twice")]
    public void ASyntaxErrorNamesItsLine(string text, int line, string what)
    {
        var ex = Assert.Throws<ComplianceProfileException>(() => ComplianceProfile.Parse(text, "p.psd1"));
        Assert.Contains($"p.psd1, line {line}:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHashtableProfileConverts()
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase)
        {
            ["requiredencryptioncontextkeys"] = new object[] { "dept" },
            ["MaximumKeyAgeDays"] = 30,
            ["AllowExportableKeys"] = false,
            ["PathsThatMustBeEncrypted"] = "*.csv",
            ["MaximumKeyVersionLag"] = null,
        };
        var profile = ComplianceProfile.FromDictionary(table);
        Assert.Equal(["dept"], profile.RequiredEncryptionContextKeys);
        Assert.Equal(30, profile.MaximumKeyAgeDays);
        Assert.False(profile.AllowExportableKeys);
        Assert.Equal(["*.csv"], profile.PathsThatMustBeEncrypted);
        Assert.Null(profile.MaximumKeyVersionLag);
    }

    [Fact]
    public void AHashtableWithAnUnknownOrMistypedFieldNamesIt()
    {
        var unknown = Assert.Throws<ComplianceProfileException>(() => ComplianceProfile.FromDictionary(new Hashtable { ["MaxKeyAge"] = 3 }));
        Assert.Equal("MaxKeyAge", unknown.Field);
        Assert.Null(unknown.Line);
        Assert.Contains("MaxKeyAge", unknown.Message, StringComparison.Ordinal);
        var mistyped = Assert.Throws<ComplianceProfileException>(() => ComplianceProfile.FromDictionary(new Hashtable { ["RequireRotation"] = "no" }));
        Assert.Equal("RequireRotation", mistyped.Field);
        Assert.Contains("$true or $false", mistyped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultsAreDocumented()
    {
        var d = ComplianceProfile.Default;
        Assert.Empty(d.RequiredEncryptionContextKeys);
        Assert.Null(d.MaximumKeyAgeDays);
        Assert.Null(d.MaximumKeyVersionLag);
        Assert.False(d.RequirePassword);
        Assert.True(d.AllowExportableKeys);
        Assert.False(d.RequireGrantConstraints);
        Assert.True(d.RequireRotation);
        var page = File.ReadAllText(Path.Combine(Module.ModuleLayout.RepoRoot, "docs", "Test-EncryptionCompliance.md"));
        foreach (var field in ComplianceProfile.FieldNames) Assert.Contains($"`{field}`", page, StringComparison.Ordinal);
        foreach (var rule in ComplianceRules.All) Assert.Contains($"| {rule.Id} | {rule.Severity} |", page, StringComparison.Ordinal);
    }
}
