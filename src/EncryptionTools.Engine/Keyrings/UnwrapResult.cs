namespace EncryptionTools.Engine.Keyrings;

/// <summary>What a keyring says of one encrypted data key it recognises: the data key, or why not.</summary>
public readonly record struct UnwrapResult(byte[]? DataKey, EdkFailure? Failure)
{
    public static UnwrapResult Success(byte[] dataKey) => new(dataKey, null);
    public static UnwrapResult Fail(EdkFailure failure) => new(null, failure);
}
