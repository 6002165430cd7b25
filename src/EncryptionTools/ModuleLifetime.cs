using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module;

/// <summary>
/// Remove-Module: every store provider of the process drops and wipes its cached document (key material included) and
/// its audit key, and every unlocked root key is forgotten, so nothing decrypted outlives the module.
/// </summary>
public sealed class ModuleLifetime : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo) => KeyStoreProviders.CloseAll();
}
