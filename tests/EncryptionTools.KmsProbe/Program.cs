using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Kms;

// probe <keyArn>: the parameterless provider wraps a secret under the key, unwraps it and describes the key.
// Prints "ok <state> <key ARN> <request ids>" and exits 0, or "<ErrorId>: <message>" and exits 1; 2 for a bad command line.
if (args.Length != 2 || args[0] != "probe")
{
    Console.Error.WriteLine("usage: EncryptionTools.KmsProbe probe <keyArn>");
    return 2;
}
var sink = new Sink();
try
{
    using var provider = new AwsKmsKeyringProvider();
    var context = new Dictionary<string, string> { ["probe"] = "kms" };
    var secret = RandomNumberGenerator.GetBytes(32);
    var wrapped = provider.WrapSecret(args[1], secret, context, sink);
    var unwrapped = provider.UnwrapSecret(args[1], wrapped, context, sink);
    if (!unwrapped.AsSpan().SequenceEqual(secret)) throw new InvalidOperationException("the unwrapped secret differs");
    var status = provider.Describe(args[1]);
    Console.WriteLine($"ok {status.State} {status.KeyArn} {string.Join(" ", sink.RequestIds)}");
    return 0;
}
catch (EncryptionToolsException ex)
{
    Console.WriteLine($"{ex.ErrorId}: {ex.Message}");
    return 1;
}

internal sealed class Sink : EncryptionTools.Engine.Keyrings.IKeyUseSink
{
    public List<string> RequestIds { get; } = [];
    public void Record(EncryptionTools.Engine.Keyrings.ExternalKeyUse use) => RequestIds.Add($"{use.Operation}={use.RequestId}");
}
