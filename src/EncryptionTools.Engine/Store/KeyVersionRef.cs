namespace EncryptionTools.Engine.Store;

public sealed record KeyVersionRef(string KeyId, string Arn, int Version, string KeyNamespace, string KeyName);
