using EncryptionTools.Engine.Format;
using EncryptionTools.Engine.Keyrings;

namespace EncryptionTools.Engine.Store;

/// <summary>A keyring of the store: also tells which key version made or opened an EDK, and zeroes its material on dispose.</summary>
public interface IStoreKeyring : IKeyring, IDisposable
{
    /// <summary>The key versions this keyring encrypts with (empty for a decrypt keyring).</summary>
    IReadOnlyList<KeyVersionRef> EncryptingKeys { get; }

    /// <summary>Which key and version of this store made <paramref name="edk"/>; null when none.</summary>
    KeyVersionRef? Identify(EncryptedDataKey edk);

    /// <summary>The file this keyring serves now (path for the audit log; ReEncrypt for Update-EncFileKey and -Rewrap).
    /// Set it before each file when one keyring serves several.</summary>
    StoreFileContext? FileContext { get; set; }

    /// <summary>
    /// From now on the audit records of this keyring's key uses wait in <paramref name="hold"/> until it is flushed. A batch
    /// of files flushes before it publishes each group of outputs, so the log still precedes the files.
    /// </summary>
    void HoldAuditRecords(AuditHold hold);

    /// <summary>The state and newest version of a key this keyring knows (decrypt keyrings); null otherwise.</summary>
    (KeyState State, int CurrentVersion)? StatusOf(string keyId);
}
