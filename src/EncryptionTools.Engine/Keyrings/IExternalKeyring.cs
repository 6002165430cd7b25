namespace EncryptionTools.Engine.Keyrings;

/// <summary>A keyring of an <see cref="IKeyringProvider"/>: it holds a network client, released on dispose.</summary>
public interface IExternalKeyring : IKeyring, IDisposable
{
    /// <summary>The provider id of the EDKs it writes and reads.</summary>
    string ProviderId { get; }
}
