using System.Diagnostics;
using System.Text;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Cli;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Kms;

/// <summary>
/// The point of a KMS-protected store: a copy of it opens elsewhere for any identity that may call kms:Decrypt on its
/// key, with no key file and no password. The copy is opened by the enctools process (ENCTOOLS_CLI, else the IL build)
/// with a different home directory and only the AWS settings in its environment; run as root, it runs as another user
/// (nobody) who owns the copy, as a second machine's account would.
/// </summary>
[Collection(KmsProviderCollection.Name)]
public class KmsStoreCopyTests
{
    private static readonly KmsEndpoint Kms = KmsTestProvider.Register();
    private const string Text = "employee,amount\nann,1000\nbob,1200\n";

    /// <summary>Another machine: a directory owned by the account that will open the copy, with its own home.</summary>
    private sealed class OtherMachine : IDisposable
    {
        private readonly TempDir _dir = new();

        public OtherMachine()
        {
            Home = Path.Combine(_dir.Path, "home");
            Directory.CreateDirectory(Home);
        }

        public string Root => _dir.Path;
        public string Home { get; }
        /// <summary>Root runs the copy as nobody: a different user as well as a different home.</summary>
        public static bool AsAnotherUser => !OperatingSystem.IsWindows() && Environment.UserName == "root" && File.Exists("/usr/bin/setpriv");

        /// <summary>cp -a, as an admin would copy a store (modes kept), then handed to the other account.</summary>
        public string CopyIn(string source, string name)
        {
            var target = Path.Combine(Root, name);
            Run("cp", "-a", source, target);
            return target;
        }

        public void HandOver()
        {
            if (AsAnotherUser) Run("chown", "-R", "65534:65534", Root);
        }

        private static void Run(string file, params string[] args)
        {
            var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
        }

        /// <summary>enctools with nothing of this process's environment: PATH, the new home, and <paramref name="aws"/>.</summary>
        public (int Code, string Out, string Err) Enctools(IReadOnlyDictionary<string, string?> aws, params string[] args)
        {
            var native = CliProcess.Native;
            var start = new ProcessStartInfo(AsAnotherUser ? "/usr/bin/setpriv" : native ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            if (AsAnotherUser)
            {
                foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--" }) start.ArgumentList.Add(a);
                start.ArgumentList.Add(native ?? "dotnet");
            }
            if (native is null) start.ArgumentList.Add(CliProcess.Dll);
            foreach (var a in args) start.ArgumentList.Add(a);
            start.Environment.Clear();
            start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
            if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot) start.Environment["DOTNET_ROOT"] = dotnetRoot;
            start.Environment["HOME"] = Home;
            start.Environment["USER"] = start.Environment["LOGNAME"] = AsAnotherUser ? "nobody" : Environment.UserName;
            start.Environment["XDG_DATA_HOME"] = Path.Combine(Home, ".local", "share");
            start.Environment["XDG_CONFIG_HOME"] = Path.Combine(Home, ".config");
            start.Environment["TMPDIR"] = Home;
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            foreach (var (k, v) in aws) if (v is not null) start.Environment[k] = v;
            start.WorkingDirectory = Root;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(120_000), "enctools did not finish in 120 s");
            return (process.ExitCode, stdout.Result, stderr.Result);
        }

