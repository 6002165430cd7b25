namespace EncryptionTools.Engine.Store;

/// <summary>Keys that move whole and whole-store backup and restore: <see cref="KeyTransferOperations"/> and <see cref="StoreBackupOperations"/>.</summary>
public sealed partial class LocalKeyStore : IKeyTransfer
{
    public EncKeyPackage ExportKeyPackage(string keyIdentifier) => _transfer.ExportKeyPackage(keyIdentifier);
    public EncKey ImportKeyPackage(EncKeyPackage package) => _transfer.ImportKeyPackage(package);
    /// <inheritdoc cref="StoreBackupOperations.Backup"/>
    public StoreBackupInfo Backup(Stream output, StoreBackupProtection protection) => _backup.Backup(output, protection);
    /// <inheritdoc cref="StoreBackupOperations.Restore"/>
    public EncKeyStoreInfo Restore(Stream input, StoreRestoreRequest request) => _backup.Restore(input, request);
}
