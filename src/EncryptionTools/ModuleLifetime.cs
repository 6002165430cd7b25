using System.Management.Automation;
using EncryptionTools.Engine.Keyrings;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module;

/// <summary>
/// Import-Module: AWS KMS key ARNs are routed to the AWS KMS keyring, which is loaded (with the AWS SDK, into
/// <see cref="KmsLoadContext"/>) only when a command first names a KMS key or opens a KMS-wrapped data key; and the
/// first command's work starts on a background thread (<see cref="StoreWarmUp"/>, then <see cref="FirstCommandWarmUp"/>).
/// Remove-Module: every store provider of the process drops and wipes its cached document (key material included) and
/// its audit key, and every unlocked root key is forgotten, so nothing decrypted outlives the module; when the last
/// runspace that imported the module removes it, KMS keys are no longer routed.
/// </summary>
public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly object Gate = new();
    private static int _imports;

    public void OnImport()
    {
        lock (Gate)
        {
            // Several runspaces of one process may import the module; the registry and the load context are the process's.
            if (_imports++ == 0) KeyringProviders.Register(AwsKmsArn.ProviderId, id => AwsKmsArn.TryParse(id, out _), KmsLoadContext.LoadProvider);
        }
        // The first command's costs (the store's, then PowerShell's own), on the other core while PowerShell finishes the
        // import. ENCRYPTIONTOOLS_WARMUP=0 turns this off, to measure it or to record FirstCommandWarmUp's list.
        if (Environment.GetEnvironmentVariable("ENCRYPTIONTOOLS_WARMUP") != "0") StoreWarmUp.Start(then: FirstCommandWarmUp.Run);
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        KeyStoreProviders.CloseAll();
        lock (Gate)
        {
            if (_imports > 0 && --_imports == 0) KeyringProviders.Unregister(AwsKmsArn.ProviderId);
        }
    }
}
