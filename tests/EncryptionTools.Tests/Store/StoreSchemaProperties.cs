using System.Reflection;
using System.Text.Json.Serialization;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

/// <summary>Every property System.Text.Json reads and writes on the store's own record types, reached from a document type.</summary>
internal static class StoreSchemaProperties
{
    /// <summary>Each serialized property with its owner and its value type (a list's or a dictionary's element, a nullable's underlying type).</summary>
    public static IEnumerable<(Type Owner, PropertyInfo Property, Type Value)> Of(Type root) => Walk(root, []);

    private static IEnumerable<(Type, PropertyInfo, Type)> Walk(Type type, HashSet<Type> seen)
    {
        if (!seen.Add(type)) yield break;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is not null) continue;
            var value = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (value.IsGenericType) value = value.GetGenericArguments()[^1];
            yield return (type, property, value);
            if (value.Assembly == typeof(StoreDocument).Assembly && value.IsClass)
                foreach (var inner in Walk(value, seen)) yield return inner;
        }
    }
}
