namespace EncryptionTools.Engine.Access;

/// <summary>The operations a grant can allow (KMS's grant operations). Each is the kms: action of the same name.</summary>
public enum GrantOperation
{
    Decrypt,
    Encrypt,
    GenerateDataKey,
    GenerateDataKeyWithoutPlaintext,
    ReEncryptFrom,
    ReEncryptTo,
    CreateGrant,
    RetireGrant,
    DescribeKey,
    GetPublicKey,
    GenerateDataKeyPair,
    GenerateDataKeyPairWithoutPlaintext,
    Sign,
    Verify,
    GenerateMac,
    VerifyMac,
    DeriveSharedSecret,
}
