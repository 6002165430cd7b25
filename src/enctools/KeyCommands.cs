using System.CommandLine;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Cli;

/// <summary><c>enctools key …</c> and <c>enctools alias …</c>: the key store, as the module's key cmdlets manage it.</summary>
internal static class KeyCommands
{
    public static Command Key(CliContext cli)
    {
        var key = new Command("key", "Manage master keys in the key store (the same store as the module's -StorePath).");
        var id = new Argument<string>("key") { Description = "A key id, key ARN, alias name (alias/x) or alias ARN." };

        var spec = new Option<KeySpec>("--spec") { Description = "SYMMETRIC_DEFAULT (default), RSA_3072 or RSA_4096.", DefaultValueFactory = _ => KeySpec.SYMMETRIC_DEFAULT };
        var description = new Option<string?>("--description") { Description = "A description." };
        var alias = new Option<string?>("--alias") { Description = "An alias to create with the key (alias/x or x)." };
        var exportable = new Option<bool>("--exportable") { Description = "Allow Export-EncKey of the material." };
        var rotation = new Option<bool>("--enable-rotation") { Description = "Rotate automatically every --rotation-days." };
        var days = new Option<int?>("--rotation-days") { Description = "Rotation period in days (90-2560)." };
        var create = new Command("create", "Create a key.") { spec, description, alias, exportable, rotation, days };
        create.SetAction(r => cli.Run(r, () => cli.Store(r).NewKey(new NewKeyRequest
        {
            KeySpec = r.GetValue(spec),
            Description = r.GetValue(description),
            Alias = r.GetValue(alias),
            Exportable = r.GetValue(exportable),
            RotationEnabled = r.GetValue(rotation),
            RotationPeriodInDays = r.GetValue(days),
        }), CliJson.Default.EncKey, Describe));

        var list = new Command("list", "List keys.");
        list.SetAction(r => cli.Run(r, () => cli.Store(r).GetKeys(), CliJson.Default.IReadOnlyListEncKey, keys => string.Join(Environment.NewLine,
            keys.Select(k => $"{k.KeyId}  {k.KeyState,-15} {k.KeySpec,-17} v{k.CurrentVersion}  {string.Join(",", k.Aliases)}"))));

        var show = new Command("show", "Show one key.") { id };
        show.SetAction(r => cli.Run(r, () => cli.Store(r).GetKey(r.GetValue(id)!), CliJson.Default.EncKey, Describe));

        var rotate = new Command("rotate", "Rotate a key now: a new version encrypts from now on; older ones still decrypt.") { id };
        rotate.SetAction(r => cli.Run(r, () => cli.Store(r).RotateKey(r.GetValue(id)!), CliJson.Default.EncKey, Describe));

        var enable = new Command("enable", "Enable a disabled key.") { id };
        enable.SetAction(r => cli.Run(r, () => cli.Store(r).EnableKey(r.GetValue(id)!), CliJson.Default.EncKey, Describe));

        var disable = new Command("disable", "Disable a key: it neither encrypts nor decrypts until enabled.") { id };
        disable.SetAction(r => cli.Run(r, () => cli.Store(r).DisableKey(r.GetValue(id)!), CliJson.Default.EncKey, Describe));

        var window = new Option<int>("--days") { Description = "Pending window in days (7-30).", DefaultValueFactory = _ => LocalKeyStore.DefaultPendingWindowInDays };
        var schedule = new Command("schedule-deletion", "Schedule a key's deletion after a pending window.") { id, window };
        schedule.SetAction(r => cli.Run(r, () => cli.Store(r).ScheduleKeyDeletion(r.GetValue(id)!, r.GetValue(window)), CliJson.Default.EncKey, Describe));

        var cancel = new Command("cancel-deletion", "Cancel a scheduled deletion (the key stays disabled).") { id };
        cancel.SetAction(r => cli.Run(r, () => cli.Store(r).CancelKeyDeletion(r.GetValue(id)!), CliJson.Default.EncKey, Describe));

        foreach (var c in new[] { create, list, show, rotate, enable, disable, schedule, cancel }) key.Subcommands.Add(c);
        foreach (var c in TransferCommands.Key(cli)) key.Subcommands.Add(c);
        return key;
    }

    public static Command Alias(CliContext cli)
    {
        var alias = new Command("alias", "Manage key aliases.");
        var name = new Argument<string>("alias") { Description = "The alias (alias/x or x)." };
        var target = new Argument<string>("key") { Description = "The key it points to." };

        var create = new Command("create", "Create an alias.") { name, target };
        create.SetAction(r => cli.Run(r, () => cli.Store(r).NewAlias(r.GetValue(name)!, r.GetValue(target)!), CliJson.Default.EncKeyAlias, AliasText));
        var set = new Command("set", "Point an existing alias at another key.") { name, target };
        set.SetAction(r => cli.Run(r, () => cli.Store(r).SetAlias(r.GetValue(name)!, r.GetValue(target)!), CliJson.Default.EncKeyAlias, AliasText));
        var delete = new Command("delete", "Delete an alias (the key stays).") { name };
        delete.SetAction(r => cli.Run(r, () => cli.Store(r).RemoveAlias(r.GetValue(name)!), CliJson.Default.EncKeyAlias, AliasText));
        var list = new Command("list", "List aliases.");
        list.SetAction(r => cli.Run(r, () => cli.Store(r).GetAliases(), CliJson.Default.IReadOnlyListEncKeyAlias,
            aliases => string.Join(Environment.NewLine, aliases.Select(a => $"{a.AliasName} -> {a.KeyId}"))));
        foreach (var c in new[] { create, set, delete, list }) alias.Subcommands.Add(c);
        return alias;
    }

    private static string AliasText(EncKeyAlias a) => $"{a.AliasName} -> {a.KeyId}";

    private static string Describe(EncKey k) => string.Join(Environment.NewLine,
    [
        k.KeyId,
        $"  arn          {k.Arn}",
        $"  state        {k.KeyState}{(k.DeletionDate is { } d ? $" (deletion on {d:yyyy-MM-dd})" : "")}",
        $"  spec         {k.KeySpec}",
        $"  aliases      {(k.Aliases.Count == 0 ? "(none)" : string.Join(", ", k.Aliases))}",
        $"  version      {k.CurrentVersion} (minimum for decryption {k.MinimumDecryptionVersion})",
        $"  rotation     {(k.RotationEnabled ? $"every {k.RotationPeriodInDays} days" : "on demand")}",
        $"  description  {k.Description}",
    ]);
}
