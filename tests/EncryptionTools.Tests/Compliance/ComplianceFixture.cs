using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EncryptionTools.Engine.Access;
using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Files;
using EncryptionTools.Engine.Store;
using EncryptionTools.Tests.Files;
using EncryptionTools.Tests.Store;

namespace EncryptionTools.Tests.Compliance;

/// <summary>A real temporary store (manual clock), a real file tree beside it, and runs of the real engine over both.</summary>
internal sealed class ComplianceFixture : IDisposable
{
    public ComplianceFixture(int? passwordIterations = null)
    {
        Store = new TestStore(passwordIterations: passwordIterations);
        Tree = Path.Combine(Store.Dir.Path, "tree");
        Directory.CreateDirectory(Tree);
    }

    public TestStore Store { get; }
    public LocalKeyStore Keys => Store.Store;
    public string Tree { get; }

    /// <summary>Who the compliance source asks whether a grantee exists (the store itself runs as the real caller).</summary>
    public IPrincipalResolver? Resolver { get; set; }

    /// <summary>The caller, who creates the store and so owns it: the principal a real administrator's policy names.</summary>
    public static string Me { get; } = "user:" + EncryptionTools.Engine.Access.KeyPolicies.CurrentUser();

    /// <summary>
    /// The statement an administrator's policy keeps: full control for the store owner (the caller), so that the store's
    /// lockout safety check passes and the caller can still describe, use and re-policy the key.
    /// </summary>
    public static string AdminStatement { get; } =
        $$"""{ "Sid": "Admins", "Effect": "Allow", "Principal": { "EncTools": "{{Me}}" }, "Action": "kms:*", "Resource": "*" }""";

    /// <summary>
    /// Writes a key's stored policy straight into the sealed data file, as an older version of the store (which did not
    /// validate policies) or a restored backup could have left it; the API refuses to store such a policy.
    /// </summary>
    public void WriteStoredPolicy(string keyId, string policy)
    {
        var storeId = JsonDocument.Parse(File.ReadAllBytes(Store.File(StoreFiles.DescriptorFile))).RootElement.GetProperty("storeId").GetString()!;
        var root = File.ReadAllBytes(Store.File(StoreFiles.RootKeyFile));
        var sealedData = File.ReadAllBytes(Store.File(StoreFiles.DataFile));
        var version = StoreFiles.SealedVersion(sealedData, Store.Location);
        var doc = JsonNode.Parse(StoreFiles.Open(sealedData, root, storeId, Store.Location))!.AsObject();
        var key = doc["keys"]!.AsArray().Single(k => (string?)k!["keyId"] == keyId)!.AsObject();
        key["policy"] = policy;
        File.WriteAllBytes(Store.File(StoreFiles.DataFile), StoreFiles.Seal(Encoding.UTF8.GetBytes(doc.ToJsonString()), root, storeId, version));
        Store.Reopen();
    }

    public string Plain(string relative, string text = "plain text")
    {
        var path = Full(relative);
        File.WriteAllText(path, text);
        return path;
    }

    public string Bytes(string relative, byte[] content)
    {
        var path = Full(relative);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Encrypts a new file under store keys with the store's keyring, in place, through the file route.</summary>
    public string Encrypted(string relative, string keyId, IReadOnlyDictionary<string, string>? context = null)
    {
        var path = Plain(relative, "secret " + relative);
        using var keyring = Keys.CreateEncryptKeyring([keyId]);
        FileRoute.Protect(path, path, new ProtectRequest { Keyrings = [keyring], EncryptionContext = context ?? new Dictionary<string, string>() });
        return path;
    }

    public string Full(string relative)
    {
        var path = Path.Combine(Tree, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    public EncKey NewKey(bool rotation = true, string? policy = null, bool exportable = false, string? alias = null) =>
        Keys.NewKey(new NewKeyRequest { RotationEnabled = rotation, Policy = policy, Exportable = exportable, Alias = alias });

    /// <summary>The real store: its keys, policies, grants and audit log, read as the caller.</summary>
    public StoreComplianceSource Source() => new(Keys, Resolver);

    public ComplianceReport Run(ComplianceProfile? profile = null, string[]? rules = null, bool scan = true,
        ComplianceSeverity minimum = ComplianceSeverity.Informational, IReadOnlyList<string>? paths = null)
    {
        using var source = Source();
        return ComplianceEngine.Run(new ComplianceRequest
        {
            Paths = scan ? paths ?? [Tree] : [],
            Profile = profile ?? ComplianceProfile.Default,
            Rules = rules ?? [],
            MinimumSeverity = minimum,
            Time = Store.Clock,
        }, source);
    }

    public IReadOnlyList<ComplianceFinding> Findings(string ruleId, ComplianceProfile? profile = null) =>
        Run(profile, [ruleId]).Findings;

    public void Dispose() => Store.Dispose();
}

/// <summary>Messages made by hand after the message-format spec's byte layout, for formats the engine never writes.</summary>
internal static class HandHeaders
{
    /// <summary>One EDK: provider "aws-kms", a short provider info and ciphertext (the fields' lengths are what count).</summary>
    private static readonly byte[] Edk = [0x00, 0x07, .. "aws-kms"u8, 0x00, 0x03, .. "arn"u8, 0x00, 0x04, 1, 2, 3, 4];

    /// <summary>
    /// Format version 1: version 0x01, type 0x80, suite 0x0178 (AES-256-GCM HKDF-SHA256, non-committing), 16-byte
    /// message id, no context, one EDK, framed, reserved zeros, IV length 12, frame length 4096, header IV and tag.
    /// </summary>
    public static byte[] Version1() =>
        [0x01, 0x80, 0x01, 0x78, .. new byte[16], 0x00, 0x00, 0x00, 0x01, .. Edk, 0x02, 0, 0, 0, 0, 12, 0x00, 0x00, 0x10, 0x00, .. new byte[12 + 16], .. new byte[64]];

    /// <summary>Format version 2 with suite 0x0178, which does not commit to its key (no suite data, a 16-byte header tag).</summary>
    public static byte[] NonCommittingV2() =>
        [0x02, 0x01, 0x78, .. new byte[32], 0x00, 0x00, 0x00, 0x01, .. Edk, 0x02, 0x00, 0x00, 0x10, 0x00, .. new byte[16], .. new byte[64]];

    /// <summary>A committing v2 start (0x02 0x0478) cut short in the message id: Malformed.</summary>
    public static byte[] TruncatedCommitting() => [0x02, 0x04, 0x78, 0x11, 0x22, 0x33, 0x44];
}
