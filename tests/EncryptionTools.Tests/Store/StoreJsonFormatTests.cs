using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

/// <summary>
/// The store's on-disk JSON is written through source-generated metadata (the CLI is Native AOT); these pin it to the
/// exact text the reflection serializer wrote before, so existing stores keep opening and new ones stay readable by
/// older modules.
/// </summary>
public class StoreJsonFormatTests
{
    // The options the store used with reflection: what every existing store on disk was written with.
    private static readonly JsonSerializerOptions Reflection = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    [Fact]
    public void The_data_and_descriptor_files_are_exactly_what_the_reflection_serializer_writes()
    {
        using var t = new TestStore();
        var sym = t.Store.NewKey(new NewKeyRequest
        {
            Description = "quotes \" <tags> & ünïcode ✓",
            Alias = "alias/sym",
            Tags = new Dictionary<string, string> { ["team"] = "payroll", ["note"] = "a\"b<c>" },
            RotationEnabled = true,
            RotationPeriodInDays = 90,
        });
        var rsa = t.Store.NewKey(new NewKeyRequest { KeySpec = KeySpec.RSA_3072, Exportable = true });
        t.Store.RotateKey(sym.KeyId);
        t.Store.DisableKey(rsa.KeyId);
        t.Store.ScheduleKeyDeletion(rsa.KeyId, 7);
        t.Store.NewAlias("alias/second", sym.KeyId);
        t.Store.CreateGrant(new GrantRequest(sym.KeyId, Principal.User("bob"), [GrantOperation.Decrypt, GrantOperation.Encrypt])
        {
            Constraints = GrantConstraints.Equal(new Dictionary<string, string> { ["dept"] = "h\"r <x> é" }),
            Name = "payroll:batch/1",
        });

        var storeId = JsonDocument.Parse(File.ReadAllBytes(t.File("store.json"))).RootElement.GetProperty("storeId").GetString()!;
        var plaintext = StoreFiles.Open(File.ReadAllBytes(t.File("keys.dat")), File.ReadAllBytes(t.File("root.key")), storeId, t.Location);
        var written = Encoding.UTF8.GetString(plaintext);
        var doc = JsonSerializer.Deserialize<StoreDocument>(plaintext, Reflection)!;
        Assert.Equal(JsonSerializer.Serialize(doc, Reflection), written);
        Assert.Contains("\"keySpec\":\"RSA_3072\"", written, StringComparison.Ordinal);
        Assert.Contains("\"keyState\":\"PendingDeletion\"", written, StringComparison.Ordinal);
        Assert.Contains("ünïcode ✓", written, StringComparison.Ordinal);

        // Indented, camelCase, enums as names, nulls left out.
        var descriptorText = File.ReadAllText(t.File("store.json"));
        var descriptor = JsonSerializer.Deserialize<StoreDescriptor>(descriptorText, Reflection)!;
        Assert.Equal(JsonSerializer.Serialize(descriptor, new JsonSerializerOptions(Reflection) { WriteIndented = true }), descriptorText);
        Assert.Contains("\"protection\": \"File\"", descriptorText, StringComparison.Ordinal);
        Assert.DoesNotContain("null", descriptorText, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_written_by_the_reflection_serializer_reads_back_identically()
    {
        using var t = new TestStore();
        var key = t.Store.NewKey(new NewKeyRequest { Description = "before", Alias = "alias/old" });
        var storeId = JsonDocument.Parse(File.ReadAllBytes(t.File("store.json"))).RootElement.GetProperty("storeId").GetString()!;
        var root = File.ReadAllBytes(t.File("root.key"));
        var doc = JsonSerializer.Deserialize<StoreDocument>(StoreFiles.Open(File.ReadAllBytes(t.File("keys.dat")), root, storeId, t.Location), Reflection)!;

        // Enum values as numbers were also accepted by the reflection reader; keep accepting them.
        var text = JsonSerializer.Serialize(doc, Reflection).Replace("\"keyState\":\"Enabled\"", "\"keyState\":0", StringComparison.Ordinal);
        File.WriteAllBytes(t.File("keys.dat"), StoreFiles.Seal(Encoding.UTF8.GetBytes(text), root, storeId, StoreSchema.CurrentDataVersion));

        var read = t.Open().GetKey("alias/old");
        Assert.Equal(key.KeyId, read.KeyId);
        Assert.Equal(KeyState.Enabled, read.KeyState);
        Assert.Equal("before", read.Description);
    }

    // Written by GrantSet.ToJson with the reflection serializer: the grant list as stored inside keys.dat.
    private const string StoredGrants =
        """{"Version":1,"Grants":[{"GrantId":"g1","KeyId":"k1","Name":"n:1/x_y-z","GranteePrincipal":"user:bob","RetiringPrincipal":"user:carl","Operations":["Decrypt","Encrypt"],"EncryptionContextSubset":{"dept":"h\u0022r \u003Cx\u003E \u00E9"},"CreationDate":"2025-01-01T10:20:30+02:00","IssuingPrincipal":"user:o"},{"GrantId":"g2","KeyId":"k2","GranteePrincipal":"uid:0","Operations":["DescribeKey"],"EncryptionContextEquals":{"a":"b"},"CreationDate":"2025-02-03T04:05:06.789+00:00","IssuingPrincipal":"sid:S-1-5-21-1-2-3-1001"}]}""";

    [Fact]
    public void The_stored_grant_list_keeps_its_exact_format()
    {
        Assert.Equal(StoredGrants, GrantSet.FromJson(StoredGrants).ToJson());
        // Operations as numbers were accepted by the reflection reader too.
        var numeric = GrantSet.FromJson(StoredGrants.Replace("[\"DescribeKey\"]", "[8]", StringComparison.Ordinal));
        Assert.Equal([GrantOperation.DescribeKey], numeric.Grants[1].Operations);
    }
}
