using System.Text;
using System.Text.Json.Nodes;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

public class SchemaMigrationTests
{
    [Fact]
    public void An_older_data_schema_is_migrated_on_read_and_written_in_the_current_schema_by_the_next_write()
    {
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest { Description = "from the past" }).KeyId;
        var descriptor = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(t.File("store.json")));
        var storeId = descriptor.RootElement.GetProperty("storeId").GetString()!;
        var root = File.ReadAllBytes(t.File("root.key"));

        // Make a "version 0" file: the same document with the keys under an older property name, sealed as version 0.
        var sealedNow = File.ReadAllBytes(t.File("keys.dat"));
        var current = JsonNode.Parse(StoreFiles.Open(sealedNow, root, storeId, t.Location))!.AsObject();
        current["legacyKeys"] = current["keys"]!.DeepClone();
        current.Remove("keys");
        current["schemaVersion"] = 0;
        File.WriteAllBytes(t.File("keys.dat"), StoreFiles.Seal(Encoding.UTF8.GetBytes(current.ToJsonString()), root, storeId, 0));

        StoreSchema.DataMigrations[0] = doc =>
        {
            doc["keys"] = doc["legacyKeys"]!.DeepClone();
            doc.Remove("legacyKeys");
            doc["schemaVersion"] = 1;
        };
        try
        {
            Assert.Equal("from the past", t.Open().GetKey(id).Description);
            t.Open().NewKey(new NewKeyRequest());
            Assert.Equal(1, StoreFiles.SealedVersion(File.ReadAllBytes(t.File("keys.dat")), t.Location));
        }
        finally { StoreSchema.DataMigrations.Remove(0); }
        Assert.Equal(2, t.Open().GetKeys().Count);
    }

    [Fact]
    public void A_version_without_a_migration_is_refused_clearly()
    {
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest());
        var storeId = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(t.File("store.json"))).RootElement.GetProperty("storeId").GetString()!;
        var root = File.ReadAllBytes(t.File("root.key"));
        File.WriteAllBytes(t.File("keys.dat"), StoreFiles.Seal("{}"u8, root, storeId, 0));
        StoreAssert.Fails(StoreErrorIds.StoreUnsupported, () => t.Open().GetKeys());
    }
}
