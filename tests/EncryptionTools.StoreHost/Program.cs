using System.Diagnostics;
using EncryptionTools.Engine.Store;

// Usage:
//   create <store> <count>                 creates keys, printing "created <keyId>" after each one is durable
//   crash <store> <count> <stage> <n>      the same, but kills itself (SIGKILL) at the n-th time a write reaches <stage>
//   rotate <store> <keyId> <count>         rotates a key, printing "rotated <version>" after each
//   protect <store> <stage> <n>            switches a File store to Password ("host password", 1,000 iterations: a
//                                          test floor), killing itself at the n-th time it reaches <stage>
// Exit code 0 when done; a killed process has no exit code of its own.
var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
if (args.Length < 3) { Console.Error.WriteLine("usage: create|crash|rotate <store> ..."); return 2; }
var store = new LocalKeyStore(args[1], new LocalKeyStoreOptions { LockTimeout = TimeSpan.FromMinutes(2), PasswordIterationFloor = 1000 });
switch (args[0])
{
    case "crash":
        var stage = args[3];
        var nth = int.Parse(args[4]);
        var hits = 0;
        LocalKeyStore.CrashPoint = reached =>
        {
            if (reached == stage && ++hits == nth) Process.GetCurrentProcess().Kill();
        };
        goto case "create";
    case "create":
        var count = int.Parse(args[2]);
        for (var i = 0; i < count; i++)
        {
            var key = store.NewKey(new NewKeyRequest { Description = $"host {Environment.ProcessId} key {i}" });
            stdout.WriteLine("created " + key.KeyId);
        }
        return 0;
    case "protect":
        var protectStage = args[2];
        var protectNth = int.Parse(args[3]);
        var protectHits = 0;
        LocalKeyStore.CrashPoint = reached =>
        {
            if (reached == protectStage && ++protectHits == protectNth) Process.GetCurrentProcess().Kill();
        };
        store.SetProtection(new ProtectionChange { Protection = StoreProtection.Password, NewPassword = "host password".ToCharArray(), PasswordIterations = 1000 });
        stdout.WriteLine("protected");
        return 0;
    case "rotate":
        var times = int.Parse(args[3]);
        for (var i = 0; i < times; i++) stdout.WriteLine("rotated " + store.RotateKey(args[2]).CurrentVersion);
        return 0;
    default:
        Console.Error.WriteLine("unknown command " + args[0]);
        return 2;
}