        public void Dispose() => _dir.Dispose();
    }

    /// <summary>A KMS-protected store with a key and a file encrypted under it, made here (the first machine).</summary>
    private static (TestStore Store, string Enc, string KmsKey) FirstMachine()
    {
        var arn = Kms.CreateKey("store root key");
        var t = new TestStore();
        t.Store.CreateStore(new ProtectionChange { KmsKeyId = arn });
        var key = t.Store.NewKey(new NewKeyRequest { Alias = "alias/payroll" });
        // The store's own key policies still apply to whoever opens the copy: the other account needs a grant, as it would
        // on the first machine (the copy opening at all is KMS's decision; using a key is the store's).
        if (OtherMachine.AsAnotherUser)
            t.Store.CreateGrant(new EncryptionTools.Engine.Access.GrantRequest(key.KeyId, EncryptionTools.Engine.Access.Principal.User("nobody"),
                [EncryptionTools.Engine.Access.GrantOperation.Decrypt]));
        var plain = t.Dir.Write("payroll.csv", Encoding.UTF8.GetBytes(Text));
        using (var ops = new FileOperations(t.Store))
        {
            var outcome = ops.Protect([plain], new FileKeys { KeyIds = ["alias/payroll"] },
                new ProtectRequest { Keyrings = [], EncryptionContext = new Dictionary<string, string> { ["dept"] = "hr" } }).Single();
            Assert.True(outcome.Succeeded, outcome.Error?.Message);
        }
        File.Delete(plain);
        Assert.False(File.Exists(t.File("root.key")));
        return (t, plain + ".enc", arn);
    }

    [Fact]
    public void A_copy_of_a_KMS_protected_store_opens_in_a_new_process_with_another_home_and_only_the_AWS_environment()
    {
        var (t, enc, arn) = FirstMachine();
        using var _ = t;
        using var b = new OtherMachine();
        var copy = b.CopyIn(t.Location, "store-copy");
        var file = b.CopyIn(enc, "payroll.csv.enc");
        b.HandOver();
        Assert.False(File.Exists(Path.Combine(copy, "root.key")));

        var info = b.Enctools(Kms.ClientEnvironment, "store", "info", copy, "--json");
        Assert.True(info.Code == 0, info.Err);
        Assert.Contains("AwsKms", info.Out, StringComparison.Ordinal);
        Assert.Contains(arn, info.Out, StringComparison.Ordinal);

        var output = Path.Combine(b.Root, "payroll.csv");
        var decrypt = b.Enctools(Kms.ClientEnvironment, "decrypt", file, "-o", output, "--store", copy);
        Assert.True(decrypt.Code == 0, $"exit {decrypt.Code}: {decrypt.Err}");
        Assert.Equal(Text, File.ReadAllText(output));
        // Nothing was left in the copy that would open it without KMS.
        Assert.False(File.Exists(Path.Combine(copy, "root.key")));
        Assert.DoesNotContain("ENCRYPTIONTOOLS", string.Join(",", Kms.ClientEnvironment.Keys), StringComparison.Ordinal);
    }

    [Fact]
    public void A_copy_whose_machine_cannot_reach_KMS_or_has_no_AWS_identity_fails_with_the_KMS_id_and_writes_nothing()
    {
        var (t, enc, arn) = FirstMachine();
        using var _ = t;
        using var b = new OtherMachine();
        var copy = b.CopyIn(t.Location, "store-copy");
        var file = b.CopyIn(enc, "payroll.csv.enc");
        b.HandOver();
        var output = Path.Combine(b.Root, "payroll.csv");

        var unreachable = new Dictionary<string, string?>(Kms.ClientEnvironment) { ["AWS_ENDPOINT_URL_KMS"] = $"http://127.0.0.1:{KmsEndpoint.ClosedPort()}" };
        var down = b.Enctools(unreachable, "decrypt", file, "-o", output, "--store", copy);
        Assert.True(down.Code != 0, down.Err);
        Assert.Contains("KmsEndpointUnreachable", down.Err, StringComparison.Ordinal);
        Assert.Contains(copy, down.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("EncKeyStoreCorrupt", down.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        var anonymous = new Dictionary<string, string?>(Kms.ClientEnvironment) { ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null };
        var nobody = b.Enctools(anonymous, "decrypt", file, "-o", output, "--store", copy);
        Assert.True(nobody.Code != 0, nobody.Err);
        Assert.Contains("KmsCredentialsMissing", nobody.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        // And with KMS access, the same copy opens: the failures changed nothing.
        var ok = b.Enctools(Kms.ClientEnvironment, "decrypt", file, "-o", output, "--store", copy);
        Assert.True(ok.Code == 0, ok.Err);
        Assert.Equal(Text, File.ReadAllText(output));
        Assert.Contains(arn, b.Enctools(Kms.ClientEnvironment, "store", "info", copy).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_CLI_creates_a_KMS_protected_store_and_moves_it_between_protections()
    {
        var a = Kms.CreateKey();
        var other = Kms.CreateKey();
        using var b = new OtherMachine();
        b.HandOver();
        var store = Path.Combine(b.Root, "store");
        var env = Kms.ClientEnvironment;

        var init = b.Enctools(env, "store", "init", store, "--protection", "AwsKms", "--kms-key", a);
        Assert.True(init.Code == 0, init.Err);
        Assert.Contains("kms key      " + a, init.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(store, "root.key")));
        var key = b.Enctools(env, "key", "create", "--alias", "alias/app", "--store", store);
        Assert.True(key.Code == 0, key.Err);

        var toFile = b.Enctools(env, "store", "protect", store, "--protection", "File");
        Assert.True(toFile.Code == 0, toFile.Err);
        Assert.True(File.Exists(Path.Combine(store, "root.key")));
        var toKms = b.Enctools(env, "store", "protect", store, "--kms-key", other, "--json");
        Assert.True(toKms.Code == 0, toKms.Err);
        Assert.Contains(other, toKms.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(store, "root.key")));
        var bad = b.Enctools(env, "store", "protect", store, "--kms-key", "alias/app");
        Assert.True(bad.Code != 0, bad.Err);
        Assert.Contains("KmsInvalidKeyIdentifier", bad.Err, StringComparison.Ordinal);

        var list = b.Enctools(env, "key", "list", "--store", store);
        Assert.True(list.Code == 0, list.Err);
        Assert.Contains("alias/app", list.Out, StringComparison.Ordinal);
    }
}
