using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EncryptionTools.Engine.Store;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Store;

/// <summary>
/// The store's hand-written reader against System.Text.Json with the store's options, the reader every store on disk
/// was read with before: random documents of every schema type read back to the same object, and documents damaged in
/// every way either fail in both (as JsonException) or read to the same object in both.
/// </summary>
public class StoreJsonReaderTests
{
    private static readonly JsonTypeInfo<StoreDescriptor> DescriptorInfo = StoreSchema.TypeInfo<StoreDescriptor>(StoreSchema.Json);

    [Fact]
    public void RandomDocumentsReadBackAsTheSerializerReadsThem()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var written = JsonSerializer.SerializeToUtf8Bytes((StoreDocument)Fill(typeof(StoreDocument), new Random(seed), 0), StoreSchema.DocumentInfo);
            Assert.Equal(Outcome(written, StoreSchema.DocumentInfo, b => JsonSerializer.Deserialize(b, StoreSchema.DocumentInfo)), Outcome(written, StoreSchema.DocumentInfo, b => StoreJsonReader.ReadDocument(b)));
            Assert.Equal("read:" + Encoding.UTF8.GetString(written), Outcome(written, StoreSchema.DocumentInfo, b => StoreJsonReader.ReadDocument(b)));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void RandomDescriptorsReadBackAsTheSerializerReadsThem()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var written = JsonSerializer.SerializeToUtf8Bytes((StoreDescriptor)Fill(typeof(StoreDescriptor), new Random(seed), 0), DescriptorInfo);
            Assert.Equal("read:" + Encoding.UTF8.GetString(written), Outcome(written, DescriptorInfo, b => StoreJsonReader.ReadDescriptor(b)));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void DamagedDocumentsFailOrReadExactlyAsTheSerializerReadsThem()
    {
        var seeds = Enumerable.Range(0, 8).Select(i => JsonSerializer.SerializeToUtf8Bytes((StoreDocument)Fill(typeof(StoreDocument), new Random(i), 0), StoreSchema.DocumentInfo))
            .Append(StoreWarmUp.SampleDocument.ToArray()).ToArray();
        var outcomes = new HashSet<string>();
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var rng = new Random(seed);
            var damaged = Damage(seeds[rng.Next(seeds.Length)], rng);
            var expected = Outcome(damaged, StoreSchema.DocumentInfo, b => JsonSerializer.Deserialize(b, StoreSchema.DocumentInfo));
            Assert.Equal(expected, Outcome(damaged, StoreSchema.DocumentInfo, b => StoreJsonReader.ReadDocument(b)));
            outcomes.Add(expected[..expected.IndexOf(':', StringComparison.Ordinal)]);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
        // Both kinds of outcome were met: the damage is neither always fatal nor always harmless.
        Assert.Equal(["invalid", "read"], outcomes.Order());
    }

