namespace EncryptionTools.Engine.Keyrings;

/// <summary>Where an external keyring reports each call it made to its service, for the store's audit log.</summary>
public interface IKeyUseSink
{
    void Record(ExternalKeyUse use);
}
