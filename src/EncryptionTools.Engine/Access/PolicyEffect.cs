namespace EncryptionTools.Engine.Access;

internal enum PolicyEffect
{
    Allow,
    Deny,
}
