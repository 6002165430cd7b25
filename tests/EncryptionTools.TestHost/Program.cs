using EncryptionTools.Engine;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Operations;
using EncryptionTools.Engine.Store;

// protect|unprotect <storeDir> <keyId> <pauseMs> [--in-place] [--hold] FILE...
// The product's own route (FileOperations, as Protect-File, Unprotect-File and `enctools encrypt|decrypt` run it) over
// several files in one invocation, with a real key store: files are staged, published in groups, audited first.
// <pauseMs> slows it so a kill lands anywhere: a pause after each progress report (the output grows in steps) and a
// longer one in each group's publishing, after its audit records and before its renames. Prints "published <path>"
// as each result comes back (its file is whole and durable by then), and "publishing" as a group starts its renames.
// --hold makes that pause a minute, so a kill after "publishing" surely lands before any rename of the group.
// Exit codes: 0 done, 1 some file failed (its error id on stderr), 2 bad command line.
if (args.Length < 5 || args[0] is not ("protect" or "unprotect") || !int.TryParse(args[3], out var pauseMs))
{
    Console.Error.WriteLine("usage: EncryptionTools.TestHost protect|unprotect <storeDir> <keyId> <pauseMs> [--in-place] [--hold] FILE...");
    return 2;
}
var flags = args[4..].TakeWhile(a => a.StartsWith("--", StringComparison.Ordinal)).ToList();
var inPlace = flags.Contains("--in-place");
var files = args[(4 + flags.Count)..];
var pause = TimeSpan.FromMilliseconds(pauseMs);
var publishPause = flags.Contains("--hold") ? TimeSpan.FromMinutes(1) : pause * 10;

using var route = new FileOperations(new LocalKeyStore(args[1], new LocalKeyStoreOptions { LockTimeout = TimeSpan.FromMinutes(2) }));
var progress = pauseMs > 0 ? new SleepingProgress(pause) : null;
Action? beforePublish = pauseMs > 0 ? () =>
{
    Console.Out.WriteLine("publishing"); // a group's outputs are durable and audited; their renames follow the pause
    Console.Out.Flush();
    Thread.Sleep(publishPause);
} : null;
var outcomes = args[0] == "protect"
    ? route.Protect(files, new FileKeys { KeyIds = [args[2]] },
        new ProtectRequest { Keyrings = [], InPlace = inPlace, FrameLength = 4096, BeforePublish = beforePublish }, progress)
    : route.Unprotect(files, [args[2]], new UnprotectRequest { Keyrings = [], InPlace = inPlace, BeforePublish = beforePublish }, progress);
var failed = 0;
foreach (var outcome in outcomes)
{
    if (outcome.Error is { } error)
    {
        Console.Error.WriteLine($"{error.ErrorId}: {error.Message}");
        failed++;
        continue;
    }
    Console.Out.WriteLine($"published {outcome.Result!.Destination}");
    Console.Out.Flush();
}
return failed == 0 ? 0 : 1;

internal sealed class SleepingProgress(TimeSpan pause) : IProgress<FileProgress>
{
    public void Report(FileProgress value) => Thread.Sleep(pause);
}
