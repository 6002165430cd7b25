using System.Text.Json;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

/// <summary>
/// The import-time warm-up of the store's first-use work must run through, on a sample that still covers the schema:
/// either going wrong would only show as a slower first command. (That it leaves no trace is tested in a real pwsh.)
/// </summary>
public class StoreWarmUpTests
{
    [Fact]
    public void EveryStepRunsOnTheSampleDocument()
    {
        Assert.True(StoreWarmUp.Run());
    }

    [Fact]
    public void TheSampleSetsEveryPropertyOfTheDataSchema()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        Collect(JsonDocument.Parse(StoreWarmUp.SampleDocument.ToArray()).RootElement, names);
        foreach (var (type, property, _) in StoreSchemaProperties.Of(typeof(StoreDocument)).Where(p => p.Property.SetMethod is not null))
            Assert.True(names.Contains(JsonNamingPolicy.CamelCase.ConvertName(property.Name)), $"The warm-up sample has no {type.Name}.{property.Name}.");
    }

    private static void Collect(JsonElement element, HashSet<string> names)
    {
        if (element.ValueKind == JsonValueKind.Object)
            foreach (var p in element.EnumerateObject()) { names.Add(p.Name); Collect(p.Value, names); }
        else if (element.ValueKind == JsonValueKind.Array)
            foreach (var e in element.EnumerateArray()) Collect(e, names);
    }
}
