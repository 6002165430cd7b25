using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Compliance.Rules;

namespace EncryptionTools.Tests.Compliance;

/// <summary>
/// A rule is one class in Compliance/Rules/ and one line of <see cref="ComplianceRuleRegistry"/>: every rule class is
/// registered once, in id order, and the catalog is the registry's.
/// </summary>
public class RuleRegistryTests
{
    private static readonly IReadOnlyList<ComplianceRuleBase> Registered = ComplianceRuleRegistry.Create();

    [Fact]
    public void EveryRuleClassIsRegisteredOnceInIdOrder()
    {
        var classes = typeof(ComplianceRuleBase).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false } && t.IsSubclassOf(typeof(ComplianceRuleBase))).ToList();
        Assert.Equal(classes.Select(t => t.Name).Order(StringComparer.Ordinal), Registered.Select(r => r.GetType().Name).Order(StringComparer.Ordinal));
        Assert.Equal(Registered.Select(r => r.Id).Order(StringComparer.Ordinal), Registered.Select(r => r.Id));
        Assert.Equal(Registered.Count, Registered.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Registered.Count, Registered.Select(r => r.Info.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void EachRuleIsOneClassInItsOwnFileNamedForIt()
    {
        foreach (var rule in Registered)
        {
            var type = rule.GetType();
            Assert.Equal(rule.Info.Name + "Rule", type.Name);
            Assert.Equal("EncryptionTools.Engine.Compliance.Rules", type.Namespace);
            var file = Path.Combine(Engine.RepoPaths.Root, "src", "EncryptionTools.Engine", "Compliance", "Rules", type.Name + ".cs");
            Assert.True(File.Exists(file), $"{rule.Id} must live in {file}.");
            Assert.Equal(rule.Id, (string)type.GetField("RuleId")!.GetRawConstantValue()!);
        }
    }

    [Fact]
    public void TheCatalogIsTheRegistry() =>
        Assert.Equal(Registered.Select(r => r.Info), ComplianceRules.All);

    [Fact]
    public void EachRunGetsItsOwnRuleObjects() =>
        Assert.All(ComplianceRuleRegistry.Create().Zip(Registered), pair => Assert.NotSame(pair.First, pair.Second));
}
