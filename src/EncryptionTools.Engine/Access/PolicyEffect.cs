namespace EncryptionTools.Engine.Access;

public enum PolicyEffect
{
    Allow,
    Deny,
}
