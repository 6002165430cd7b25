using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Describes the key store: location and where it came from, protection (and the AWS KMS key of an AwsKms
/// store), lock state, counts.</summary>
[Cmdlet(VerbsCommon.Get, "EncKeyStore", HelpUri = HelpLinks.DocsBase + "Get-EncKeyStore.md")]
[OutputType(typeof(EncKeyStoreInfo))]
public sealed class GetEncKeyStoreCommand : KeyStoreCmdlet
{
    protected override void ProcessRecord()
    {
        ForItem(StorePath, () =>
        {
            var location = StoreLocation.ResolveWithSource(ResolveStorePath(StorePath));
            WriteObject(Store.GetStoreInfo() with { LocationSource = location.Source });
        });
    }
}
