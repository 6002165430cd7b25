using EncryptionTools.Engine;
using EncryptionTools.Engine.IO;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Streaming;

// encrypt|decrypt <keyHex> <in> <out> [--slow]
// Exit codes: 0 done, 1 the engine refused (message on stderr), 2 bad command line.
if (args.Length is not (4 or 5) || args[0] is not ("encrypt" or "decrypt") || (args.Length == 5 && args[4] != "--slow"))
{
    Console.Error.WriteLine("usage: EncryptionTools.TestHost encrypt|decrypt <keyHex> <in> <out> [--slow]");
    return 2;
}

byte[] key;
try { key = Convert.FromHexString(args[1]); }
catch (FormatException) { Console.Error.WriteLine("keyHex is not hex"); return 2; }

// --slow pauses after each batch the engine writes, so the output grows in steps and a kill lands mid-write.
IProgress<long>? progress = args.Length == 5 ? new SleepingProgress(TimeSpan.FromMilliseconds(200)) : null;

using var keyring = new RawAesKeyring("testhost", "key", key);
try
{
    if (args[0] == "encrypt")
        FileCrypto.EncryptFile(args[2], args[3], [keyring], new EncryptOptions { Progress = progress, FrameLength = 4096 });
    else
        FileCrypto.DecryptFile(args[2], args[3], [keyring], new DecryptOptions { Progress = progress });
}
catch (EncryptionToolsException ex)
{
    Console.Error.WriteLine($"{ex.ErrorId}: {ex.Message}");
    return 1;
}
return 0;

internal sealed class SleepingProgress(TimeSpan pause) : IProgress<long>
{
    public void Report(long value) => Thread.Sleep(pause);
}
