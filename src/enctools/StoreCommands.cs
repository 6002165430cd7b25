using System.CommandLine;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Cli;

/// <summary><c>enctools store init|info</c>: a store is created only on purpose, as New-EncKeyStore does.</summary>
internal static class StoreCommands
{
    public static Command Store(CliContext cli)
    {
        var store = new Command("store", "Create and describe the key store (the same store as the module's -StorePath).");
        var path = new Argument<string?>("path") { Description = "The store directory (else --store, else ENCRYPTIONTOOLS_STORE, else the per-user default).", Arity = ArgumentArity.ZeroOrOne };
        var protection = new Option<StoreProtection?>("--protection") { Description = "File (root.key in the store; the default on Linux and macOS), Dpapi (Windows; its default) or Password." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Password mode: read the password from the first line of stdin (else ENCRYPTIONTOOLS_STORE_PASSWORD)." };
        var iterations = new Option<int?>("--password-iterations") { Description = "PBKDF2 iterations of the password (600000 to 10000000)." };

        var init = new Command("init", "Create an empty key store here; refuses a location that already holds one.") { path, protection, passwordStdin, iterations };
        init.SetAction(r => cli.Run(r, () =>
        {
            var provider = Open(cli, r, r.GetValue(path));
            var mode = r.GetValue(protection);
            char[]? password = null;
            if (r.GetValue(passwordStdin)) password = (Console.In.ReadLine() ?? "").ToCharArray();
            else if (mode == StoreProtection.Password)
                password = Environment.GetEnvironmentVariable(LocalKeyStore.PasswordEnvironmentVariable)?.ToCharArray();
            try
            {
                return provider.CreateStore(new ProtectionChange
                {
                    Protection = mode ?? (password is not null ? StoreProtection.Password : null),
                    NewPassword = password,
                    PasswordIterations = r.GetValue(iterations),
                });
            }
            finally
            {
                if (password is not null) Array.Clear(password);
            }
        }, CliJson.Default.EncKeyStoreInfo, Describe));

        var info = new Command("info", "Describe the key store: location, protection, lock state, counts.") { path };
        info.SetAction(r => cli.Run(r, () => Open(cli, r, r.GetValue(path)).GetStoreInfo(), CliJson.Default.EncKeyStoreInfo, Describe));

        store.Subcommands.Add(init);
        store.Subcommands.Add(info);
        foreach (var c in TransferCommands.Store(cli)) store.Subcommands.Add(c);
        return store;
    }

    /// <summary>The positional path wins over --store; both follow the same resolution as every other command.</summary>
    private static IKeyStoreProvider Open(CliContext cli, System.CommandLine.ParseResult r, string? positional) =>
        string.IsNullOrWhiteSpace(positional)
            ? cli.Store(r)
            : KeyStoreProviders.Get(CliContext.StorePath(positional), CliContext.CommandName(r), CliContext.Warn);

    private static string Describe(EncKeyStoreInfo s) => string.Join(Environment.NewLine,
    [
        s.Location,
        $"  exists       {(s.Exists ? "yes" : "no")}",
        $"  source       {s.LocationSource}",
        .. s.Exists
            ? new[]
            {
                $"  store id     {s.StoreId}",
                $"  protection   {s.Protection}{(s.Protection == StoreProtection.Password ? s.IsUnlocked ? " (unlocked)" : " (locked)" : "")}",
                $"  keys         {(s.KeyCount is { } k ? k.ToString(System.Globalization.CultureInfo.InvariantCulture) : "(locked)")}",
                $"  created      {s.CreationDate:u}",
            }
            : [],
    ]);
}