    [Fact]
    public void DamagedDescriptorsFailOrReadExactlyAsTheSerializerReadsThem()
    {
        var seeds = Enumerable.Range(0, 8).Select(i => JsonSerializer.SerializeToUtf8Bytes((StoreDescriptor)Fill(typeof(StoreDescriptor), new Random(i), 0), DescriptorInfo)).ToArray();
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var rng = new Random(seed);
            var damaged = Damage(seeds[rng.Next(seeds.Length)], rng);
            Assert.Equal(Outcome(damaged, DescriptorInfo, b => JsonSerializer.Deserialize(b, DescriptorInfo)), Outcome(damaged, DescriptorInfo, b => StoreJsonReader.ReadDescriptor(b)));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1500));
    }

    [Fact]
    public void EveryValueReplacedByEveryOtherKindReadsAsTheSerializerReadsIt()
    {
        // Exhaustive over the places of two documents and two descriptors: a random place would rarely be the one a
        // reader gets wrong.
        var documents = new[] { StoreWarmUp.SampleDocument.ToArray(), JsonSerializer.SerializeToUtf8Bytes((StoreDocument)Fill(typeof(StoreDocument), new Random(7), 0), StoreSchema.DocumentInfo) };
        var descriptors = new[] { 1, 2 }.Select(i => JsonSerializer.SerializeToUtf8Bytes((StoreDescriptor)Fill(typeof(StoreDescriptor), new Random(i), 0), DescriptorInfo));
        var compared = 0;
        foreach (var (seed, isDocument) in documents.Select(d => (d, true)).Concat(descriptors.Select(d => (d, false))))
        {
            var places = Places(JsonNode.Parse(seed)!).Count;
            for (var place = 0; place < places; place++)
            {
                foreach (var replacement in Replacements)
                {
                    var root = JsonNode.Parse(seed)!;
                    var damaged = Encoding.UTF8.GetBytes(ReplaceAt(root, Places(root)[place], replacement));
                    if (isDocument)
                        Assert.Equal(Outcome(damaged, StoreSchema.DocumentInfo, b => JsonSerializer.Deserialize(b, StoreSchema.DocumentInfo)), Outcome(damaged, StoreSchema.DocumentInfo, b => StoreJsonReader.ReadDocument(b)));
                    else
                        Assert.Equal(Outcome(damaged, DescriptorInfo, b => JsonSerializer.Deserialize(b, DescriptorInfo)), Outcome(damaged, DescriptorInfo, b => StoreJsonReader.ReadDescriptor(b)));
                    compared++;
                }
            }
        }
        Assert.True(compared > 3000, $"{compared} comparisons");
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{} {}")]
    [InlineData("{\"keys\":[}")]
    [InlineData("{\"keys\":[],}")]
    [InlineData("{/* c */}")]
    [InlineData("{\"revision\":1.0}")]
    [InlineData("{\"revision\":\"1\"}")]
    [InlineData("{\"creationDate\":\"yesterday\"}")]
    [InlineData("{\"auditKey\":\"not base64\"}")]
    [InlineData("{\"keys\":[{\"keyState\":\"enabled\"}]}")]
    [InlineData("{\"keys\":[{\"keyState\":\"Enabled,Disabled\"}]}")]
    [InlineData("{\"keys\":[{\"keyState\":7}]}")]
    [InlineData("{\"keys\":[{\"\\u006beyId\":\"escaped name\"}]}")]
    [InlineData("{\"storeId\":\"a\",\"storeId\":\"b\"}")]
    [InlineData("{\"StoreId\":\"other case\"}")]
    [InlineData("{\"keys\":[{\"grants\":[{\"a\":1}]}]}")]
    [InlineData("{\"keys\":[{\"grants\":[1]}]}")]
    [InlineData("{\"keys\":[{\"tags\":{\"a\":\"1\",\"a\":\"2\",\"b\":null}}]}")]
    [InlineData("{\"keys\":[null,{\"versions\":[null]}]}")]
    public void EdgeCasesReadAsTheSerializerReadsThem(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        Assert.Equal(Outcome(utf8, StoreSchema.DocumentInfo, b => JsonSerializer.Deserialize(b, StoreSchema.DocumentInfo)),
            Outcome(utf8, StoreSchema.DocumentInfo, b => StoreJsonReader.ReadDocument(b)));
    }

    /// <summary>"read:" and the object as the serializer writes it, "null", or "invalid:" for a JsonException (any other exception fails the test).</summary>
    private static string Outcome<T>(byte[] utf8, JsonTypeInfo<T> info, Func<byte[], T?> read) where T : class
    {
        try
        {
            return read(utf8) is { } value ? "read:" + JsonSerializer.Serialize(value, info) : "null:";
        }
        catch (JsonException)
        {
            return "invalid:";
        }
    }

    // Random values of every serialized property, found by reflection so that a property added to the schema is met here
    // without a change to this test.

    private static readonly NullabilityInfoContext Nullability = new();

    private static object Fill(Type type, Random rng, int depth)
    {
        var instance = Activator.CreateInstance(type, nonPublic: true)!;
        foreach (var (owner, property, _) in StoreSchemaProperties.Of(type))
        {
            if (owner != type || property.SetMethod is not { IsPublic: true }) continue;
            var nullable = Nullability.Create(property).WriteState == NullabilityState.Nullable;
            property.SetValue(instance, nullable && rng.Next(4) == 0 ? null : Value(property.PropertyType, rng, depth + 1));
        }
        return instance;
    }

    /// <summary>A random non-null value of the type (null only where the schema's type allows it).</summary>
    private static object Value(Type type, Random rng, int depth)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying) return Value(underlying, rng, depth);
        if (type == typeof(string)) return Text(rng);
        if (type == typeof(int)) return rng.Next(6) switch { 0 => int.MinValue, 1 => int.MaxValue, _ => rng.Next(-3, 5000) };
        if (type == typeof(long)) return rng.Next(6) switch { 0 => long.MinValue, 1 => long.MaxValue, _ => rng.NextInt64(-3, 1L << 40) };
        if (type == typeof(bool)) return rng.Next(2) == 0;
        if (type == typeof(DateTimeOffset))
            return new DateTimeOffset(rng.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay), TimeSpan.FromMinutes(rng.Next(-14 * 60, 14 * 60 + 1)));
        if (type == typeof(byte[])) return RandomBytes(rng);
        if (type.IsEnum)
        {
            var values = Enum.GetValues(type);
            return rng.Next(8) == 0 ? Enum.ToObject(type, rng.Next(-2, 50)) : values.GetValue(rng.Next(values.Length))!;
        }
        if (type == typeof(JsonObject)) return new JsonObject { ["name"] = Text(rng), ["n"] = rng.Next() };
        if (type == typeof(Dictionary<string, string>))
        {
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = rng.Next(4); i > 0; i--) tags[Text(rng)] = Text(rng);
            return tags;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (System.Collections.IList)Activator.CreateInstance(type)!;
            for (var i = depth > 3 ? 0 : rng.Next(4); i > 0; i--) list.Add(Value(type.GetGenericArguments()[0], rng, depth + 1));
            return list;
        }
        if (type.Assembly == typeof(StoreDocument).Assembly && type.IsClass) return Fill(type, rng, depth);
        throw new InvalidOperationException($"No random values for {type}: teach this test the new property type.");
    }

    private static string Text(Random rng)
    {
        string[] pieces = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\u0001", "\u007f", "é", "ü", "✓", "\U0001F510", "<", "&", "'", "alias/x", "user:bob", ":"];
        var text = new StringBuilder();
        for (var i = rng.Next(12); i > 0; i--) text.Append(pieces[rng.Next(pieces.Length)]);
        return text.ToString();
    }

    private static byte[] RandomBytes(Random rng)
    {
        var bytes = new byte[rng.Next(48)];
        rng.NextBytes(bytes);
        return bytes;
    }

    // Damage: a value replaced by one of another kind, a property removed, a property repeated (before or after the
    // original, which decides which one wins), an unknown or differently cased property added, or the text cut or extended.

    private static readonly string[] Replacements =
    [
        "null", "0", "-1", "1.5", "1e3", "2147483648", "9223372036854775808", "true", "false", "\"\"", "\"x\"", "\"Enabled\"", "\"enabled\"",
        "\"RSA_3072\"", "\"AwsKms\"", "\"3\"", "\"2026-01-01T00:00:00Z\"", "\"2026-13-01\"", "\"AAAA\"", "\"AA=\"", "{}", "[]", "[null]", "[1]",
        "[\"a\"]", "{\"a\":null}", "{\"a\":\"b\"}", "[{}]", "\"\\u0041\"", "\"\\ud800\"",
    ];

    private static byte[] Damage(byte[] json, Random rng)
    {
        var root = JsonNode.Parse(json)!;
        var slots = Places(root);
        var names = Names.Value;
        var text = rng.Next(7) switch
        {
            0 => ReplaceAt(root, slots[rng.Next(slots.Count)], Replacements[rng.Next(Replacements.Length)]),
            1 => RemoveAt(root, slots[rng.Next(slots.Count)]),
            2 or 3 => Repeat(root, slots, rng, names[rng.Next(names.Length)], Replacements[rng.Next(Replacements.Length)]),
            4 => Repeat(root, slots, rng, rng.Next(2) == 0 ? "unknown" : Capitalized(names[rng.Next(names.Length)]), Replacements[rng.Next(Replacements.Length)]),
            5 => root.ToJsonString() + (rng.Next(2) == 0 ? " " : Replacements[rng.Next(Replacements.Length)]),
            _ => root.ToJsonString()[..rng.Next(root.ToJsonString().Length)],
        };
        return Encoding.UTF8.GetBytes(text);
    }

    private static readonly Lazy<string[]> Names = new(() => StoreSchemaProperties.Of(typeof(StoreDocument)).Concat(StoreSchemaProperties.Of(typeof(StoreDescriptor)))
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Property.Name)).Distinct().ToArray());

    private static string Capitalized(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    /// <summary>Every property and array element of the document, in document order.</summary>
    private static List<(JsonNode Parent, string? Name, int Index)> Places(JsonNode root)
    {
        var places = new List<(JsonNode, string?, int)>();
        Collect(root, places);
        return places;
    }

    private static void Collect(JsonNode node, List<(JsonNode, string?, int)> slots)
    {
        if (node is JsonObject o)
        {
            foreach (var (name, child) in o.ToList())
            {
                slots.Add((o, name, -1));
                if (child is not null) Collect(child, slots);
            }
        }
        else if (node is JsonArray a)
        {
            for (var i = 0; i < a.Count; i++)
            {
                slots.Add((a, null, i));
                if (a[i] is { } child) Collect(child, slots);
            }
        }
    }

    /// <summary>A property or a string value unique in the document, put where the damage goes and then replaced by raw text.</summary>
    private const string Marker = "marker-4f1c";

    private static string ReplaceAt(JsonNode root, (JsonNode Parent, string? Name, int Index) slot, string replacement)
    {
        if (slot.Parent is JsonObject o) o[slot.Name!] = Marker;
        else ((JsonArray)slot.Parent)[slot.Index] = Marker;
        return root.ToJsonString().Replace($"\"{Marker}\"", replacement, StringComparison.Ordinal);
    }

    private static string RemoveAt(JsonNode root, (JsonNode Parent, string? Name, int Index) slot)
    {
        if (slot.Parent is JsonObject o) o.Remove(slot.Name!);
        else ((JsonArray)slot.Parent).RemoveAt(slot.Index);
        return root.ToJsonString();
    }

    private static string Repeat(JsonNode root, List<(JsonNode Parent, string? Name, int Index)> slots, Random rng, string name, string value)
    {
        var objects = slots.Select(s => s.Parent).OfType<JsonObject>().Distinct().Prepend(root as JsonObject).OfType<JsonObject>().ToArray();
        var target = objects[rng.Next(objects.Length)];
        if (rng.Next(2) == 0) target.Insert(0, Marker, 0);
        else target[Marker] = 0;
        return root.ToJsonString().Replace($"\"{Marker}\":0", JsonSerializer.Serialize(name) + ":" + value, StringComparison.Ordinal);
    }
}
