using EncryptionTools.Engine.Store;

namespace EncryptionTools.Tests.Store;

public class PermissionTests
{
    private const UnixFileMode Owner700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Owner600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void The_store_is_created_0700_with_files_0600()
    {
        if (OperatingSystem.IsWindows()) return;
        using var t = new TestStore();
        t.Store.NewKey(new NewKeyRequest());
        Assert.Equal(Owner700, File.GetUnixFileMode(t.Location));
        foreach (var file in Directory.GetFiles(t.Location))
            Assert.Equal(Owner600, File.GetUnixFileMode(file));
    }

    [Theory]
    [InlineData(null, UnixFileMode.GroupRead | UnixFileMode.GroupExecute)]
    [InlineData(null, UnixFileMode.OtherRead | UnixFileMode.OtherExecute)]
    [InlineData("keys.dat", UnixFileMode.GroupRead)]
    [InlineData("root.key", UnixFileMode.OtherRead)]
    [InlineData("store.json", UnixFileMode.GroupWrite)]
    public void A_store_open_to_others_is_refused_with_the_chmod_that_fixes_it(string? file, UnixFileMode extra)
    {
        if (OperatingSystem.IsWindows()) return;
        using var t = new TestStore();
        var id = t.Store.NewKey(new NewKeyRequest()).KeyId;
        var target = file is null ? t.Location : t.File(file);
        File.SetUnixFileMode(target, (file is null ? Owner700 : Owner600) | extra);

        var ex = StoreAssert.Fails(StoreErrorIds.StorePermissions, () => t.Open().GetKey(id));
        var expected = file is null ? $"chmod 700 '{t.Location}'" : $"chmod 600 '{target}'";
        Assert.Contains(expected, ex.Message);
        StoreAssert.Fails(StoreErrorIds.StorePermissions, () => t.Open().NewKey(new NewKeyRequest()));

        File.SetUnixFileMode(target, file is null ? Owner700 : Owner600); // what the message says to run
        Assert.Equal(id, t.Open().GetKey(id).KeyId);
        Assert.Single(t.Open().GetKeys());
    }

    [Fact]
    public void An_existing_empty_directory_is_made_owner_only_when_the_store_is_created_in_it()
    {
        if (OperatingSystem.IsWindows()) return;
        using var t = new TestStore();
        Directory.CreateDirectory(t.Location);
        File.SetUnixFileMode(t.Location, Owner700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        t.Store.NewKey(new NewKeyRequest());
        Assert.Equal(Owner700, File.GetUnixFileMode(t.Location));
    }

    [Fact]
    public void Chmod_commands_quote_paths_with_quotes()
    {
        Assert.Equal("'/a b/it'\\''s'", StorePermissions.ShellQuote("/a b/it's"));
    }
}
