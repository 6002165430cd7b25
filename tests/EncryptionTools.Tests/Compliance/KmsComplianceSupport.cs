using System.Security.Cryptography;
using System.Text;
using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Tests.Files;
using EncryptionTools.Tests.Kms;

namespace EncryptionTools.Tests.Compliance;

/// <summary>Files whose data keys AWS KMS wraps (the real provider on the local endpoint), and runs of the engine over them.</summary>
internal static class KmsComplianceSupport
{
    public static KmsEndpoint Kms => KmsEndpoint.Instance;

    /// <summary>The registry's provider (the one the cmdlet and the CLI use), registered for the local endpoint.</summary>
    public static Func<string, IKeyringProvider?> Registered
    {
        get
        {
            KmsTestProvider.Register();
            return KeyringProviders.ForProviderId;
        }
    }

    /// <summary>A new file under <paramref name="relative"/> encrypted under the KMS keys (the first makes the data key) and the extra keyrings.</summary>
    public static string KmsFile(this ComplianceFixture f, string relative, string[] kmsKeys, params IKeyring[] others)
    {
        var path = f.Plain(relative, "secret " + relative);
        using var provider = KmsKeyringTestSupport.Provider();
        var keyrings = new List<IKeyring>();
        IExternalKeyring? kms = kmsKeys.Length > 0 ? provider.CreateEncryptKeyring(kmsKeys, null) : null;
        if (kms is not null) keyrings.Add(kms);
        keyrings.AddRange(others);
        try { FilesSupport.EncryptFile(path, path + ".enc", keyrings); }
        finally { kms?.Dispose(); }
        File.Delete(path);
        return path + ".enc";
    }

    public static ComplianceReport RunWith(this ComplianceFixture f, Func<string, IKeyringProvider?> providers, ComplianceProfile? profile = null,
        string[]? rules = null, IReadOnlyList<string>? paths = null)
    {
        using var source = f.Source();
        return ComplianceEngine.Run(new ComplianceRequest
        {
            Paths = paths ?? [f.Tree],
            Profile = profile ?? ComplianceProfile.Default,
            Rules = rules ?? [],
            Time = f.Store.Clock,
            KeyringProvider = providers,
        }, source);
    }

    /// <summary>An RSA-3072 public key as a PEM file in the fixture's directory.</summary>
    public static string RecipientPem(this ComplianceFixture f, string name)
    {
        using var rsa = RSA.Create(3072);
        var path = Path.Combine(f.Store.Dir.Path, name);
        File.WriteAllText(path, rsa.ExportSubjectPublicKeyInfoPem());
        return path;
    }
}

/// <summary>
/// An AWS KMS EDK as another SDK would have written it for a key this endpoint does not hold: provider id aws-kms, the
/// key ARN as provider info, an opaque blob. The compliance scan reads headers only, so the blob is never sent anywhere.
/// </summary>
internal sealed class ForeignKmsEdk(string keyArn) : IKeyring
{
    public IReadOnlyList<EncryptedDataKey> Wrap(ReadOnlySpan<byte> dataKey, byte[] serializedContext) =>
        [new EncryptedDataKey(AwsKmsArn.ProviderId, Encoding.UTF8.GetBytes(keyArn), RandomNumberGenerator.GetBytes(184))];

    public UnwrapResult? TryUnwrap(EncryptedDataKey edk, byte[] serializedContext) => null;
}
