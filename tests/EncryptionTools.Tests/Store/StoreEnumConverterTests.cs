using System.Text.Json;
using System.Text.Json.Serialization;
using EncryptionTools.Engine.Store;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Store;

/// <summary>
/// The store's own enum converter against the System.Text.Json string enum converter it replaced: every stored value
/// reads back as before and is written the same, and nothing but a member's name or an integer is read.
/// </summary>
public class StoreEnumConverterTests
{
    /// <summary>Every enum of the document and the descriptor.</summary>
    private static readonly Type[] Enums = StoreSchemaProperties.Of(typeof(StoreDocument)).Concat(StoreSchemaProperties.Of(typeof(StoreDescriptor)))
        .Select(p => p.Value).Where(t => t.IsEnum).Distinct().ToArray();

    public static TheoryData<Type> SchemaEnums() => new(Enums);

    [Fact]
    public void TheSchemaHasEnums()
    {
        Assert.Contains(typeof(KeyState), Enums);
        Assert.Contains(typeof(StoreProtection), Enums);
        Assert.Contains(typeof(RotationType), Enums);
    }

    [Theory]
    [MemberData(nameof(SchemaEnums))]
    public void EveryEnumOfTheSchemaUsesTheStoreConverter(Type enumType)
    {
        // An enum added to the schema without one would be written as a number: a silent change of the store format.
        var converter = StoreSchema.Json.GetConverter(enumType);
        Assert.Equal(typeof(StoreEnumConverter<>).MakeGenericType(enumType), converter.GetType());
    }

    [Theory]
    [MemberData(nameof(SchemaEnums))]
    public void EveryValueIsWrittenAndReadAsTheFrameworkConverterDid(Type enumType)
    {
        var framework = new JsonSerializerOptions { Converters = { new JsonStringEnumConverter() } };
        foreach (var value in Enum.GetValues(enumType))
        {
            var before = JsonSerializer.Serialize(value, enumType, framework);
            Assert.Equal(before, JsonSerializer.Serialize(value, enumType, StoreSchema.Json));
            Assert.Equal(value, JsonSerializer.Deserialize(before, enumType, StoreSchema.Json));
            Assert.Equal(value, JsonSerializer.Deserialize(before.ToLowerInvariant(), enumType, StoreSchema.Json));
            Assert.Equal(value, JsonSerializer.Deserialize(Convert.ToInt32(value).ToString(), enumType, StoreSchema.Json));
        }
    }

    [Fact]
    public void OnlyAMembersNameIsReadFromAString()
    {
        var names = Enum.GetNames<KeySpec>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var text = Gen.Frequency(
            (3, Gen.Elements("SYMMETRIC_DEFAULT", "RSA_3072", "rsa_4096", "1", "-1", " RSA_3072", "RSA_3072 ", "RSA_3072,RSA_4096", "", "Rsa", "99")),
            (2, Gen.Elements("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789 ,-+".ToCharArray()).ArrayOf().Select(a => new string(a))));
        Prop.ForAll(text.ToArbitrary(), s =>
        {
            var json = JsonSerializer.Serialize(s);
            if (names.Contains(s)) Assert.Equal(Enum.Parse<KeySpec>(s, ignoreCase: true), JsonSerializer.Deserialize<KeySpec>(json, StoreSchema.Json));
            else Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<KeySpec>(json, StoreSchema.Json));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }
}
