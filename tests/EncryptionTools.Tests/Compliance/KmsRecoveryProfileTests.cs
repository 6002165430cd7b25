using System.Collections;
using System.Security.Cryptography;
using EncryptionTools.Engine.Compliance;
using EncryptionTools.Engine.Keyrings;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Compliance;

/// <summary>RequireRecoveryKey in a profile: what names a recovery key, and a ComplianceProfileInvalid naming the field for anything else.</summary>
public sealed class KmsRecoveryProfileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private string Pem(string name, int bits = 2048)
    {
        using var rsa = RSA.Create(bits);
        Directory.CreateDirectory(Path.GetDirectoryName(_dir.File(name))!);
        return _dir.Write(name, System.Text.Encoding.ASCII.GetBytes(rsa.ExportSubjectPublicKeyInfoPem()));
    }

    [Fact]
    public void ArnsKeyNamesPemTextAndPemFilesRelativeToTheProfileFileParse()
    {
        var pem = Pem("keys/dr.pem");
        var keyName = RsaRecipient.IdentityOfPem(File.ReadAllText(pem)).KeyName;
        var profilePath = _dir.Write("keys/p.psd1", System.Text.Encoding.UTF8.GetBytes(
            $"@{{\n RequireRecoveryKey = @(\n  '{Arn}'\n  'arn:aws:kms:eu-west-1:111122223333:alias/dr'\n  './dr.pem'\n  '{keyName.ToUpperInvariant().Replace("RSA-SPKI-SHA256:", "rsa-spki-sha256:")}'\n )\n}}"));
        var keys = ComplianceProfile.Load(profilePath).RequireRecoveryKey;
        Assert.Equal([RecoveryKeyKind.AwsKms, RecoveryKeyKind.AwsKms, RecoveryKeyKind.RsaRecipient, RecoveryKeyKind.RsaRecipient], keys.Select(k => k.Kind));
        Assert.Equal([Arn, "arn:aws:kms:eu-west-1:111122223333:alias/dr", keyName, keyName], keys.Select(k => k.Identity));
        Assert.Equal(Path.GetFullPath(pem), keys[2].PemPath);

        var table = new Hashtable { ["RequireRecoveryKey"] = new object[] { "dr.pem", File.ReadAllText(pem) } };
        var fromTable = ComplianceProfile.FromDictionary(table, "profile hashtable", Path.GetDirectoryName(pem));
        Assert.Equal([keyName, keyName], fromTable.RequireRecoveryKey.Select(k => k.Identity));
        Assert.Empty(ComplianceProfile.Parse("@{ RequireRecoveryKey = @() }").RequireRecoveryKey);
        Assert.Empty(ComplianceProfile.Default.RequireRecoveryKey);
    }

    public static TheoryData<string, string> Invalid() => new()
    {
        { "'arn:aws:kms:us-east-1:111122223333:keys/abc'", "is not an AWS KMS key ARN or alias ARN" },
        { "'arn:aws:s3:::bucket'", "is not an AWS KMS key ARN or alias ARN" },
        { "'alias/recovery'", "names a key by a bare id or alias" },
        { "'1234abcd-12ab-34cd-56ef-1234567890ab'", "names a key by a bare id or alias" },
        { "'rsa-spki-sha256:abc'", "64 hex digits" },
        { "'./missing.pem'", "existing PEM public key file" },
        { "'./small.pem'", "at least 2048 bits" },
        { "'./not-a-key.pem'", "not an RSA public key in PEM form" },
        { "'-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'", "not an RSA public key in PEM form" },
        { "3", "must be a string or an array of strings" },
        { "@('')", "holds an empty string" },
        { "@{ a = 1 }", "must be a string or an array of strings" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void AnythingElseIsComplianceProfileInvalidNamingTheFieldAndLine(string value, string what)
    {
        Pem("small.pem", 1024);
        _dir.Write("not-a-key.pem", "hello"u8.ToArray());
        var ex = Assert.Throws<ComplianceProfileException>(() =>
            ComplianceProfile.Parse($"@{{\n  MaximumKeyAgeDays = 30\n  RequireRecoveryKey = {value}\n}}", "fleet.psd1", _dir.Path));
        Assert.Equal(("RequireRecoveryKey", 3, "ComplianceProfileInvalid"), (ex.Field, ex.Line, ex.ErrorId));
        Assert.Contains("fleet.psd1, line 3: RequireRecoveryKey:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyStringEitherNamesARecoveryKeyOrIsAProfileErrorNeverAnotherFailure()
    {
        var pieces = Gen.Elements("arn:", "aws", ":kms:", "us-east-1", ":", "111122223333", "key/", "alias/", "x", "-", "/", ".pem",
            "rsa-spki-sha256:", "0", "f", " ", "\u0000", "'", "-----BEGIN PUBLIC KEY-----", "..", "\n");
        var texts = Gen.ListOf(pieces).Select(p => string.Concat(p)).Where(s => s.Length <= 60);
        Prop.ForAll(texts.ToArbitrary(), text =>
        {
            var table = new Hashtable { ["RequireRecoveryKey"] = text };
            try
            {
                var key = Assert.Single(ComplianceProfile.FromDictionary(table, "t", _dir.Path).RequireRecoveryKey);
                return key.Kind == RecoveryKeyKind.AwsKms ? AwsKmsArn.TryParse(key.Identity, out _) : key.Identity.StartsWith(RsaRecipient.KeyNamePrefix, StringComparison.Ordinal);
            }
            catch (ComplianceProfileException ex)
            {
                return ex.Field == "RequireRecoveryKey" && ex.ErrorId == "ComplianceProfileInvalid";
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void AValidArnRoundTripsToItsIdentity()
    {
        var word = Gen.Elements("a", "b", "1", "2", "-").ListOf().Where(l => l.Count is > 0 and < 12).Select(l => string.Concat(l));
        var arns = from partition in Gen.Elements("aws", "aws-cn", "aws-us-gov")
                   from region in word
                   from account in Gen.Choose(0, 999999).Select(n => n.ToString("000000000000", System.Globalization.CultureInfo.InvariantCulture))
                   from type in Gen.Elements("key", "alias")
                   from id in word
                   select $"arn:{partition}:kms:{region}:{account}:{type}/{id}";
        Prop.ForAll(arns.ToArbitrary(), arn =>
        {
            var key = Assert.Single(ComplianceProfile.Parse($"@{{ RequireRecoveryKey = ' {arn} ' }}").RequireRecoveryKey);
            return key.Kind == RecoveryKeyKind.AwsKms && key.Identity == arn;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }
}
