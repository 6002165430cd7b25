using System.CommandLine;
using EncryptionTools.Engine;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Cli;

/// <summary>
/// Keys and stores that move: <c>enctools key export|import</c> (a key whole, as Export-EncKey / Import-EncKey -Package)
/// and <c>enctools store backup|restore</c> (Backup-EncKeyStore / Restore-EncKeyStore).
/// </summary>
internal static class TransferCommands
{
    /// <summary>The backup password's environment variable (when --password-stdin is not given).</summary>
    public const string BackupPasswordVariable = "ENCRYPTIONTOOLS_BACKUP_PASSWORD";

    public static IEnumerable<Command> Key(CliContext cli)
    {
        var id = new Argument<string>("key") { Description = "A key id, key ARN, alias name (alias/x) or alias ARN." };
        var output = new Option<string>("--output", "-o") { Description = "The package file to write (secret: every version's material); - for stdout.", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var export = new Command("export", "Export an exportable key whole (every version, aliases, settings, policy) as a JSON package for key import.") { id, output, force };
        export.SetAction(r =>
        {
            try
            {
                var package = ((IKeyTransfer)cli.Store(r)).ExportKeyPackage(r.GetValue(id)!);
                var text = System.Text.Encoding.UTF8.GetBytes(package.ToJson());
                try { WriteOut(r.GetValue(output)!, r.GetValue(force), text); }
                finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(text); }
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (CliContext.IsExpected(ex)) { return CliContext.Fail(ex); }
        });

        var file = new Argument<string>("file") { Description = "A package written by key export (or Export-EncKey's ToJson()); - for stdin." };
        var import = new Command("import", "Recreate a key exported whole: the same key id, every version, aliases, settings and policy. Refuses a clash (EncKeyExists).") { file };
        import.SetAction(r => cli.Run(r, () =>
        {
            var path = r.GetValue(file)!;
            var text = path == StdioCommands.Dash ? Console.In.ReadToEnd() : File.ReadAllText(Path.GetFullPath(path));
            return ((IKeyTransfer)cli.Store(r)).ImportKeyPackage(EncKeyPackage.Parse(text));
        }, CliJson.Default.EncKey, k => $"imported {k.KeyId} (v{k.CurrentVersion}, minimum decryption version {k.MinimumDecryptionVersion}) {string.Join(",", k.Aliases)}"));
        return [export, import];
    }

    public static IEnumerable<Command> Store(CliContext cli)
    {
        var file = new Argument<string>("file") { Description = "The backup file." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = $"Read the backup password from the first line of stdin (else {BackupPasswordVariable})." };
        var recipient = new Option<string[]>("--recipient") { Description = "An RSA public key PEM file to encrypt the backup to (repeatable): the store holding its private key restores it." };
        var iterations = new Option<int?>("--password-iterations") { Description = "PBKDF2 iterations (600000 to 10000000)." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing backup file." };
        var backup = new Command("backup", "Write an encrypted backup of the whole store (keys, versions, aliases, policies, grants, audit log).")
        {
            file, passwordStdin, recipient, iterations, force,
        };
        backup.SetAction(r => cli.Run(r, () =>
        {
            var password = BackupPassword(r.GetValue(passwordStdin));
            try
            {
                var pems = (r.GetValue(recipient) ?? []).Select(p => File.ReadAllText(Path.GetFullPath(p))).ToList();
                if (password is null && pems.Count == 0)
                    throw new ArgumentException($"Give --password-stdin (or {BackupPasswordVariable}), --recipient or both: a backup is always encrypted.");
                var path = Path.GetFullPath(r.GetValue(file)!);
                if (File.Exists(path) && !r.GetValue(force)) throw new DestinationExistsException(path);
                var store = (IKeyTransfer)cli.Store(r);
                using var output = AtomicFile.Create(path, overwrite: r.GetValue(force), unnamed: true);
                var info = store.Backup(output.Stream, new StoreBackupProtection { Password = password, PasswordIterations = r.GetValue(iterations), RecipientPems = pems });
                output.Commit();
                return info with { Path = path };
            }
            finally { if (password is not null) Array.Clear(password); }
        }, CliJson.Default.StoreBackupInfo, i => $"backed up store {i.StoreId}: {i.KeyCount} key(s), {i.AuditFileCount} audit file(s) -> {CliContext.Field(i.Path, 1024)} ({i.Bytes:N0} bytes, {i.Protection})"));

        var keyStore = new Option<string?>("--key-store") { Description = "A key store holding the private key of an RSA recipient of the backup." };
        var protection = new Option<StoreProtection?>("--protection") { Description = $"The restored store's root-key protection: File, Dpapi or Password (its password from {LocalKeyStore.PasswordEnvironmentVariable})." };
        var restore = new Command("restore", "Recreate a backed-up store at --store (else ENCRYPTIONTOOLS_STORE, else the per-user default), which must hold no store.")
        {
            file, passwordStdin, keyStore, protection, iterations,
        };
        restore.SetAction(r => cli.Run(r, () =>
        {
            var password = BackupPassword(r.GetValue(passwordStdin));
            var mode = r.GetValue(protection);
            var storePassword = mode == StoreProtection.Password ? Environment.GetEnvironmentVariable(LocalKeyStore.PasswordEnvironmentVariable)?.ToCharArray() : null;
            IStoreKeyring? keyring = null;
            try
            {
                if (r.GetValue(keyStore) is { } other)
                    keyring = KeyStoreProviders.Get(CliContext.StorePath(other), CliContext.CommandName(r), CliContext.Warn).CreateDecryptKeyring();
                using var input = new FileStream(Path.GetFullPath(r.GetValue(file)!), FileMode.Open, FileAccess.Read, FileShare.Read);
                return ((IKeyTransfer)cli.Store(r)).Restore(input, new StoreRestoreRequest
                {
                    Password = password,
                    Keyrings = keyring is null ? [] : [keyring],
                    Protection = new ProtectionChange { Protection = mode, NewPassword = storePassword, PasswordIterations = r.GetValue(iterations) },
                });
            }
            finally
            {
                keyring?.Dispose();
                if (password is not null) Array.Clear(password);
                if (storePassword is not null) Array.Clear(storePassword);
            }
        }, CliJson.Default.EncKeyStoreInfo, s => $"restored store {s.StoreId} at {CliContext.Field(s.Location, 1024)}: {s.KeyCount} key(s), protection {s.Protection}"));
        return [backup, restore];
    }

    private static char[]? BackupPassword(bool fromStdin) =>
        fromStdin ? (Console.In.ReadLine() ?? "").ToCharArray() : Environment.GetEnvironmentVariable(BackupPasswordVariable) is { Length: > 0 } v ? v.ToCharArray() : null;

    /// <summary>A secret file: written whole and owner-only, or to stdout with "-".</summary>
    private static void WriteOut(string path, bool force, byte[] content)
    {
        if (path == StdioCommands.Dash)
        {
            using var stdout = Console.OpenStandardOutput();
            stdout.Write(content);
            return;
        }
        var full = Path.GetFullPath(path);
        if (File.Exists(full) && !force) throw new DestinationExistsException(full);
        using var file = AtomicFile.Create(full, overwrite: force, unnamed: true);
        file.Stream.Write(content);
        file.Commit();
    }
}
