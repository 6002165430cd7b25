using System.CommandLine;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Cli;

/// <summary>
/// <c>enctools store init|protect|info</c>: a store is created only on purpose, as New-EncKeyStore does; <c>protect</c>
/// is Set-EncKeyStore's equal (a new root key under File, Password or an AWS KMS key; every key and the audit log stay).
/// </summary>
internal static class StoreCommands
{
    public static Command Store(CliContext cli)
    {
        var store = new Command("store", "Create and describe the key store (the same store as the module's -StorePath).");
        var path = new Argument<string?>("path") { Description = "The store directory (else --store, else ENCRYPTIONTOOLS_STORE, else the per-user default).", Arity = ArgumentArity.ZeroOrOne };
        var protection = new Option<StoreProtection?>("--protection")
        {
            Description = "File (root.key in the store; the default on Linux and macOS), Dpapi (Windows; its default), Password, or AwsKms (the root key wrapped by the AWS KMS key --kms-key).",
        };
        var kmsKey = new Option<string?>("--kms-key") { Description = "AwsKms mode: the AWS KMS key ARN or alias ARN that wraps the root key (implies --protection AwsKms)." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Password mode: read the password from the first line of stdin (else ENCRYPTIONTOOLS_STORE_PASSWORD)." };
        var iterations = new Option<int?>("--password-iterations") { Description = "PBKDF2 iterations of the password (600000 to 10000000)." };

        var init = new Command("init", "Create an empty key store here; refuses a location that already holds one.") { path, protection, kmsKey, passwordStdin, iterations };
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
                    KmsKeyId = r.GetValue(kmsKey),
                });
            }
            finally
            {
                if (password is not null) Array.Clear(password);
            }
        }, CliJson.Default.EncKeyStoreInfo, Describe));

        var protect = new Command("protect",
            "Change how the root key is protected (Set-EncKeyStore's equal): a new root key under File, Password or an AWS KMS key; every key and the audit log stay. " +
            $"A store that has a password needs it in {LocalKeyStore.PasswordEnvironmentVariable}.")
        {
            path, protection, kmsKey, passwordStdin, iterations,
        };
        protect.SetAction(r => cli.Run(r, () =>
        {
            var provider = Open(cli, r, r.GetValue(path));
            var mode = r.GetValue(protection);
            var current = Environment.GetEnvironmentVariable(LocalKeyStore.PasswordEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.ToCharArray() : null;
            char[]? password = null;
            // The new password: stdin's first line, else (for a store that has none yet) the environment's.
            if (r.GetValue(passwordStdin)) password = (Console.In.ReadLine() ?? "").ToCharArray();
            else if (mode == StoreProtection.Password && current is not null && provider.GetStoreInfo().Protection != StoreProtection.Password) password = current.ToArray();
            try
            {
                return provider.SetProtection(new ProtectionChange
                {
                    Protection = mode ?? (password is not null ? StoreProtection.Password : null),
                    NewPassword = password,
                    CurrentPassword = current,
                    PasswordIterations = r.GetValue(iterations),
                    KmsKeyId = r.GetValue(kmsKey),
                });
            }
            finally
            {
                if (password is not null) Array.Clear(password);
                if (current is not null) Array.Clear(current);
            }
        }, CliJson.Default.EncKeyStoreInfo, Describe));

        var info = new Command("info", "Describe the key store: location, protection, lock state, counts.") { path };
        info.SetAction(r => cli.Run(r, () => Open(cli, r, r.GetValue(path)).GetStoreInfo(), CliJson.Default.EncKeyStoreInfo, Describe));

        store.Subcommands.Add(init);
        store.Subcommands.Add(protect);
        store.Subcommands.Add(info);
        foreach (var c in TransferCommands.Store(cli)) store.Subcommands.Add(c);
        return store;
    }

    /// <summary>The positional path wins over --store; both follow the same resolution as every other command.</summary>
    private static IKeyStoreProvider Open(CliContext cli, System.CommandLine.ParseResult r, string? positional) =>
        string.IsNullOrWhiteSpace(positional)
            ? cli.Store(r)
            : KeyStoreProviders.Get(CliContext.StorePath(positional), CliContext.CommandName(r), CliContext.Warn);

    private static string Describe(EncKeyStoreInfo s)
    {
        var lines = new List<string> { s.Location, $"  exists       {(s.Exists ? "yes" : "no")}", $"  source       {s.LocationSource}" };
        if (!s.Exists) return string.Join(Environment.NewLine, lines);
        lines.Add($"  store id     {s.StoreId}");
        lines.Add($"  protection   {s.Protection}{(s.Protection == StoreProtection.Password ? s.IsUnlocked ? " (unlocked)" : " (locked)" : "")}");
        if (s.KmsKeyId is not null) lines.Add($"  kms key      {CliContext.Field(s.KmsKeyId, 2048)}");
        if (s.KmsKeyArn is not null && s.KmsKeyArn != s.KmsKeyId) lines.Add($"  kms key arn  {CliContext.Field(s.KmsKeyArn, 2048)}");
        lines.Add($"  keys         {(s.KeyCount is { } k ? k.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : s.Protection == StoreProtection.AwsKms ? "(unknown: AWS KMS did not give the root key; any use says why)" : "(locked)")}");
        lines.Add($"  created      {s.CreationDate:u}");
        return string.Join(Environment.NewLine, lines);
    }
}
