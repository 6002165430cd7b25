using System.Text.Json;
using System.Text.Json.Serialization;

namespace EncryptionTools.Engine.Store;

/// <summary>
/// An enum of the store's documents as its member name, as System.Text.Json's string enum converter writes it. Built
/// here because that converter reflects over the enum's members when it is created, once per enum, a cost the first
/// write of every process would pay. Reads what it wrote before, by the store reader's rule
/// (<see cref="StoreJsonReader.Member"/>): names (any case) and integer values; anything else, such as a name this version
/// does not define, is invalid data.
/// </summary>
internal sealed class StoreEnumConverter<T> : JsonConverter<T> where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        (T)Enum.ToObject(typeof(T), StoreJsonReader.Member(ref reader, typeof(T)));

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        if (Enum.IsDefined(value)) writer.WriteStringValue(value.ToString());
        else writer.WriteNumberValue(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
