using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Kms;

/// <summary>The AWS KMS keyring provider: key and alias ARNs, EDKs as the ESDK's AWS KMS keyring writes them.</summary>
public sealed class AwsKmsKeyringProvider : IKeyringProvider
{
    public string ProviderId => AwsKmsArn.ProviderId;

    public bool Recognizes(string keyIdentifier) => AwsKmsArn.TryParse(keyIdentifier, out _);

    public IExternalKeyring CreateEncryptKeyring(IReadOnlyList<string> keyIdentifiers, IKeyUseSink? sink) => throw new NotImplementedException();

    public IExternalKeyring CreateDecryptKeyring(ExternalDecryptScope scope, IKeyUseSink? sink) => throw new NotImplementedException();

    public byte[] WrapSecret(string keyIdentifier, ReadOnlySpan<byte> secret, IReadOnlyDictionary<string, string> context, IKeyUseSink? sink) =>
        throw new NotImplementedException();

    public byte[] UnwrapSecret(string keyIdentifier, byte[] wrapped, IReadOnlyDictionary<string, string> context, IKeyUseSink? sink) =>
        throw new NotImplementedException();

    public ExternalKeyStatus Describe(string keyIdentifier) => throw new NotImplementedException();
}
