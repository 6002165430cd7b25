using System.Management.Automation;
using EncryptionTools.Engine.Store;

namespace EncryptionTools.Module.Commands;

/// <summary>Gets aliases by name (wildcards allowed) or by the key they point to.</summary>
[Cmdlet(VerbsCommon.Get, "EncKeyAlias", HelpUri = HelpLinks.DocsBase + "Get-EncKeyAlias.md")]
[OutputType(typeof(EncKeyAlias))]
public sealed class GetEncKeyAliasCommand : KeyStoreCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(EncKeyAliasCompleter))]
    [Alias("Name")]
    public string[]? AliasName { get; set; }

    /// <summary>Only the aliases of this key.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EncKeyCompleter))]
    [Alias("Id")]
    public string? KeyId { get; set; }

    protected override void ProcessRecord()
    {
        ForItem(KeyId ?? (object?)AliasName, () =>
        {
            foreach (var alias in KeyQueries.GetAliases(Store, AliasName, KeyId)) WriteObject(alias);
        });
    }
}
