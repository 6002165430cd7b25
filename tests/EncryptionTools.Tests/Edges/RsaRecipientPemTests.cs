using System.Security.Cryptography;
using EncryptionTools.Engine;
using EncryptionTools.Engine.Keyrings;
using FsCheck;
using FsCheck.Fluent;

namespace EncryptionTools.Tests.Edges;

/// <summary>
/// A recipient public key is user input: whatever the PEM holds, the answer is the recipient keyring or
/// InvalidRecipientPublicKey with the source as target, never a bare CryptographicException.
/// </summary>
public class RsaRecipientPemTests
{
    private static void AssertInvalid(string pem)
    {
        var ex = Assert.Throws<EncryptionToolsException>(() => RsaRecipient.FromPem(pem, "agent.pem"));
        Assert.Equal(ErrorCatalog.InvalidRecipientPublicKey.Id, ex.ErrorId);
        Assert.Equal("agent.pem", ex.Target);
    }

    [Fact]
    public void AWellLabelledPemWhoseBodyIsNoKeyIsInvalidRecipientPublicKey()
    {
        AssertInvalid("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        AssertInvalid("-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n");
    }

    [Fact]
    public void TextWithoutAPemKeyAndAShortKeyAreInvalidRecipientPublicKey()
    {
        AssertInvalid("not a key");
        using var small = RSA.Create(1024);
        AssertInvalid(small.ExportSubjectPublicKeyInfoPem());
    }

    [Fact]
    public void ARealKeyBecomesARecipientNamedByItsPublicKey()
    {
        using var rsa = RSA.Create(2048);
        using var keyring = RsaRecipient.FromPem(rsa.ExportSubjectPublicKeyInfoPem(), "agent.pem");
        Assert.Equal(RsaRecipient.KeyNameFor(rsa.ExportSubjectPublicKeyInfo()), keyring.KeyName);
    }

    [Fact]
    public void AnyBodyUnderAnRsaLabelIsARecipientOrInvalidRecipientPublicKey()
    {
        var label = Gen.Elements("PUBLIC KEY", "RSA PUBLIC KEY");
        var body = Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf();
        Prop.ForAll(label.ToArbitrary(), body.ToArbitrary(), (l, b) =>
        {
            var pem = $"-----BEGIN {l}-----\n{Convert.ToBase64String(b, Base64FormattingOptions.InsertLineBreaks)}\n-----END {l}-----\n";
            try { RsaRecipient.FromPem(pem, "agent.pem").Dispose(); }
            catch (EncryptionToolsException ex) { Assert.Equal(ErrorCatalog.InvalidRecipientPublicKey.Id, ex.ErrorId); }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}
