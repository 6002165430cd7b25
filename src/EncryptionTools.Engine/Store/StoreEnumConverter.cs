using System.Text.Json;
using System.Text.Json.Serialization;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// An enum of the store's documents as its member name, as System.Text.Json's string enum converter writes it. Built
/// here because that converter reflects over the enum's members when it is created, once per enum: a large part of
/// the cost of a process's first store read. Reads what it wrote before: names (any case) and integer values; anything else, such
/// as a name this version does not define, is invalid data.
/// </summary>
internal sealed class StoreEnumConverter<T> : JsonConverter<T> where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var text = reader.GetString();
                // Enum.TryParse also takes digits, padding and comma lists; a stored value is exactly one member's name.
                if (Enum.TryParse<T>(text, ignoreCase: true, out var named) && Enum.IsDefined(named)
                    && string.Equals(named.ToString(), text, StringComparison.OrdinalIgnoreCase))
                    return named;
                break;
            case JsonTokenType.Number when reader.TryGetInt32(out var number):
                return (T)Enum.ToObject(typeof(T), number);
        }
        throw new JsonException($"Not a {typeof(T).Name} value.");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        if (Enum.IsDefined(value)) writer.WriteStringValue(value.ToString());
        else writer.WriteNumberValue(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
