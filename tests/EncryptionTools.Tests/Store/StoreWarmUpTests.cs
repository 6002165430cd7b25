using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
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
        foreach (var (type, property) in SchemaProperties(typeof(StoreDocument), []))
            Assert.True(names.Contains(JsonNamingPolicy.CamelCase.ConvertName(property.Name)), $"The warm-up sample has no {type.Name}.{property.Name}.");
    }

    private static void Collect(JsonElement element, HashSet<string> names)
    {
        if (element.ValueKind == JsonValueKind.Object)
            foreach (var p in element.EnumerateObject()) { names.Add(p.Name); Collect(p.Value, names); }
        else if (element.ValueKind == JsonValueKind.Array)
            foreach (var e in element.EnumerateArray()) Collect(e, names);
    }

    /// <summary>Every serialized property of the schema's own record types, reached from the document.</summary>
    private static IEnumerable<(Type, PropertyInfo)> SchemaProperties(Type type, HashSet<Type> seen)
    {
        if (!seen.Add(type)) yield break;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is not null || property.SetMethod is null) continue;
            yield return (type, property);
            var inner = property.PropertyType.IsGenericType ? property.PropertyType.GetGenericArguments()[^1] : property.PropertyType;
            if (inner.Assembly == typeof(StoreDocument).Assembly && inner.IsClass)
                foreach (var nested in SchemaProperties(inner, seen)) yield return nested;
        }
    }
}
